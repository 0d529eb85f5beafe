import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { openDatabase } from '@recgraph/db';
import { GATEWAY_SECRET_HEADER } from '@recgraph/subgraph-kit';
import type { Benchmark } from '../benchmark.ts';
import { startSplitRoles, type RunningRoles } from '../serving/roles.ts';
import { prepareStore, resolveStoreSize, serverUrlForLoad } from '../serving/store.ts';

const SECRET = 'bench-subgraph-secret-0123456789';
const CONNECTIONS = 10;
const PRODUCTS = 10_000;

const CATALOG_FIELDS =
  'id title brand availability price { amount currency } category { slug } ratingSummary { average count }';
const FEDERATED = `query ProductPage($id: ID!) { product(id: $id) { ${CATALOG_FIELDS} recommendedWith(first: 5) { id title } } }`;
const CATALOG_ONLY = `query ProductPage($id: ID!) { product(id: $id) { ${CATALOG_FIELDS} } }`;

interface Target {
  label: string;
  url: string;
  query: string;
  headers: Record<string, string>;
}

interface Measurement {
  p50: number;
  p99: number;
  rps: number;
  requests: number;
  failures: number;
}

const ROUNDS = (quick: boolean) => (quick ? 1 : 3);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function combine(rounds: Measurement[]): Measurement {
  return {
    p50: median(rounds.map((r) => r.p50)),
    p99: median(rounds.map((r) => r.p99)),
    rps: rounds.reduce((a, r) => a + r.rps, 0) / rounds.length,
    requests: rounds.reduce((a, r) => a + r.requests, 0),
    failures: rounds.reduce((a, r) => a + r.failures, 0),
  };
}

const autocannonBin = join(dirname(createRequire(import.meta.url).resolve('autocannon/package.json')), 'autocannon.js');

/**
 * autocannon runs as its own process so the load generator does not share
 * the event loop with the servers it measures.
 */
async function load(target: Target, variables: Record<string, unknown>, seconds: number): Promise<Measurement> {
  const args = [autocannonBin, '--json', '-c', String(CONNECTIONS), '-d', String(seconds), '-m', 'POST'];
  for (const [k, v] of Object.entries({ 'content-type': 'application/json', ...target.headers }))
    args.push('-H', `${k}=${v}`);
  args.push('-b', JSON.stringify({ query: target.query, variables }), target.url);
  const { stdout } = await promisify(execFile)(process.execPath, args, { maxBuffer: 16 * 2 ** 20 });
  const r = JSON.parse(stdout) as {
    latency: { p50: number; p99: number };
    requests: { average: number; total: number };
    non2xx: number;
    errors: number;
  };
  return {
    p50: r.latency.p50,
    p99: r.latency.p99,
    rps: r.requests.average,
    requests: r.requests.total,
    failures: r.non2xx + r.errors,
  };
}

