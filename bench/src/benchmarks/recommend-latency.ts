// Recommendation serving capacity through the gateway, closed loop: the roles
// run as separate processes (the serving-open-loop harness: one process per
// subgraph and the gateway, real Postgres), and vegeta, in its own process,
// keeps a fixed number of requests in flight. Latency at a fixed arrival rate
// (what users see) is serving-open-loop's job; this one gives the throughput
// ceiling at that concurrency.
// Run: npm run bench -- recommend-latency   (quick mode: 2,000 products)
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { signDevToken } from '@recgraph/auth';
import type { Benchmark } from '../benchmark.ts';
import type { BenchTable } from '../table.ts';
import { findVegeta, openLoopStep, vegetaVersion } from '../serving/load.ts';
import { BENCH_JWT_CLAIMS, startSplitRoles, type RunningRoles } from '../serving/roles.ts';
import { prepareStore, resolveStoreSize, sampleUsers, serverUrlForLoad } from '../serving/store.ts';

const SUBGRAPH_SECRET = 'bench-subgraph-secret-0123456789';
const JWT_SECRET = 'bench-recommend-latency-jwt-secret-0123456789';
const machine = () => `${cpus()[0]?.model ?? 'cpu'} × ${availableParallelism()} cores, Node ${process.version}`;

/** The queries measured: the full federated shape a storefront asks for, and the recommend subgraph alone. */
const QUERIES = [
  {
    label: 'recommendations MIXED (first 10) + product title/price from catalog',
    query: '{ recommendations(first: 10) { score source reason product { id title price { amount } } } }',
  },
  {
    label: 'recommendations PERSONALIZED (first 10), ids only',
    query: '{ recommendations(first: 10, strategy: PERSONALIZED) { score product { id } } }',
  },
  {
    // Served from the in-memory popularity snapshot: the gateway and subgraph overhead with no per-request SQL.
    label: 'baseline: popularProducts (first 10), ids only',
    query: '{ popularProducts(first: 10) { id } }',
  },
];

export const benchmark: Benchmark = {
  name: 'recommend-latency',
  description:
    'recommendations p50/p99 and requests/s through the gateway, closed loop (16 requests in flight, vegeta in its own process), every role in its own process on real Postgres, 10k-product store with a trained ALS model; fixed-rate latency: serving-open-loop',
  async run({ quick, log }) {
    const size = resolveStoreSize(quick ? 'quick' : '10000', quick);
    const durationS = quick ? 5 : 20;
    const workers = 16;
    const vegeta = await findVegeta();
    const store = await prepareStore(serverUrlForLoad(), size, { fresh: false, log });
    const users = await sampleUsers(store.url, 1000);
    const tokens = await Promise.all(
      users.ids.map((sub) => signDevToken(JWT_SECRET, { sub, role: 'customer', expiresIn: '2h', ...BENCH_JWT_CLAIMS })),
    );
    const work = mkdtempSync(join(tmpdir(), 'recgraph-bench-recommend-'));
    let roles: RunningRoles | undefined;
    try {
      roles = await startSplitRoles({
        databaseUrl: store.url,
        modelDir: store.modelDir,
        subgraphSecret: SUBGRAPH_SECRET,
        jwtSecret: JWT_SECRET,
        logDir: join(work, 'logs'),
        log,
      });
      const rows: (string | number)[][] = [];
      for (const q of QUERIES) {
        const body = JSON.stringify({ query: q.query });
        // A different customer on every request, so caches of one user's list cannot flatter the numbers.
        const requests = tokens.map((t) => ({
          url: roles!.gatewayUrl,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${t}` },
          body,
        }));
        const common = { vegeta, requests, rate: 0, timeoutS: 10, workDir: work, closedLoopWorkers: workers };
        // Warm-up: JIT, pools, popularity snapshots, so the run measures steady state.
        const warm = await openLoopStep({ ...common, seconds: 2, name: 'warmup' });
        if (warm.ok === 0) throw new Error(`${q.label}: warm-up failed: ${warm.errorSamples.join('; ')}`);
        log(`vegeta closed loop: ${q.label}, ${workers} in flight, ${durationS} s`);
        const r = await openLoopStep({ ...common, seconds: durationS, name: 'run' });
        rows.push([q.label, r.p50, r.p99, Math.round(r.achieved), r.requests, r.errors + r.timeouts]);
      }
      const table: BenchTable = {
        title: `Recommendation serving through the gateway, closed loop (${size.products.toLocaleString('en-US')} products, ${size.users.toLocaleString('en-US')} users)`,
        columns: ['query', 'p50 ms', 'p99 ms', 'requests/s', 'requests', 'errors'],
        rows,
        notes: [
          `Database: real Postgres, ${store.database}. Store: generateStore({ seed: 42, products: ${size.products}, users: ${size.users} }), ${store.interactions.toLocaleString('en-US')} interactions; active ALS model ${store.modelId}.`,
          `Roles: the four subgraphs and the gateway each in its own process (standalone entries, NODE_ENV=production, RATE_LIMIT_POINTS=0), as docker-compose runs them.`,
          `Load: vegeta ${await vegetaVersion(vegeta)} in its own process, closed loop with ${workers} requests in flight, ${durationS} s per query after a 2 s warm-up, customer tokens rotated over ${tokens.length} users. A closed loop slows its senders when the server slows, so its latency understates what users see at a given rate: see serving-open-loop for fixed-rate (open-loop) latency.`,
          `Machine: ${machine()}; load generator, services and Postgres share it.`,
          'Reproduce: npm run infra:up && set -a && . .infra/env && set +a && npm run bench -- recommend-latency',
        ],
      };
      return [table];
    } finally {
      await roles?.stop();
      rmSync(work, { recursive: true, force: true });
    }
  },
};
