import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '@recgraph/db';
import {
  chooseTextEncoder,
  DEFAULT_TEXT_ENCODER_DIR,
  EncoderIntegrityError,
  generateProductEmbeddings,
  loadSentenceEncoder,
  type SentenceEncoder,
} from '../src/index.ts';

/**
 * The real pretrained encoder (all-MiniLM-L6-v2, quantized) that scripts/models/fetch-minilm.sh
 * puts in .models/ (npm test's infra step runs it). Locally it skips when the model was never
 * fetched; under CI a missing model is a failure, never a silent skip.
 */
const dir = process.env.TEST_TEXT_ENCODER_DIR ?? DEFAULT_TEXT_ENCODER_DIR;
const present = existsSync(join(dir, 'model.onnx')) && existsSync(join(dir, 'tokenizer.json'));

describe('the real text encoder is provided under CI', () => {
  it.runIf(!!process.env.CI)('has the fetched model directory', () => {
    expect(
      present,
      `${dir} has no model.onnx/tokenizer.json: scripts/models/fetch-minilm.sh (run by npm run infra:up) did not provide it`,
    ).toBe(true);
  });
});

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);

describe.skipIf(!present)('pretrained sentence encoder (all-MiniLM-L6-v2, quantized ONNX)', () => {
  let enc: SentenceEncoder;
  beforeAll(async () => {
    enc = await loadSentenceEncoder(dir);
  });
  afterAll(async () => {
    await enc?.release();
  });

  it('loads with its real tokenizer and records name@version+passage format', () => {
    expect(enc.dims).toBe(384);
    expect(enc.model).toBe('all-minilm-l6-v2-q@langchain4j-1.11.0-beta19+passage2');
    // With no TEXT_ENCODER_DIR the fetched model is the one chosen.
    if (dir === DEFAULT_TEXT_ENCODER_DIR) expect(chooseTextEncoder().dir).toBe(dir);
  });

  it('puts shopper wording near catalogue wording, with unit-length vectors, the same alone or padded in a batch', async () => {
    const texts = [
      'sneakers',
      'Nike Men White Running Shoes',
      'Titan Women Gold Analog Watch',
      'shades',
      'Ray-Ban Unisex Aviator Sunglasses',
    ];
    const [sneakers, shoes, watch, shades, sunglasses] = await enc.encode(texts);
    expect(dot(sneakers!, shoes!)).toBeGreaterThan(dot(sneakers!, watch!) + 0.2);
    expect(dot(shades!, sunglasses!)).toBeGreaterThan(dot(shades!, watch!) + 0.15);
    for (const v of [sneakers!, shoes!]) expect(Math.sqrt(dot(v, v))).toBeCloseTo(1, 5);
    // Padding is masked out of the pooling; the quantized model's dynamic activation scales
    // (per batch) still move the vector slightly, so compare by cosine.
    const alone = await enc.encode(['sneakers']);
    expect(dot(alone[0]!, sneakers!)).toBeGreaterThan(0.98);
  });

  it('truncates long passages to the model limit instead of failing', async () => {
    const [v] = await enc.encode(['cotton '.repeat(1000)]);
    expect(v).toHaveLength(384);
  });

  it('refuses a model directory whose files do not match encoder.json checksums', async () => {
    const bad = mkdtempSync(join(tmpdir(), 'recgraph-encoder-'));
    try {
      copyFileSync(join(dir, 'tokenizer.json'), join(bad, 'tokenizer.json'));
      copyFileSync(join(dir, 'model.onnx'), join(bad, 'model.onnx'));
      writeFileSync(join(bad, 'encoder.json'), JSON.stringify({ name: 'x', sha256: { 'model.onnx': '0'.repeat(64) } }));
      await expect(loadSentenceEncoder(bad)).rejects.toBeInstanceOf(EncoderIntegrityError);
      expect(() => chooseTextEncoder(join(bad, 'missing'))).toThrow(/TEXT_ENCODER_DIR: .* is not a directory/);
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });

  describe('batch job', () => {
    let db: Database;
    beforeAll(async () => {
      db = await openDatabase({});
    });
    afterAll(async () => {
      await db?.close();
    });

    it('writes 384-dim TEXT rows recording the encoder, nearest by meaning through the HNSW index', async () => {
      const titles = ['Nike Men White Running Shoes', 'Ray-Ban Unisex Aviator Sunglasses', 'Titan Women Gold Watch'];
      for (const [i, title] of titles.entries())
        await db.prisma.product.create({ data: { sku: `S-${i}`, title, priceCents: 1000 } });
      const report = await generateProductEmbeddings(db, { textEncoderDir: dir });
      expect(report.text).toEqual({ model: enc.model, written: 3, unchanged: 0 });
      const { rows } = await db.pool.query<{ model: string; dims: number }>(
        `SELECT DISTINCT model, dims FROM product_embeddings WHERE kind = 'TEXT'`,
      );
      expect(rows).toEqual([{ model: enc.model, dims: 384 }]);
      const q = `[${Array.from(await enc.encodeQuery('shades')).join(',')}]`;
      const { rows: near } = await db.pool.query<{ title: string }>(
        `SELECT p.title FROM product_embeddings e JOIN products p ON p.id = e.product_id
         WHERE e.kind = 'TEXT' AND e.dims = 384 ORDER BY e.embedding::vector(384) <=> $1::vector(384) LIMIT 1`,
        [q],
      );
      expect(near[0]!.title).toBe('Ray-Ban Unisex Aviator Sunglasses');
    });
  });
});