/** One request first, so a broken query fails the benchmark instead of timing errors. */
async function checkAnswers(target: Target, variables: Record<string, unknown>, federated: boolean): Promise<void> {
  const res = await fetch(target.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...target.headers },
    body: JSON.stringify({ query: target.query, variables }),
  });
  const body = (await res.json()) as { data?: { product?: { recommendedWith?: unknown[] } | null }; errors?: unknown };
  if (res.status !== 200 || body.errors || !body.data?.product)
    throw new Error(`${target.label}: unexpected answer ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
  if (federated && !body.data.product.recommendedWith?.length)
    throw new Error(
      `${target.label}: the product has no recommendations, so the recommend subgraph would not be measured`,
    );
}

/** The cost of federation: the same product page through the gateway and straight from the catalog subgraph. */
export const benchmark: Benchmark = {
  name: 'gateway-overhead',
  description:
    'Federated product query through the gateway vs the catalog subgraph directly (p50/p99 latency, req/s), closed loop (autocannon, 10 connections, own process), every role in its own process on real Postgres',
  async run(ctx) {
    const seconds = ctx.quick ? 3 : 12;
    const size = resolveStoreSize(String(PRODUCTS), false);
    const store = await prepareStore(serverUrlForLoad(), size, { fresh: false, log: ctx.log });
    const database = `real Postgres (${store.database})`;
    const work = mkdtempSync(join(tmpdir(), 'recgraph-bench-gateway-'));
    let stack: RunningRoles | undefined;
    try {
      // A typical product: the median by interaction count among those with any,
      // so recommendedWith has co-interactions to rank but is not the store's hottest item.
      const db = await openDatabase({ url: store.url, migrate: false, poolSize: 1 });
      const [row] = await db.prisma.$queryRaw<{ id: string }[]>`
        WITH counts AS (
          SELECT i.product_id, count(*) AS n FROM interactions i JOIN products p ON p.id = i.product_id
          WHERE p.status = 'ACTIVE' GROUP BY i.product_id
        )
        SELECT product_id::text AS id FROM counts ORDER BY n DESC, product_id
        OFFSET (SELECT count(*) / 2 FROM counts) LIMIT 1`.finally(() => db.close());
      if (!row) throw new Error('the seeded store has no interactions');
      const variables = { id: row.id };

      // Each role in its own process as deployed; the rate limit would throttle a load generator.
      stack = await startSplitRoles({
        databaseUrl: store.url,
        modelDir: store.modelDir,
        subgraphSecret: SECRET,
        jwtSecret: 'bench-gateway-overhead-jwt-secret-0123456789',
        logDir: join(work, 'logs'),
        log: ctx.log,
      });
      const targets: Target[] = [
        { label: 'gateway: catalog + recommend (federated)', url: stack.gatewayUrl, query: FEDERATED, headers: {} },
        { label: 'gateway: catalog fields only', url: stack.gatewayUrl, query: CATALOG_ONLY, headers: {} },
        {
          label: 'catalog subgraph directly',
          url: stack.subgraphUrls.catalog,
          query: CATALOG_ONLY,
          headers: { [GATEWAY_SECRET_HEADER]: SECRET },
        },
      ];
      for (const target of targets) {
        await checkAnswers(target, variables, target.query === FEDERATED);
        await load(target, variables, 1); // warm-up: JIT, connection pools, query plans
      }
      // Interleaved rounds, so a burst of load from elsewhere on the machine
      // lands on every target rather than on whichever happened to be running.
      const rounds: Measurement[][] = targets.map(() => []);
      for (let round = 0; round < ROUNDS(ctx.quick); round++) {
        for (const [i, target] of targets.entries()) {
          const m = await load(target, variables, seconds / ROUNDS(ctx.quick));
          if (m.failures) throw new Error(`${target.label}: ${m.failures} failed requests under load`);
          rounds[i]!.push(m);
        }
      }
      const results = rounds.map(combine);
      for (const [i, target] of targets.entries()) {
        const m = results[i]!;
        ctx.log(`${target.label}: p50 ${m.p50} ms, p99 ${m.p99} ms, ${m.rps.toFixed(0)} req/s`);
      }
      const direct = results[2]!;
      const ratio = (m: Measurement, key: 'p50' | 'p99' | 'rps') => Number((m[key] / direct[key]).toFixed(2));
      return [
        {
          title: `Gateway overhead: product page (${PRODUCTS.toLocaleString('en-US')}-product store, ${database})`,
          columns: [
            'target',
            'p50 ms',
            'p99 ms',
            'req/s',
            'requests',
            'p50 × direct',
            'p99 × direct',
            'req/s × direct',
          ],
          rows: targets.map((target, i) => {
            const m = results[i]!;
            return [
              target.label,
              m.p50,
              m.p99,
              Math.round(m.rps),
              m.requests,
              ratio(m, 'p50'),
              ratio(m, 'p99'),
              ratio(m, 'rps'),
            ];
          }),
          notes: [
            `autocannon in a child process, ${CONNECTIONS} connections, ${seconds} s per target in ${ROUNDS(ctx.quick)} interleaved round(s) after a 1 s warm-up (p50/p99: median of rounds; req/s: mean); one product (the median by interaction count) every request.`,
            'The four subgraphs and the gateway each run in their own process (standalone entries, NODE_ENV=production, RATE_LIMIT_POINTS=0), as docker-compose runs them; no trace exporter, metrics on. autocannon is a closed loop: for fixed-rate latency see serving-open-loop.',
            'Federated = catalog fields + recommendedWith(first: 5) { id title }: gateway → catalog, recommend, then catalog again for the recommended products.',
            `Store: generateStore({ seed: 42, products: ${size.products}, users: ${size.users} }), ${store.interactions.toLocaleString('en-US')} interactions, popularity and co-visitation rebuilt.`,
            'Reproduce: npm run infra:up && set -a && . .infra/env && set +a && npm run bench -- gateway-overhead [--quick]',
          ],
        },
      ];
    } finally {
      await stack?.stop();
      rmSync(work, { recursive: true, force: true });
    }
  },
};
