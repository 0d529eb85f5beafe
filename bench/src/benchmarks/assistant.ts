// The shopping assistant as deployed: every role in its own process on a real Postgres (the
// serving benchmarks' harness), the knowledge base built over the store, then vegeta open-loop
// `ask` mutations through the gateway at fixed arrival rates, answered by the built-in responder
// (a new thread per ask, signed-in shoppers rotated, messages from the labelled evaluation's
// questions): turn latency p50/p99 per rate. Beside it, knowledge retrieval alone (the hybrid
// retriever the agent calls each turn: query embedding, lexical + vector search, RRF) from this
// process against the same database: p50/p99 over the same messages.
//
// Run:  npm run infra:up && set -a && . .infra/env && set +a
//       npm run bench -- assistant [--quick] [--rates 1,2,4] [--seconds 20] [--size 400] [--fresh]
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { signDevToken } from '@recgraph/auth';
import { openDatabase } from '@recgraph/db';
import { createKnowledgeIndexer, createKnowledgeRetriever } from '../../../subgraphs/assistant/src/knowledge/index.ts';
import { loadQuestions } from '../../../subgraphs/assistant/src/cli/assistant-eval.ts';
import type { Benchmark } from '../benchmark.ts';
import type { BenchTable } from '../table.ts';
import { machineNote, parseList } from '../serving/options.ts';
import { findVegeta, openLoopStep, vegetaVersion, type StepResult } from '../serving/load.ts';
import { BENCH_JWT_CLAIMS, startRoles, type RunningRoles } from '../serving/roles.ts';
import { prepareStore, resolveStoreSize, sampleUsers, serverUrlForLoad } from '../serving/store.ts';

const SUBGRAPH_SECRET = 'bench-assistant-subgraph-secret-0123456789';
const JWT_SECRET = 'bench-assistant-jwt-hs256-secret-0123456789abcdef';
const ASK = `mutation ($m: String!) { ask(message: $m) { threadId answer model stopReason
  citedProducts { id } citedDocuments { key } toolCalls { tool ok } } }`;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

