// Recommendation serving latency through the gateway.
// Run: npm run bench -- recommend-latency   (quick mode: 2,000 products)
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { signDevToken } from '@recgraph/auth';
import { DEV_JWT_SECRET } from '@recgraph/config';
import { generateStore, seedStore } from '@recgraph/data';
import { rebuildOnlineFeatures } from '@recgraph/streaming';
import { openDatabase } from '@recgraph/db';
import { promote, runTraining } from '@recgraph/training';
import { startStack } from '../../../gateway/src/stack.ts';
import type { Benchmark } from '../benchmark.ts';
import type { BenchTable } from '../table.ts';

const SECRET = 'bench-subgraph-secret-0123456789';
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
    'recommendations p50/p99 and requests/s through the gateway on a 10k-product generated store with a trained ALS model',
  async run({ quick, log }) {
    const size = quick ? { products: 2_000, users: 800 } : { products: 10_000, users: 4_000 };
    const durationS = quick ? 5 : 20;
    const connections = 16;
    const serverUrl = process.env.TEST_DATABASE_URL;
    let url: string | undefined;
    if (serverUrl) {
      const { createTestDatabase } = await import('../../../packages/db/test/real-postgres.ts');
      url = await createTestDatabase(serverUrl);
    }
    const database = url ? 'real Postgres (TEST_DATABASE_URL)' : 'embedded PGlite (in memory, one connection)';
    const db = await openDatabase({ url });
    const modelDir = mkdtempSync(join(tmpdir(), 'recgraph-bench-models-'));
    try {
      log(`seeding ${size.products} products, ${size.users} users into ${database}`);
      const seeded = await seedStore(db, generateStore({ seed: 42, ...size }));
      await rebuildOnlineFeatures(db); // as `npm start` does: popularity and co-visitation from the history
      log(`seeded ${seeded.interactions.inserted} interactions in ${seeded.seconds} s; training ALS`);
      const t0 = performance.now();
      const trained = await runTraining(db, { algorithm: 'als', modelDir, margin: 0 });
      if (!trained.decision?.promoted) await promote(db, trained.version.id);
      const trainS = (performance.now() - t0) / 1000;
      log(`trained ${trained.version.id} in ${trainS.toFixed(1)} s`);

      // The rate limiter would measure itself, not serving: off, as the protection options allow for benchmarks.
      const stack = await startStack({
        prisma: db.prisma,
        secret: SECRET,
        logLevel: 'error',
        protection: { rateLimit: false },
      });
      try {
        const users = await db.prisma.user.findMany({ select: { id: true }, take: 1000, orderBy: { id: 'asc' } });
        const tokens = await Promise.all(
          users.map((u) => signDevToken(DEV_JWT_SECRET, { sub: u.id, role: 'customer' })),
        );
        const rows: (string | number)[][] = [];
        for (const q of QUERIES) {
          const body = JSON.stringify({ query: q.query });
          // Warm-up: the popularity snapshots and JIT, so the run measures steady state.
          for (const token of tokens.slice(0, 20)) {
            const res = await fetch(stack.gateway.url, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
              body,
            });
            const json = (await res.json()) as { errors?: unknown[] };
            if (json.errors) throw new Error(`warm-up failed: ${JSON.stringify(json.errors)}`);
          }
          let next = 0;
          let failures = 0;
          log(`autocannon: ${q.label}, ${connections} connections, ${durationS} s`);
          const result = await autocannon({
            url: stack.gateway.url,
            connections,
            duration: durationS,
            requests: [
              {
                method: 'POST',
                // A different customer on every request, so caches of one user's list cannot flatter the numbers.
                setupRequest: (req) => ({
                  ...req,
                  headers: {
                    'content-type': 'application/json',
                    authorization: `Bearer ${tokens[next++ % tokens.length]}`,
                  },
                  body,
                }),
                onResponse: (status, resBody) => {
                  if (status !== 200 || resBody.includes('"errors"')) failures++;
                },
              },
            ],
          });
          rows.push([
            q.label,
            result.latency.p50,
            result.latency.p99,
            Math.round(result.requests.average),
            result.requests.total,
            result.non2xx + failures,
          ]);
        }
        const table: BenchTable = {
          title: `Recommendation serving through the gateway (${size.products.toLocaleString('en-US')} products, ${size.users.toLocaleString('en-US')} users)`,
          columns: ['query', 'p50 ms', 'p99 ms', 'requests/s', 'requests', 'errors'],
          rows,
          notes: [
            `Database: ${database}. Store: generateStore({ seed: 42, products: ${size.products}, users: ${size.users} }), ${seeded.interactions.inserted.toLocaleString('en-US')} interactions.`,
            `Model: ALS (defaults: 64 factors), trained in ${trainS.toFixed(1)} s; served from memory with exact top-k.`,
            `Load: autocannon, ${connections} connections, ${durationS} s per query, customer tokens rotated over ${tokens.length} users; all services in one process.`,
            `Machine: ${machine()}.`,
            'Reproduce: npm run bench -- recommend-latency',
          ],
        };
        return [table];
      } finally {
        await stack.stop();
      }
    } finally {
      await db.close();
      rmSync(modelDir, { recursive: true, force: true });
    }
  },
};
