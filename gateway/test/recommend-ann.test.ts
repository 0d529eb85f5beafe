import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { signDevToken } from '@recgraph/auth';
import { DEV_JWT_SECRET } from '@recgraph/config';
import { generateStore, seedStore } from '@recgraph/data';
import { openDatabase, upsertProductEmbeddings, type Database } from '@recgraph/db';
import { CompiledRules, ModelHolder, NO_RULES, Recommender, retrievalTotal } from '@recgraph/ranking';
import { createLogger } from '@recgraph/telemetry';
import { loadActiveModel, promote, runTraining } from '@recgraph/training';
import { startStack, type RunningStack } from '../src/stack.ts';
import { TEST_SECRET, type GraphQLResponse } from './support/testStack.ts';

// The recommend subgraph with RECOMMEND_ANN_MIN_ITEMS=0: personal candidates come
// from pgvector HNSW over the active model's COLLABORATIVE embeddings, written here
// exactly as the trainer's embedding job writes them. An in-process engine on the
// exact in-memory top-k is the reference the HNSW lists are compared with.
let db: Database;
let stack: RunningStack;
let modelDir: string;
let exact: Recommender;
let exactModels: ModelHolder;
let users: string[];

const USERS = 20;

async function gql<T>(query: string, token: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>> {
  const res = await fetch(stack.gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as GraphQLResponse<T>;
}

interface Entry {
  id: string;
  source: string;
}

async function personalEntries(userId: string, first = 10): Promise<Entry[]> {
  const token = await signDevToken(DEV_JWT_SECRET, { sub: userId, role: 'customer' });
  const res = await gql<{ recommendations: { source: string; product: { id: string } }[] }>(
    `{ recommendations(first: ${first}, strategy: PERSONALIZED) { source product { id } } }`,
    token,
  );
  expect(res.errors).toBeUndefined();
  return res.data!.recommendations.map((r) => ({ id: r.product.id, source: r.source }));
}

async function personal(userId: string, first = 10): Promise<string[]> {
  return (await personalEntries(userId, first)).map((e) => e.id);
}

async function exactPersonal(userId: string, first = 10): Promise<Entry[]> {
  const list = await exact.recommend({
    userId,
    first,
    strategy: 'PERSONALIZED',
    alpha: 1,
    categoryId: null,
    excludeSeen: true,
    diversity: 0,
  });
  return list.map((r) => ({ id: r.productId, source: r.source }));
}

beforeAll(async () => {
  // Read by servingOptionsFromConfig when the recommend subgraph starts.
  process.env.RECOMMEND_ANN_MIN_ITEMS = '0';
  db = await openDatabase();
  await seedStore(db, generateStore({ seed: 11, products: 120, users: 150 }));
  modelDir = mkdtempSync(join(tmpdir(), 'recgraph-ann-'));
  const trained = await runTraining(db, {
    algorithm: 'als',
    params: { factors: 16, iterations: 8 },
    modelDir,
    margin: 0,
    threads: 1,
  });
  if (!trained.decision?.promoted) await promote(db, trained.version.id);

  // As streaming/src/trainer's embedding job: "<algorithm>:<version id>", factors zero-padded to 64.
  const active = (await loadActiveModel(db))!;
  const { vectors, dim } = active.model.itemVectors!()!;
  const ids = active.items.toArray();
  await upsertProductEmbeddings(
    db.prisma,
    ids.map((productId, i) => {
      const vector = new Float32Array(64);
      vector.set(vectors.subarray(i * dim, (i + 1) * dim));
      return {
        productId,
        kind: 'COLLABORATIVE' as const,
        model: `${active.version.algorithm}:${active.version.id}`,
        vector,
      };
    }),
  );

  stack = await startStack({ prisma: db.prisma, secret: TEST_SECRET, logLevel: 'silent' });
  exactModels = new ModelHolder({ prisma: db.prisma }, createLogger('test', { level: 'silent' }));
  await exactModels.sync();
  exact = new Recommender(
    db.prisma,
    exactModels,
    new CompiledRules(NO_RULES),
    createLogger('test', { level: 'silent' }),
    60,
    Infinity,
  );
  const rows = await db.prisma.$queryRaw<{ user_id: string }[]>`
    SELECT user_id::text FROM interactions WHERE type <> 'DISLIKE'
    GROUP BY user_id ORDER BY count(*) DESC, user_id LIMIT ${USERS}`;
  users = rows.map((r) => r.user_id);
}, 240_000);

afterAll(async () => {
  await exactModels?.stop();
  await stack?.stop();
  await db?.close();
  if (modelDir) rmSync(modelDir, { recursive: true, force: true });
});

describe('HNSW candidate retrieval (RECOMMEND_ANN_MIN_ITEMS=0)', () => {
  it('serves personal lists from HNSW that agree with the exact top-k', async () => {
    const before = { ...retrievalTotal };
    const viaHnsw = new Map<string, Entry[]>();
    for (const u of users) viaHnsw.set(u, await personalEntries(u));
    expect(retrievalTotal.hnsw - before.hnsw).toBeGreaterThanOrEqual(users.length);
    expect(retrievalTotal.exact - before.exact).toBe(0);
    // The same counts on the recommend subgraph's /metrics.
    const scraped = await (await fetch(new URL('/metrics', stack.subgraphs.recommend.url))).text();
    const hnsw = /^recgraph_recommend_retrieval_total\{path="hnsw"\} (\d+)$/m.exec(scraped);
    expect(Number(hnsw?.[1])).toBe(retrievalTotal.hnsw);

    // Only the model's own candidates (CF) are compared: products the model never saw (CONTENT)
    // join each engine's lists once its background pass has read them, which the two engines here
    // do at their own moments, so one list may hold a new product where the other holds a CF item.
    const cf = (l: Entry[]) => l.filter((e) => e.source === 'CF').map((e) => e.id);
    const shortfalls: number[] = [];
    let shared = 0;
    let compared = 0;
    for (const u of users) {
      const reference = await exactPersonal(u);
      const got = viaHnsw.get(u)!;
      expect(got).toHaveLength(reference.length);
      const [a, b] = [cf(got), cf(reference)];
      const n = Math.min(a.length, b.length);
      const s = a.filter((id) => b.includes(id)).length;
      shortfalls.push(n - s);
      shared += s;
      compared += n;
    }
    expect(compared).toBeGreaterThanOrEqual(users.length * 5);
    // Measured: every CF item shared for all 20 users (120 items, ef_search ≥ 60, candidates
    // rescored with the in-memory factors). The bound leaves room for HNSW's approximation.
    expect(Math.max(...shortfalls)).toBeLessThanOrEqual(2);
    expect(shared / compared).toBeGreaterThanOrEqual(0.95);
  });

  it('still leaves out disliked and out-of-stock products', async () => {
    const user = users[0]!;
    const [disliked, outOfStock] = await personal(user, 10);
    // Through the API, as the platform's writers do: the writes announce themselves to the serving caches.
    const customer = await signDevToken(DEV_JWT_SECRET, { sub: user, role: 'customer' });
    const admin = await signDevToken(DEV_JWT_SECRET, { sub: 'admin-1', role: 'admin' });
    const setAvailability = (availability: string) =>
      gql(
        `mutation ($id: ID!, $a: Availability!) { updateProduct(id: $id, input: { availability: $a }) { id } }`,
        admin,
        {
          id: outOfStock,
          a: availability,
        },
      );
    expect(
      (
        await gql(`mutation ($p: ID!) { feedback(productId: $p, kind: DISLIKE) { recorded } }`, customer, {
          p: disliked,
        })
      ).errors,
    ).toBeUndefined();
    expect((await setAvailability('OUT_OF_STOCK')).errors).toBeUndefined();
    try {
      const before = retrievalTotal.hnsw;
      // The stock change reaches the recommend engine's product table over the bus, within moments.
      let after: string[] = [];
      await vi.waitFor(
        async () => {
          after = await personal(user, 10);
          expect(after).not.toContain(outOfStock);
        },
        { timeout: 5_000, interval: 100 },
      );
      expect(retrievalTotal.hnsw).toBeGreaterThan(before);
      expect(after).toHaveLength(10);
      expect(after).not.toContain(disliked);
      expect(after).not.toContain(outOfStock);
    } finally {
      await setAvailability('IN_STOCK');
    }
  });

  it('uses the exact top-k when the embeddings are of another model version', async () => {
    await db.prisma.$executeRaw`UPDATE product_embeddings SET model = 'als:older' WHERE kind = 'COLLABORATIVE'`;
    // A fresh engine: the subgraph's coverage check holds for a minute.
    const fresh = new Recommender(
      db.prisma,
      exactModels,
      new CompiledRules(NO_RULES),
      createLogger('test', { level: 'silent' }),
      60,
      0,
    );
    const before = { ...retrievalTotal };
    const list = await fresh.recommend({
      userId: users[1]!,
      first: 10,
      strategy: 'PERSONALIZED',
      alpha: 1,
      categoryId: null,
      excludeSeen: true,
      diversity: 0,
    });
    expect(list).toHaveLength(10);
    expect(retrievalTotal.hnsw).toBe(before.hnsw);
    expect(retrievalTotal.exact).toBeGreaterThan(before.exact);
  });
});