export const benchmark: Benchmark = {
  name: 'assistant',
  description:
    'The shopping assistant as deployed (one process per role, real Postgres): ask turn latency p50/p99 through the gateway with the built-in responder at fixed open-loop rates (vegeta), and knowledge retrieval latency p50/p99. Options: --rates, --seconds, --size <products> (default 400, the demo store), --fresh',
  async run({ quick, log, options }) {
    const serverUrl = serverUrlForLoad();
    const vegeta = await findVegeta();
    const size = resolveStoreSize(options.size ?? '400', false);
    const rates = parseList(options.rates, quick ? [1, 2] : [1, 2, 4, 8], 'rates');
    const seconds = parseList(options.seconds, [quick ? 10 : 20], 'seconds')[0]!;
    const timeoutS = 30;
    const messages = loadQuestions().map((q) => q.turns[0]!);

    const store = await prepareStore(serverUrl, size, { fresh: options.fresh ?? false, log, purpose: 'assistant' });
    const db = await openDatabase({ url: store.url, poolSize: 2 });
    const retrievalMs: number[] = [];
    let chunks = 0;
    try {
      // The knowledge base (idempotent: a reused store's unchanged documents are skipped).
      const t0 = performance.now();
      const indexer = createKnowledgeIndexer({ db });
      try {
        const docs = await indexer.syncStoreDocuments();
        const products = await indexer.indexAllProducts();
        log(
          `knowledge base: documents ${JSON.stringify(docs)}, products ${JSON.stringify(products)} (${((performance.now() - t0) / 1000).toFixed(0)} s)`,
        );
      } finally {
        await indexer.stop();
      }
      const [count] = await db.prisma.$queryRaw<
        { chunks: number }[]
      >`SELECT count(*)::int AS chunks FROM knowledge_chunks`;
      chunks = count?.chunks ?? 0;

      // Retrieval alone, one query at a time after a warm-up pass (encoder load, caches).
      const retriever = createKnowledgeRetriever({ db });
      try {
        for (const m of messages.slice(0, 5)) await retriever.retrieve(m, { k: 5 });
        for (let round = 0; round < (quick ? 2 : 5); round++)
          for (const m of messages) {
            const t = performance.now();
            await retriever.retrieve(m, { k: 5 });
            retrievalMs.push(performance.now() - t);
          }
      } finally {
        await retriever.close();
      }
    } finally {
      await db.close();
    }
    retrievalMs.sort((a, b) => a - b);

    const users = await sampleUsers(store.url, 400);
    const tokens = await Promise.all(
      users.ids.map((sub) => signDevToken(JWT_SECRET, { sub, role: 'customer', expiresIn: '6h', ...BENCH_JWT_CLAIMS })),
    );
    const work = mkdtempSync(join(tmpdir(), 'recgraph-assistant-bench-'));
    const steps: StepResult[] = [];
    let roles: RunningRoles | undefined;
    const load1: string[] = [];
    try {
      roles = await startRoles('split', {
        databaseUrl: store.url,
        modelDir: store.modelDir,
        subgraphSecret: SUBGRAPH_SECRET,
        jwtSecret: JWT_SECRET,
        logDir: join(work, 'logs'),
        log,
      });
      // One request per (shopper, message): each shopper asks a handful of times at most, far
      // below ASSISTANT_ASKS_PER_MINUTE, so no ask is refused by the per-caller rate limit.
      const requests = tokens.map((token, i) => ({
        url: roles!.gatewayUrl,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: ASK, variables: { m: messages[i % messages.length] } }),
      }));
      // Warm-up: the assistant's encoder loads on its first question.
      await openLoopStep({
        vegeta,
        requests,
        rate: 1,
        seconds: quick ? 8 : 15,
        timeoutS,
        workDir: work,
        name: 'warmup',
      });
      for (const rate of rates) {
        roles.assertAlive();
        const rotated = [
          ...requests.slice((rate * 37) % requests.length),
          ...requests.slice(0, (rate * 37) % requests.length),
        ];
        const step = await openLoopStep({
          vegeta,
          requests: rotated,
          rate,
          seconds,
          timeoutS,
          workDir: work,
          name: `ask-${rate}`,
        });
        steps.push(step);
        load1.push(loadavg()[0]!.toFixed(1));
        log(
          `ask at ${rate}/s: p50 ${step.p50.toFixed(0)} ms, p99 ${step.p99.toFixed(0)} ms, ok ${step.ok}/${step.requests}, errors ${step.errors}, timeouts ${step.timeouts}${step.errorSamples.length ? ` (${step.errorSamples[0]})` : ''}`,
        );
        if (step.achieved < 0.9 * rate || step.timeouts > 0.01 * step.requests) break;
      }
    } finally {
      await roles?.stop();
      rmSync(work, { recursive: true, force: true });
    }

    const tables: BenchTable[] = [
      {
        title:
          'Assistant turn latency through the gateway, built-in responder, open loop (one process per role, real Postgres)',
        columns: [
          'offered/s',
          'seconds',
          'requests',
          'ok',
          'errors',
          'timeouts',
          'achieved/s',
          'p50 ms',
          'p90 ms',
          'p99 ms',
          'max ms',
          'load1',
        ],
        rows: steps.map((s, i) => [
          s.offered,
          s.seconds,
          s.requests,
          s.ok,
          s.errors,
          s.timeouts,
          Number(s.achieved.toFixed(2)),
          Number(s.p50.toFixed(1)),
          Number(s.p90.toFixed(1)),
          Number(s.p99.toFixed(1)),
          Number(s.max.toFixed(1)),
          load1[i]!,
        ]),
        notes: [
          `Store: generateStore seed 42, ${store.products} products, ${store.users} users (database ${store.database}); knowledge base: the shipped store documents and every product's description, specs and reviews, ${chunks} chunks. Each request is \`ask(message)\` (a new thread) as one of ${tokens.length} signed-in customers rotated per request, the message one of the ${messages.length} evaluation questions' first turns (subgraphs/assistant/eval/questions.jsonl); the turn runs retrieval, the built-in responder's tool calls (search, details, compare, similar, cart) against the other subgraphs, and the Postgres checkpoint writes.`,
          `Load: vegeta ${await vegetaVersion(vegeta)} in its own process, open loop at a fixed arrival rate, ${seconds} s per rate after a warm-up, ${timeoutS} s timeout; latency includes queueing and failed requests. Roles: subgraphs/*/src/index.ts and gateway/src/index.ts as five processes (NODE_ENV=production, RATE_LIMIT_POINTS=0, no Kafka). The ladder stops once achieved < 90 % of offered or > 1 % time out.`,
          `Machine: ${machineNote()}; shared with other engineers' jobs (load1 per step in the table): the figures are noisy.`,
        ],
      },
      {
        title: 'Knowledge retrieval latency (hybrid: query embedding + lexical + vector, RRF; k = 5)',
        columns: ['queries', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'],
        rows: [
          [
            retrievalMs.length,
            Number(percentile(retrievalMs, 0.5).toFixed(1)),
            Number(percentile(retrievalMs, 0.9).toFixed(1)),
            Number(percentile(retrievalMs, 0.99).toFixed(1)),
            Number(retrievalMs.at(-1)!.toFixed(1)),
          ],
        ],
        notes: [
          `createKnowledgeRetriever (subgraphs/assistant/src/knowledge) in the benchmark's process against the same real Postgres, one query at a time (closed loop), the ${messages.length} evaluation questions' first turns, ${quick ? 2 : 5} rounds after a warm-up; the text encoder is the one search uses (TEXT_ENCODER_DIR, else the fetched all-MiniLM-L6-v2, else built-in). Before the load steps, so no role competes with it.`,
        ],
      },
    ];
    return tables;
  },
};
