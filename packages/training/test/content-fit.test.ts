// The trainer fits the cold-item content mapping from the catalog (embedded PGlite and real Postgres).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { upsertProductEmbeddings, type Database } from '@recgraph/db';
import { generateStore, seedStore } from '@recgraph/data';
import type { AlsModel } from '@recgraph/recsys';
import { dot } from '@recgraph/recsys';
import { loadProductContent, loadTextEmbeddings } from '../src/content-fit.ts';
import { loadActiveModel, loadModelVersion } from '../src/registry.ts';
import { runTraining } from '../src/run-training.ts';
import { forEachBackend } from './fixtures.ts';

await forEachBackend('training fits the content mapping', (open) => {
  let db: Database;
  let modelDir: string;
  beforeAll(async () => {
    db = await open();
    await seedStore(db, generateStore({ seed: 3, products: 150, users: 150 }));
    modelDir = mkdtempSync(join(tmpdir(), 'recgraph-content-fit-'));
  }, 120_000);
  afterAll(async () => {
    await db?.close();
    rmSync(modelDir, { recursive: true, force: true });
  });

  it('an ALS version carries a content mapping that places a product near its own factors', async () => {
    const run = await runTraining(db, { algorithm: 'als', modelDir, margin: 0.01, threads: 1 });
    expect(run.version.status).toBe('ACTIVE');
    const loaded = await loadActiveModel(db);
    const mapping = loaded!.contentMapping!;
    const als = loaded!.model as AlsModel;
    expect(mapping.factors).toBe(als.factors);
    // From its content alone, a product's predicted factors are closer (cosine) to its own than to the average other's.
    const content = await loadProductContent(db, loaded!.items);
    const f = als.factors;
    const cos = (a: Float32Array, i: number) =>
      dot(a, 0, als.itemFactors, i * f, f) /
      Math.sqrt(dot(a, 0, a, 0, f) * dot(als.itemFactors, i * f, als.itemFactors, i * f, f) || 1);
    let own = 0;
    let other = 0;
    for (let i = 0; i < als.nItems; i++) {
      const y = mapping.predictContent(content[i]!);
      own += cos(y, i);
      other += cos(y, (i + 37) % als.nItems);
    }
    expect(own / als.nItems).toBeGreaterThan(other / als.nItems + 0.1);
  }, 120_000);

  it("with the serving TEXT encoder's vectors in the catalog, the mapping reads them as content too", async () => {
    const first = (await loadActiveModel(db))!;
    const als = first.model as AlsModel;
    const f = als.factors;
    // A "text encoder" whose vector of a product is (the direction of) its own factors: what the mapping
    // learns from it must show in the prediction of a product from its content and vector.
    const model = 'taste-encoder@1';
    const vector = (i: number) => {
      const y = als.itemFactors.subarray(i * f, (i + 1) * f);
      const n = Math.sqrt(dot(y, 0, y, 0, f)) || 1;
      return Float32Array.from(y, (v) => v / n);
    };
    // Half the catalog is not enough (an encoder still backfilling): the mapping leaves the embedding out.
    const ids = first.items.toArray();
    await db.prisma.embeddingEncoder.create({ data: { kind: 'TEXT', model, dims: f, status: 'ACTIVE' } });
    const rows = (n: number) =>
      ids.slice(0, n).map((id, i) => ({ productId: id, kind: 'TEXT' as const, model, vector: vector(i) }));
    await upsertProductEmbeddings(db.prisma, rows(Math.floor(ids.length * 0.4)));
    expect(await loadTextEmbeddings(db, first.items)).toBeUndefined();
    await upsertProductEmbeddings(db.prisma, rows(ids.length));
    expect((await loadTextEmbeddings(db, first.items))!.vectors.every((v) => v?.length === f)).toBe(true);

    // The same data and seed: the retrained model's factors are the ones the vectors were made from.
    const again = await runTraining(db, { algorithm: 'als', modelDir, margin: 0.01, autoPromote: false, threads: 1 });
    const loaded = await loadModelVersion(db, again.version.id);
    const mapping = loaded.contentMapping!;
    expect(mapping.embedding).toEqual({ model, dims: f, weight: 1 });
    const content = await loadProductContent(db, loaded.items);
    const own = (withVector: boolean) => {
      let s = 0;
      for (let i = 0; i < als.nItems; i++) {
        const j = first.items.index(loaded.items.id(i))!;
        const y = mapping.predictContent(content[i]!, withVector ? vector(j) : undefined);
        s += dot(y, 0, vector(j), 0, f) / (Math.sqrt(dot(y, 0, y, 0, f)) || 1);
      }
      return s / als.nItems;
    };
    expect(own(true)).toBeGreaterThan(own(false) + 0.1);
  }, 180_000);

  it('a model without item factors carries none', async () => {
    await runTraining(db, { algorithm: 'popularity', modelDir, margin: 0.01, autoPromote: false, threads: 1 });
    const versions = await db.prisma.modelVersion.findMany({ orderBy: { createdAt: 'desc' }, take: 1 });
    expect((await loadModelVersion(db, versions[0]!.id)).contentMapping).toBeUndefined();
  }, 120_000);
});
