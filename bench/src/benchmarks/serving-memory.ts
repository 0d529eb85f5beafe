// Memory the recommend engine's serving caches hold: the in-memory product facts
// table and the per-user state LRU, measured on the heap with the real classes'
// data shapes. Run: NODE_OPTIONS=--expose-gc npm run bench -- serving-memory
import { randomUUID } from 'node:crypto';
import { UserStateCache, type ProductFacts, type UserState } from '@recgraph/ranking';
import type { Benchmark } from '../benchmark.ts';

const gc = (globalThis as { gc?: () => void }).gc;

function heapAfterGc(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

/** A product's facts as the table holds them (strings of realistic length). */
function facts(i: number): ProductFacts {
  return {
    id: randomUUID(),
    title: `Product ${i} with a descriptive title of forty characters`.slice(0, 48),
    brand: `Brand ${i % 500}`,
    categoryId: randomUUID(),
    priceCents: 1000 + (i % 9000),
    currency: 'USD',
    imageUrl: `/images/product-${String(i).padStart(6, '0')}.jpg`,
    status: 'ACTIVE',
    availability: 'IN_STOCK',
  };
}

/** A user's cached state with `h` distinct products in their history and a 64-factor query. */
function state(productIds: readonly string[], h: number): UserState {
  const items = Array.from({ length: h }, (_, j) => productIds[(j * 7919) % productIds.length]!);
  return {
    modelVersionId: 'model',
    history: {
      positives: items.map((productId, j) => ({ productId, weight: 1 + (j % 4), strongest: 'VIEW' })),
      seen: new Set(items),
      disliked: new Set(),
      latestAt: new Date(),
    },
    query: { kind: 'vector', q: new Float32Array(64) },
    prefs: null,
    // The first request fills the pool: 200 candidates, ids shared with the product table.
    pool: {
      ids: Array.from({ length: 200 }, (_, j) => productIds[(j * 104729) % productIds.length]!),
      scores: new Float64Array(200),
    },
  };
}

export const benchmark: Benchmark = {
  name: 'serving-memory',
  description: 'heap held by the recommend engine’s product facts table and per-user state cache',
  async run({ quick, log }) {
    if (!gc) log('run with NODE_OPTIONS=--expose-gc for exact figures (without it the deltas include garbage)');
    const products = quick ? 10_000 : 100_000;
    // Everything measured stays referenced from here until the end, so no collection frees it mid-measure.
    const hold: unknown[] = [];
    const before = heapAfterGc();
    const table = new Map<string, ProductFacts>();
    for (let i = 0; i < products; i++) {
      const f = facts(i);
      table.set(f.id, f);
    }
    hold.push(table);
    const tableBytes = heapAfterGc() - before;
    const ids = [...table.keys()];
    const rows: (string | number)[][] = [
      [
        `product facts, ${products.toLocaleString('en-US')} products`,
        Math.round(tableBytes / products),
        (tableBytes / 2 ** 20).toFixed(1),
      ],
    ];
    const users = quick ? 2_000 : 20_000;
    for (const h of [10, 50, 200]) {
      const cache = new UserStateCache(users, 300_000);
      hold.push(cache);
      const start = heapAfterGc();
      for (let u = 0; u < users; u++) cache.set(randomUUID(), state(ids, h));
      const bytes = heapAfterGc() - start;
      const perUser = bytes / users;
      rows.push([
        `user state, ${h} products of history (pool filled)`,
        Math.round(perUser),
        `${(bytes / 2 ** 20).toFixed(1)} for ${users.toLocaleString('en-US')} users; ${((perUser * 1_000_000) / 2 ** 30).toFixed(1)} GiB for 1M`,
      ]);
      log(`history ${h}: ${Math.round(perUser)} bytes per user`);
    }
    log(`held ${hold.length} structures`);
    return [
      {
        title: 'Serving caches: heap per entry',
        columns: ['what', 'bytes each', 'MiB in total'],
        rows,
        notes: [
          `Measured with \`NODE_OPTIONS=--expose-gc npm run bench -- serving-memory\`, Node ${process.version}. The user cache is an LRU of RECOMMEND_USER_CACHE_SIZE users (default 20,000): memory is bounded by that count × a user's state, never by the number of users.`,
        ],
      },
    ];
  },
};
