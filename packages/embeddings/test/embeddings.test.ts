import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateStore, renderProductImage, seedStore } from '@recgraph/data';
import { nearestProducts, openDatabase, upsertProductEmbeddings, type Database } from '@recgraph/db';
import {
  EncoderIntegrityError,
  generateProductEmbeddings,
  imageFeatures,
  loadEncoder,
  readEncoderManifest,
  selectExecutionProvider,
  SHIPPED_MODELS_DIR,
  textFeatures,
  type EncoderSpec,
} from '../src/index.ts';

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);

let specs: EncoderSpec[];
const spec = (kind: 'TEXT' | 'IMAGE') => specs.find((s) => s.kind === kind)!;
const store = generateStore({ seed: 42, products: 400 });

beforeAll(async () => {
  specs = await readEncoderManifest();
});

describe('shipped encoders', () => {
  it('are small, checksum-verified and rebuild byte-identically from the committed script', async () => {
    const out = await mkdtemp(join(tmpdir(), 'rg-models-'));
    try {
      await promisify(execFile)(process.execPath, [
        '--import',
        'tsx',
        join(SHIPPED_MODELS_DIR, '..', 'scripts', 'build-models.ts'),
        out,
      ]);
      const rebuilt = await readEncoderManifest(out);
      expect(rebuilt.map((s) => s.sha256)).toEqual(specs.map((s) => s.sha256));
      for (const s of specs) expect((await readFile(s.path)).length).toBeLessThan(2 * 1024 * 1024);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }, 60_000);

  it('refuses a model whose bytes do not match the manifest', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rg-models-'));
    try {
      const s = spec('IMAGE');
      await copyFile(s.path, join(dir, s.file));
      const bytes = await readFile(join(dir, s.file));
      bytes[bytes.length - 10]! ^= 0xff;
      await writeFile(join(dir, s.file), bytes);
      await expect(loadEncoder({ ...s, path: join(dir, s.file) })).rejects.toBeInstanceOf(EncoderIntegrityError);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('text: products sharing title words are nearer than unrelated ones; output is unit-length and deterministic', async () => {
    const enc = await loadEncoder(spec('TEXT'));
    const rows = [
      { title: 'Trailhead waterproof hiking boot', description: 'Leather boot for mountain trails' },
      { title: 'Trailhead waterproof hiking boots', description: 'A boot for hiking trails' },
      { title: 'Stainless steel espresso machine', description: 'Makes coffee at home' },
    ].map((p) => textFeatures(p));
    const [a, b, c] = await enc.encode(rows);
    const again = await enc.encode(rows);
    await enc.release();
    expect(dot(a!, b!)).toBeGreaterThan(dot(a!, c!) + 0.3);
    expect(dot(a!, a!)).toBeCloseTo(1, 5);
    expect(again[0]).toEqual(a);
  });

  it('image: generated products of the same colour and pattern are nearer than others', async () => {
    const enc = await loadEncoder(spec('IMAGE'));
    const ps = store.products.slice(0, 120);
    const vs = await enc.encode(
      await Promise.all(ps.map(async (p) => imageFeatures(await renderProductImage(p, 128)))),
    );
    await enc.release();
    let same = 0;
    let sameN = 0;
    let other = 0;
    let otherN = 0;
    let nearestSameColour = 0;
    for (let i = 0; i < ps.length; i++) {
      let best = -Infinity;
      let bestJ = -1;
      for (let j = 0; j < ps.length; j++) {
        if (i === j) continue;
        const s = dot(vs[i]!, vs[j]!);
        if (s > best) [best, bestJ] = [s, j];
        const alike =
          ps[i]!.attributes.colour === ps[j]!.attributes.colour &&
          ps[i]!.attributes.pattern === ps[j]!.attributes.pattern;
        if (alike) [same, sameN] = [same + s, sameN + 1];
        else [other, otherN] = [other + s, otherN + 1];
      }
      if (ps[bestJ]!.attributes.colour === ps[i]!.attributes.colour) nearestSameColour++;
    }
    expect(same / sameN).toBeGreaterThan(other / otherN + 0.2);
    // Dozens of colours: chance would put the nearest neighbour's colour right a few percent of the time.
    expect(nearestSameColour / ps.length).toBeGreaterThan(0.5);
  });
});

describe('execution provider', () => {
  it('auto resolves to cpu on a machine without CUDA or a WebGPU adapter, saying why', async () => {
    const choice = await selectExecutionProvider('auto', {
      path: spec('TEXT').path,
      inputDims: spec('TEXT').input.dims,
    });
    expect(choice.provider).toBe('cpu');
    expect(choice.rejected.map((r) => r.provider)).toEqual(['cuda', 'webgpu']);
    expect(choice.reason).toMatch(/falling back to cpu \(auto requested\)/);
  });

  it('cpu is used as asked, and an unknown preference is refused', async () => {
    const probe = { path: spec('TEXT').path, inputDims: spec('TEXT').input.dims };
    expect((await selectExecutionProvider('cpu', probe)).provider).toBe('cpu');
    await expect(selectExecutionProvider('tpu' as never, probe)).rejects.toThrow(/must be one of/);
  });
});

describe('batch embedding job (embedded PGlite)', () => {
  let db: Database;
  let imagesDir: string;

  beforeAll(async () => {
    db = await openDatabase({});
    imagesDir = await mkdtemp(join(tmpdir(), 'rg-images-'));
    await seedStore(db, generateStore({ seed: 42, products: 400, users: 20 }), { imagesDir });
  }, 120_000);

  afterAll(async () => {
    await db?.close();
    if (imagesDir) await rm(imagesDir, { recursive: true, force: true });
  });

  it('writes TEXT, IMAGE and padded COLLABORATIVE embeddings that nearestProducts finds', async () => {
    const { rows: products } = await db.pool.query<{ id: string; sku: string; title: string }>(
      'SELECT id, sku, title FROM products ORDER BY sku',
    );
    const logs: string[] = [];
    const progress: string[] = [];
    const factors = {
      name: 'als:test',
      dim: 8,
      productIds: products.slice(0, 10).map((p) => p.id),
      vectors: new Float32Array(80).map((_, i) => (i % 9) / 10),
    };
    const report = await generateProductEmbeddings(db, {
      imagesDir,
      provider: 'auto',
      itemFactors: factors,
      batchSize: 128,
      log: (_f, m) => logs.push(m),
      onProgress: (stage, done, total) => progress.push(`${stage}:${done}/${total}`),
    });
    expect(report.provider.provider).toBe('cpu');
    expect(logs).toContain('embedding execution provider chosen');
    expect(report.text.written).toBe(products.length);
    expect(report.image).toMatchObject({ written: products.length, missing: 0, unreadable: 0 });
    expect(report.collaborative).toMatchObject({ written: 10, note: '8 factors zero-padded to 64' });
    expect(progress).toContain(`text:${products.length}/${products.length}`);

    const { rows } = await db.pool.query<{ kind: string; dims: number; n: string }>(
      'SELECT kind, dims, count(*) AS n FROM product_embeddings GROUP BY kind, dims ORDER BY kind',
    );
    expect(rows.map((r) => [r.kind, r.dims, Number(r.n)])).toEqual([
      ['TEXT', 64, products.length],
      ['IMAGE', 64, products.length],
      ['COLLABORATIVE', 64, 10],
    ]);

    // A product's own stored vector finds itself first, by both text and image.
    const probe = products[7]!;
    for (const kind of ['TEXT', 'IMAGE'] as const) {
      const { rows: v } = await db.pool.query<{ e: string }>(
        'SELECT embedding::text AS e FROM product_embeddings WHERE product_id = $1 AND kind = $2',
        [probe.id, kind],
      );
      const query = Float32Array.from(v[0]!.e.slice(1, -1).split(','), Number);
      const near = await nearestProducts(db.prisma, query, { kind, k: 10, activeOnly: false });
      // First, or tied first: generated products that look alike can render
      // byte-identical images, and so share an identical vector.
      expect(near[0]!.score).toBeCloseTo(1, 4);
      const tiedFirst = near.filter((n) => n.score > near[0]!.score - 1e-6).map((n) => n.productId);
      expect(tiedFirst).toContain(probe.id);
    }
    // A free-text query encoded with the same encoder finds a product with those title words.
    const enc = await loadEncoder(spec('TEXT'));
    const [q] = await enc.encode([textFeatures({ title: probe.title })]);
    await enc.release();
    const hits = await nearestProducts(db.prisma, q!, { kind: 'TEXT', k: 3, activeOnly: false });
    expect(hits.map((h) => h.productId)).toContain(probe.id);
  }, 120_000);

  it('skips COLLABORATIVE embeddings for models with more than 64 factors, saying why', async () => {
    const report = await generateProductEmbeddings(db, {
      provider: 'cpu',
      itemFactors: { name: 'als:wide', dim: 128, productIds: [], vectors: new Float32Array(0) },
    });
    expect(report.collaborative).toEqual({ skipped: expect.stringMatching(/128 factors/) });
    expect(report.image).toEqual({ skipped: 'no images directory configured' });
  });

  it('stops between batches when aborted', async () => {
    // Every product was embedded above: an unchanged product is not encoded again, so start from none.
    await db.pool.query(`DELETE FROM product_embeddings WHERE kind = 'TEXT'`);
    const controller = new AbortController();
    const report = await generateProductEmbeddings(db, {
      provider: 'cpu',
      batchSize: 50,
      signal: controller.signal,
      onProgress: (_s, done) => done >= 100 && controller.abort(),
    });
    expect(report.aborted).toBe(true);
    expect(report.text.written).toBe(100);
  });

  it('encodes again only products whose text changed, and never overwrites a fresher vector', async () => {
    await generateProductEmbeddings(db, { provider: 'cpu' });
    const again = await generateProductEmbeddings(db, { provider: 'cpu' });
    expect(again.text).toMatchObject({ written: 0, unchanged: 0 });
    const { rows } = await db.pool.query<{ id: string }>('SELECT id FROM products ORDER BY id LIMIT 2');
    await db.pool.query(`UPDATE products SET title = title || ' edited' WHERE id = $1`, [rows[0]!.id]);
    await db.pool.query(`UPDATE products SET stock = stock + 1 WHERE id = $1`, [rows[1]!.id]);
    const edited = await generateProductEmbeddings(db, { provider: 'cpu' });
    expect(edited.text).toMatchObject({ written: 1, unchanged: 1 });
    // A vector computed from an older version of the product is refused.
    const stale = await upsertProductEmbeddings(db.prisma, [
      {
        productId: rows[0]!.id,
        kind: 'TEXT',
        model: edited.text.model,
        vector: new Float32Array(64).fill(0.125),
        productUpdatedAt: new Date(0),
      },
    ]);
    expect(stale).toBe(0);
  });
});
