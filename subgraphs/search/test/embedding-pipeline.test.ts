import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDevToken } from '@recgraph/auth';
import { DEV_JWT_SECRET } from '@recgraph/config';
import { backfillTextEncoder, DEFAULT_TEXT_ENCODER_DIR, openTextEncoder } from '@recgraph/embeddings';
import { startTestStack, type TestStack } from '../../../gateway/test/support/testStack.ts';
import { createTestDatabase, realPostgresUrl } from '../../../packages/db/test/real-postgres.ts';
import { SERVING_ENCODER_TTL_MS } from '../src/semantic.ts';
import { createEmbeddingPipeline, type EmbeddingPipeline } from '../../../streaming/src/index.ts';

/**
 * The embedding pipeline through the real gateway, on embedded PGlite and the real
 * Postgres server: the trainer role's pipeline follows the stack's catalog-changes, so an
 * admin's title edit is found by its new wording semantically within seconds; and an
 * encoder switch (built-in hashed → all-MiniLM-L6-v2) re-embeds in the background while
 * search keeps answering with the old encoder, then switches. Needs the fetched model
 * (npm run infra:up fetches it): under CI its absence fails, locally the suite skips.
 */
const present = existsSync(join(DEFAULT_TEXT_ENCODER_DIR, 'model.onnx'));
const pgUrl = await realPostgresUrl();
const backends = [
  { name: 'embedded PGlite', databaseUrl: async (): Promise<string | undefined> => undefined },
  ...(pgUrl ? [{ name: 'real Postgres', databaseUrl: () => createTestDatabase(pgUrl) }] : []),
];

describe('the pretrained encoder the pipeline tests need', () => {
  it.runIf(!!process.env.CI)('is fetched', () => expect(present, `${DEFAULT_TEXT_ENCODER_DIR}/model.onnx`).toBe(true));
});

type Search = { search: { encoder: string | null; hits: { product: { sku: string } }[] } };
const SEARCH = `query ($q: String!, $mode: SearchMode) {
  search(query: $q, mode: $mode, first: 5) { encoder hits { product { sku } } }
}`;

describe.skipIf(!present).each(backends)('embedding pipeline through the gateway on $name', (backend) => {
  let t: TestStack;
  let pipeline: EmbeddingPipeline | undefined;
  let admin: string;
  const search = async (q: string, mode = 'SEMANTIC') => {
    const res = await t.gql<Search>(SEARCH, { q, mode });
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    return res.data!.search;
  };
  const textRows = async () =>
    (
      await t.db.pool.query<{ model: string; n: number }>(
        `SELECT model, count(*)::int AS n FROM product_embeddings WHERE kind = 'TEXT' GROUP BY model ORDER BY model`,
      )
    ).rows;

  beforeAll(async () => {
    const databaseUrl = await backend.databaseUrl();
    t = await startTestStack(databaseUrl ? { databaseUrl } : {});
    admin = await signDevToken(DEV_JWT_SECRET, { sub: t.fixture.users.admin.id, role: 'admin' });
  }, 60_000);

  afterAll(async () => {
    await pipeline?.stop();
    await t?.stop();
  });

  it('switches encoders in the background: search answers with the old one throughout, then the new one', async () => {
    // The built-in hashed encoder serves first.
    const builtIn = await openTextEncoder({ dir: undefined, reason: 'test' });
    const first = await backfillTextEncoder(t.db, builtIn, { batchSize: 64 });
    await builtIn.release();
    expect(first).toMatchObject({ model: 'recgraph-text-hash-v1', active: true });
    expect((await search('headphones')).encoder).toBe('recgraph-text-hash-v1');

    // The trainer role starts configured with all-MiniLM-L6-v2: small batches, so the backfill takes a while.
    pipeline = createEmbeddingPipeline({
      db: t.db,
      bus: t.stack.bus,
      textEncoderDir: DEFAULT_TEXT_ENCODER_DIR,
      provider: 'cpu',
      batchSize: 8,
      sweepIntervalMs: 300,
      retiredGraceMs: 0,
      groupId: `embedding-pipeline-test-${Date.now()}`,
    });
    await pipeline.start();
    const seen: string[] = [];
    let done = false;
    const backfilled = pipeline.backfilled().finally(() => (done = true));
    // Queries during the backfill and just past the subgraph's 2 s re-read of the serving encoder.
    let doneAt = Infinity;
    while (Date.now() - doneAt < SERVING_ENCODER_TTL_MS + 300) {
      const s = await search('studio headphones', 'HYBRID');
      expect(s.hits[0]?.product.sku).toBe('HP-1');
      if (seen.at(-1) !== s.encoder) seen.push(s.encoder!);
      if (done && doneAt === Infinity) doneAt = Date.now();
      await new Promise((r) => setTimeout(r, 50));
    }
    const report = await backfilled;
    expect(report).toMatchObject({ active: true, aborted: false });
    expect(report!.model).toMatch(/^all-minilm-l6-v2-q@/);
    // Old, then new: never back, never without an encoder.
    expect(seen).toEqual(['recgraph-text-hash-v1', report!.model]);
    const encoders = await t.db.prisma.embeddingEncoder.findMany({ orderBy: { model: 'asc' } });
    expect(encoders.map((e) => [e.model, e.status])).toEqual([
      [report!.model, 'ACTIVE'],
      ['recgraph-text-hash-v1', 'RETIRED'],
    ]);
    // The sweep deletes the retired encoder's vectors once the grace period has passed.
    const products = await t.db.prisma.product.count();
    await expect.poll(textRows, { timeout: 5000 }).toEqual([{ model: report!.model, n: products }]);
  }, 60_000);

  it("re-embeds an admin's title edit within seconds: search finds it by the new wording", async () => {
    const mug = t.fixture.products.mug;
    const query = 'cozy knitted winter beanie';
    expect((await search(query)).hits[0]?.product.sku).not.toBe('MUG-1');
    const edited = await t.gql(
      `mutation ($id: ID!, $i: UpdateProductInput!) { updateProduct(id: $id, input: $i) { title } }`,
      { id: mug.id, i: { title: 'Warm wool knit beanie hat', description: 'A soft hat for cold days' } },
      { token: admin },
    );
    expect(edited.errors).toBeUndefined();
    const t0 = Date.now();
    await expect
      .poll(async () => (await search(query)).hits[0]?.product.sku, { timeout: 5000, interval: 100 })
      .toBe('MUG-1');
    expect(Date.now() - t0).toBeLessThan(5000);
    // A change that leaves the text alone (stock) costs no inference: the stored input hash matches.
    const before = await t.db.pool.query<{ updated_at: Date }>(
      `SELECT updated_at FROM product_embeddings WHERE product_id = $1 AND kind = 'TEXT'`,
      [mug.id],
    );
    await pipeline!.embed([mug.id]);
    await t.db.prisma.product.update({ where: { id: mug.id }, data: { stock: 7 } });
    await pipeline!.embed([mug.id]);
    const afterStock = await t.db.pool.query<{ updated_at: Date }>(
      `SELECT updated_at FROM product_embeddings WHERE product_id = $1 AND kind = 'TEXT'`,
      [mug.id],
    );
    expect(afterStock.rows[0]!.updated_at).toEqual(before.rows[0]!.updated_at);
  }, 30_000);
});
