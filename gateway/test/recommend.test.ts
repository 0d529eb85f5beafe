import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDevToken } from '@recgraph/auth';
import { DEV_JWT_SECRET } from '@recgraph/config';
import { generateStore, seedStore } from '@recgraph/data';
import { openDatabase, type Database } from '@recgraph/db';
import { modelEvents, SCHEMA_IDS, STREAMING_TOPIC } from '@recgraph/events';
import { getActiveModelVersion, promote, runTraining } from '@recgraph/training';
import { startStack, type RunningStack } from '../src/stack.ts';
import { TEST_SECRET, type GraphQLResponse } from './support/testStack.ts';

// A generated store (120 products, 150 users) with a trained ALS model,
// served through the real gateway and every subgraph.
let db: Database;
let stack: RunningStack;
let modelDir: string;
let firstModelId: string;
let admin: string;
let heavyUser: { id: string; token: string };
let productIds: string[];
let topCategory: { id: string; path: string };

const ZERO_UUID = '00000000-0000-4000-8000-000000000000';

interface Rec {
  score: number;
  source: string;
  reason: string;
  modelVersionId: string | null;
  product: { id: string; title: string; category: { path: string } | null };
}
const REC_FIELDS = 'score source reason modelVersionId product { id title category { path } }';

async function gql<T = Record<string, unknown>>(
  query: string,
  variables?: Record<string, unknown>,
  token?: string,
): Promise<GraphQLResponse<T> & { status: number }> {
  const res = await fetch(stack.gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { ...((await res.json()) as GraphQLResponse<never>), status: res.status };
}

const code = (res: { errors?: { extensions?: { code?: string } }[] }) => res.errors?.[0]?.extensions?.code;
const customer = (sub: string) => signDevToken(DEV_JWT_SECRET, { sub, role: 'customer' });

async function recs(token: string | undefined, args = '', variables?: Record<string, unknown>, vars = '') {
  const res = await gql<{ recommendations: Rec[] }>(
    `query${vars ? `(${vars})` : ''} { recommendations${args ? `(${args})` : ''} { ${REC_FIELDS} } }`,
    variables,
    token,
  );
  expect(res.errors).toBeUndefined();
  return res.data!.recommendations;
}

async function seenBy(userId: string): Promise<Set<string>> {
  const rows = await db.prisma.interaction.findMany({ where: { userId }, select: { productId: true } });
  return new Set(rows.map((r) => r.productId));
}

beforeAll(async () => {
  db = await openDatabase();
  await seedStore(db, generateStore({ seed: 5, products: 120, users: 150 }));
  modelDir = mkdtempSync(join(tmpdir(), 'recgraph-models-'));
  const trained = await runTraining(db, {
    algorithm: 'als',
    params: { factors: 16, iterations: 8 },
    modelDir,
    margin: 0,
    threads: 1,
  });
  // The first model must beat popularity to be promoted on its own; this test needs one either way.
  if (!trained.decision?.promoted) await promote(db, trained.version.id);
  firstModelId = trained.version.id;
  stack = await startStack({ prisma: db.prisma, secret: TEST_SECRET, logLevel: 'silent' });

  admin = await signDevToken(DEV_JWT_SECRET, { sub: 'admin-1', role: 'admin' });
  const [top] = await db.prisma.$queryRaw<{ user_id: string }[]>`
    SELECT user_id::text FROM interactions GROUP BY user_id ORDER BY count(*) DESC, user_id LIMIT 1`;
  heavyUser = { id: top!.user_id, token: await customer(top!.user_id) };
  productIds = (
    await db.prisma.product.findMany({ where: { status: 'ACTIVE' }, select: { id: true }, orderBy: { sku: 'asc' } })
  ).map((p) => p.id);
  const roots = await db.prisma.category.findMany({ where: { parentId: null }, orderBy: { slug: 'asc' } });
  topCategory = roots[0]!;
}, 240_000);

afterAll(async () => {
  await stack?.stop();
  await db?.close();
  if (modelDir) rmSync(modelDir, { recursive: true, force: true });
});

describe('personal recommendations', () => {
  it('PERSONALIZED: the trained model, nothing the user has seen, explained by their history', async () => {
    const list = await recs(heavyUser.token, 'first: 10, strategy: PERSONALIZED');
    expect(list).toHaveLength(10);
    const seen = await seenBy(heavyUser.id);
    for (const r of list) {
      expect(seen.has(r.product.id)).toBe(false);
      expect(r.modelVersionId).toBe(firstModelId);
      // Products the model never saw (no events in its window) compete by their content (new-products.test.ts).
      if (r.source === 'CONTENT') expect(r.reason).toMatch(/^New in .+$/);
      else {
        expect(r.source).toBe('CF');
        expect(r.reason).toMatch(/^(Because you (bought|viewed|rated|added) .+|Similar to .+ you liked)$/);
      }
      expect(r.product.title).toBeTruthy();
    }
    expect(list.filter((r) => r.source === 'CF').length).toBeGreaterThan(0);
    const scores = list.map((r) => r.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  });

  it('MIXED (default) blends model and popularity; alpha 0 is popularity only', async () => {
    const mixed = await recs(heavyUser.token);
    expect(mixed).toHaveLength(10);
    for (const r of mixed) expect(['CF', 'CONTENT', 'POPULAR']).toContain(r.source);
    const popularOnly = await recs(heavyUser.token, 'alpha: 0');
    expect(popularOnly.every((r) => r.source === 'POPULAR' && r.reason.startsWith('Popular'))).toBe(true);
    const popularStrategy = await recs(heavyUser.token, 'strategy: POPULAR');
    expect(popularStrategy.map((r) => r.product.id)).toEqual(popularOnly.map((r) => r.product.id));
  });

  it('excludeSeen: false may return seen products; the category filter keeps to the subtree', async () => {
    const withSeen = await recs(heavyUser.token, 'first: 30, strategy: PERSONALIZED, excludeSeen: false');
    expect(withSeen).toHaveLength(30);
    const inCategory = await recs(heavyUser.token, 'first: 5, categoryId: $c', { c: topCategory.id }, '$c: ID');
    expect(inCategory.length).toBeGreaterThan(0);
    for (const r of inCategory) expect(r.product.category!.path.startsWith(topCategory.path)).toBe(true);
  });

  it('diversity spreads the list over more categories', async () => {
    const categories = (list: Rec[]) => new Set(list.map((r) => r.product.category?.path)).size;
    const plain = await recs(heavyUser.token, 'first: 10, strategy: PERSONALIZED');
    const diverse = await recs(heavyUser.token, 'first: 10, strategy: PERSONALIZED, diversity: 0.9');
    expect(diverse).toHaveLength(10);
    expect(categories(diverse)).toBeGreaterThanOrEqual(categories(plain));
  });

  it('a partner reads users its token covers; a customer only themselves', async () => {
    const other = (await db.prisma.user.findFirst({ where: { id: { not: heavyUser.id } }, select: { id: true } }))!.id;
    const query = `query ($u: ID) { recommendations(userId: $u, first: 3) { score } }`;
    expect(code(await gql(query, { u: other }, heavyUser.token))).toBe('FORBIDDEN');
    const partner = await signDevToken(DEV_JWT_SECRET, {
      sub: 'p-1',
      role: 'partner',
      scopes: ['read'],
      users: [other],
    });
    const ok = await gql<{ recommendations: unknown[] }>(query, { u: other }, partner);
    expect(ok.errors).toBeUndefined();
    expect(ok.data!.recommendations).toHaveLength(3);
    expect(code(await gql(query, { u: heavyUser.id }, partner))).toBe('FORBIDDEN');
    expect(code(await gql(query, { u: other }))).toBe('UNAUTHENTICATED');
    expect((await gql(query, { u: other }, admin)).errors).toBeUndefined();
  });
});

describe('cold start', () => {
  it('an unknown user gets popularity, not an error; anonymous callers too', async () => {
    for (const token of [await customer(ZERO_UUID), await customer('not-a-users-id'), undefined]) {
      const list = await recs(token);
      expect(list).toHaveLength(10);
      expect(list.every((r) => r.source === 'POPULAR' && r.modelVersionId === null)).toBe(true);
    }
  });

  it('a user with stated preferences gets them; a new user with one like is folded in', async () => {
    const fresh = await db.prisma.user.create({ data: { externalId: 'cold-start-1' } });
    await db.prisma.userPreference.create({ data: { userId: fresh.id, categoryIds: [topCategory.id] } });
    const prefs = await recs(await customer(fresh.id), 'first: 5');
    expect(prefs).toHaveLength(5);
    for (const r of prefs) {
      expect(r.source).toBe('PREFERENCE');
      expect(r.product.category!.path.startsWith(topCategory.path)).toBe(true);
      expect(r.reason).toMatch(/one of your interests$/);
    }

    const liker = await db.prisma.user.create({ data: { externalId: 'cold-start-2' } });
    const token = await customer(liker.id);
    const like = await gql<{ feedback: { recorded: boolean } }>(
      `mutation ($p: ID!) { feedback(productId: $p, kind: LIKE) { recorded kind product { id } } }`,
      { p: productIds[0] },
      token,
    );
    expect(like.errors).toBeUndefined();
    const personal = await recs(token, 'first: 5, strategy: PERSONALIZED');
    expect(personal).toHaveLength(5);
    expect(personal.every((r) => r.source === 'CF' && r.modelVersionId === firstModelId)).toBe(true);
    expect(personal.map((r) => r.product.id)).not.toContain(productIds[0]);
    expect(personal[0]!.reason).toMatch(/you liked$/);
  });
});

describe('feedback', () => {
  it('a dislike removes the product from the next list; the same feedback twice a day records once', async () => {
    const before = await recs(heavyUser.token, 'first: 5, excludeSeen: true');
    const victim = before[0]!.product.id;
    const mutation = `mutation ($p: ID!) { feedback(productId: $p, kind: DISLIKE) { recorded kind } }`;
    const first = await gql<{ feedback: { recorded: boolean } }>(mutation, { p: victim }, heavyUser.token);
    expect(first.data!.feedback).toEqual({ recorded: true, kind: 'DISLIKE' });
    const again = await gql<{ feedback: { recorded: boolean } }>(mutation, { p: victim }, heavyUser.token);
    expect(again.data!.feedback.recorded).toBe(false);
    for (const args of [
      'first: 20',
      'first: 20, excludeSeen: false',
      'first: 20, strategy: POPULAR, excludeSeen: false',
    ]) {
      expect((await recs(heavyUser.token, args)).map((r) => r.product.id)).not.toContain(victim);
    }
  });

  it('validates: unknown product NOT_FOUND, malformed BAD_USER_INPUT, anonymous UNAUTHENTICATED', async () => {
    const m = `mutation ($p: ID!) { feedback(productId: $p, kind: LIKE) { recorded } }`;
    expect(code(await gql(m, { p: ZERO_UUID }, heavyUser.token))).toBe('NOT_FOUND');
    expect(code(await gql(m, { p: 'nope' }, heavyUser.token))).toBe('BAD_USER_INPUT');
    expect(code(await gql(m, { p: productIds[1] }))).toBe('UNAUTHENTICATED');
  });
});

describe('similar, popular and onboarding', () => {
  it('similarProducts: the model first, never the product itself', async () => {
    const res = await gql<{ similarProducts: Rec[] }>(
      `query ($p: ID!) { similarProducts(productId: $p, first: 8) { ${REC_FIELDS} } }`,
      { p: productIds[3] },
    );
    expect(res.errors).toBeUndefined();
    const list = res.data!.similarProducts;
    expect(list).toHaveLength(8);
    expect(list.map((r) => r.product.id)).not.toContain(productIds[3]);
    expect(list[0]!.source).toBe('CF');
    expect(list[0]!.reason).toMatch(/^Similar to /);
    expect(code(await gql(`{ similarProducts(productId: "${ZERO_UUID}") { score } }`))).toBe('NOT_FOUND');
  });

  it('popularProducts per window and category subtree', async () => {
    for (const window of ['DAY', 'WEEK', 'MONTH', 'ALL']) {
      const res = await gql<{ popularProducts: unknown[] }>(`{ popularProducts(window: ${window}, first: 5) { id } }`);
      expect(res.errors).toBeUndefined();
    }
    const res = await gql<{ popularProducts: { category: { path: string } }[] }>(
      `query ($c: ID) { popularProducts(window: ALL, first: 10, categoryId: $c) { category { path } } }`,
      { c: topCategory.id },
    );
    expect(res.data!.popularProducts.length).toBeGreaterThan(0);
    for (const p of res.data!.popularProducts) expect(p.category.path.startsWith(topCategory.path)).toBe(true);
  });

  it('recommendationsForPreferences folds in liked products and leaves them out', async () => {
    const liked = productIds.slice(10, 13);
    const res = await gql<{ recommendationsForPreferences: Rec[] }>(
      `query ($c: [ID!], $l: [ID!]) { recommendationsForPreferences(categoryIds: $c, likedProductIds: $l, first: 10) { ${REC_FIELDS} } }`,
      { c: [topCategory.id], l: liked },
    );
    expect(res.errors).toBeUndefined();
    const list = res.data!.recommendationsForPreferences;
    expect(list).toHaveLength(10);
    expect(list.every((r) => r.source === 'PREFERENCE')).toBe(true);
    expect(list.some((r) => r.modelVersionId === firstModelId && /you liked$/.test(r.reason))).toBe(true);
    for (const id of liked) expect(list.map((r) => r.product.id)).not.toContain(id);
    const unknown = await gql(`{ recommendationsForPreferences(likedProductIds: ["${ZERO_UUID}"]) { score } }`);
    expect(code(unknown)).toBe('NOT_FOUND');
  });
});

describe('arguments are validated', () => {
  it.each([
    ['first: 0', 'BAD_USER_INPUT'],
    ['first: 101', 'BAD_USER_INPUT'],
    ['alpha: 1.5', 'BAD_USER_INPUT'],
    ['alpha: -0.1', 'BAD_USER_INPUT'],
    ['diversity: 2', 'BAD_USER_INPUT'],
    ['userId: "x"', 'BAD_USER_INPUT'],
    ['categoryId: "electronics"', 'BAD_USER_INPUT'],
    [`categoryId: "${ZERO_UUID}"`, 'NOT_FOUND'],
  ])('recommendations(%s) → %s', async (args, expected) => {
    expect(code(await gql(`{ recommendations(${args}) { score } }`, undefined, admin))).toBe(expected);
  });
});

describe('model versions and hot reload', () => {
  it('modelVersions and activeModel need an admin or a reading partner', async () => {
    const q = `{ activeModel { version { id status } users items factors } modelVersions(first: 5) { id status metrics { name value } } }`;
    const res = await gql<{
      activeModel: { version: { id: string }; factors: number };
      modelVersions: { id: string }[];
    }>(q, undefined, admin);
    expect(res.errors).toBeUndefined();
    expect(res.data!.activeModel).toMatchObject({ version: { id: firstModelId, status: 'ACTIVE' }, factors: 16 });
    expect(res.data!.modelVersions.map((v) => v.id)).toContain(firstModelId);
    expect(code(await gql(q, undefined, heavyUser.token))).toBe('FORBIDDEN');
    expect(code(await gql(q))).toBe('UNAUTHENTICATED');
    const reader = await signDevToken(DEV_JWT_SECRET, { sub: 'p-2', role: 'partner', scopes: ['read'], users: [] });
    expect((await gql(q, undefined, reader)).errors).toBeUndefined();
  });

  it('promoteModel serves the new version at once; requests during the swap all succeed; rollback returns', async () => {
    const candidate = await runTraining(db, {
      algorithm: 'als',
      params: { factors: 8, iterations: 4, seed: 7 },
      modelDir,
      margin: 0,
      threads: 1,
      autoPromote: false,
    });
    const newId = candidate.version.id;
    const query = `{ recommendations(first: 5, strategy: PERSONALIZED) { modelVersionId product { id } } }`;
    const during = Array.from({ length: 40 }, (_, i) =>
      new Promise((r) => setTimeout(r, i * 5)).then(() =>
        gql<{ recommendations: { modelVersionId: string }[] }>(query, undefined, heavyUser.token),
      ),
    );
    const promoted = await gql<{ promoteModel: { id: string; status: string } }>(
      `mutation ($id: ID!) { promoteModel(id: $id) { id status } }`,
      { id: newId },
      admin,
    );
    expect(promoted.errors).toBeUndefined();
    expect(promoted.data!.promoteModel).toEqual({ id: newId, status: 'ACTIVE' });
    const results = await Promise.all(during);
    for (const r of results) {
      expect(r.status).toBe(200);
      expect(r.errors).toBeUndefined();
      expect(r.data!.recommendations).toHaveLength(5);
      expect([firstModelId, newId]).toContain(r.data!.recommendations[0]!.modelVersionId);
    }
    const active = await gql<{ activeModel: { version: { id: string }; factors: number } }>(
      `{ activeModel { version { id } factors } }`,
      undefined,
      admin,
    );
    expect(active.data!.activeModel).toEqual({ version: { id: newId }, factors: 8 });
    const after = await gql<{ recommendations: { modelVersionId: string }[] }>(query, undefined, heavyUser.token);
    expect(after.data!.recommendations.every((r) => r.modelVersionId === newId)).toBe(true);

    const back = await gql<{ rollbackModel: { id: string } }>(`mutation { rollbackModel { id } }`, undefined, admin);
    expect(back.data!.rollbackModel.id).toBe(firstModelId);
    const again = await gql<{ recommendations: { modelVersionId: string }[] }>(query, undefined, heavyUser.token);
    expect(again.data!.recommendations.every((r) => r.modelVersionId === firstModelId)).toBe(true);
  }, 120_000);

  it('a model event on the bus reloads a promotion made elsewhere', async () => {
    const elsewhere = await runTraining(db, {
      algorithm: 'als',
      params: { factors: 4, iterations: 3, seed: 11 },
      modelDir,
      margin: 0,
      threads: 1,
      autoPromote: false,
    });
    await promote(db, elsewhere.version.id);
    await stack.bus.publish(STREAMING_TOPIC.modelEvents, [
      modelEvents.toMessage({
        schema: SCHEMA_IDS.modelEvent,
        kind: 'promoted',
        modelVersionId: elsewhere.version.id,
        at: new Date().toISOString(),
      }),
    ]);
    const deadline = Date.now() + 10_000;
    let served: string | undefined;
    while (Date.now() < deadline) {
      const res = await gql<{ activeModel: { version: { id: string } } | null }>(
        `{ activeModel { version { id } } }`,
        undefined,
        admin,
      );
      served = res.data?.activeModel?.version.id;
      if (served === elsewhere.version.id) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(served).toBe(elsewhere.version.id);
    expect((await getActiveModelVersion(db))!.id).toBe(elsewhere.version.id);
  }, 120_000);

  it('registry refusals: unknown version NOT_FOUND, malformed BAD_USER_INPUT, customers FORBIDDEN', async () => {
    const m = `mutation ($id: ID!) { promoteModel(id: $id) { id } }`;
    expect(code(await gql(m, { id: ZERO_UUID }, admin))).toBe('NOT_FOUND');
    expect(code(await gql(m, { id: 'v1' }, admin))).toBe('BAD_USER_INPUT');
    expect(code(await gql(m, { id: firstModelId }, heavyUser.token))).toBe('FORBIDDEN');
    expect(code(await gql(`mutation { rollbackModel { id } }`, undefined, heavyUser.token))).toBe('FORBIDDEN');
  });
});
