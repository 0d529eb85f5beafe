import { basename, join } from 'node:path';
import { access } from 'node:fs/promises';
import { upsertProductEmbeddings, type Database } from '@recgraph/db';
import { collaborativeRows, type ItemFactors } from './collaborative.ts';
import { loadEncoder, type Encoder } from './encoder.ts';
import { selectExecutionProvider, type ProviderChoice, type ProviderPreference } from './execution-provider.ts';
import { IMAGE_FEATURISERS, TEXT_FEATURISERS } from './featurisers.ts';
import { readEncoderManifest, type EncoderSpec } from './manifest.ts';
import { backfillTextEncoder } from './pipeline.ts';
import type { ProductText } from './text-features.ts';
import { openTextEncoder, type TextEncoder } from './text-encoder.ts';

export type EmbeddingStage = 'text' | 'image' | 'collaborative';

export interface GenerateEmbeddingsOptions {
  /** Product images (<sku>.png or the file named by image_url); absent → no IMAGE embeddings. */
  imagesDir?: string;
  /** Execution provider preference (config: EMBEDDINGS_PROVIDER). */
  provider?: ProviderPreference;
  /** The active model's item factors; absent → no COLLABORATIVE embeddings. */
  itemFactors?: ItemFactors;
  /**
   * A pretrained sentence-encoder directory (model.onnx + tokenizer.json, see sentence-encoder.ts;
   * config TEXT_ENCODER_DIR through chooseTextEncoder): TEXT rows come from it, recorded as
   * "<name>@<version>". Absent → the manifest's built-in TEXT encoder.
   */
  textEncoderDir?: string;
  /** Directory with manifest.json and the encoders (default: the shipped models). */
  modelsDir?: string;
  /** Products per inference and per upsert statement. */
  batchSize?: number;
  /** Checked between batches: an aborted job stops after the batch in hand, every written row complete. */
  signal?: AbortSignal;
  onProgress?: (stage: EmbeddingStage, done: number, total: number) => void;
  log?: (fields: Record<string, unknown>, msg: string) => void;
}

export interface EmbeddingsReport {
  provider: ProviderChoice;
  /** written: vectors computed; unchanged: products whose text had not changed since their vector (not encoded again). */
  text: { model: string; written: number; unchanged: number };
  image: { model: string; written: number; missing: number; unreadable: number } | { skipped: string };
  collaborative: { model: string; written: number; note?: string } | { skipped: string };
  aborted: boolean;
  seconds: number;
}

interface ProductRow extends ProductText {
  id: string;
  sku: string;
  image_url: string | null;
}

async function* productPages(db: Database, size: number): AsyncGenerator<ProductRow[]> {
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    // Keyset pages by id: stable under concurrent inserts, and no OFFSET rescans.
    const { rows } = await db.pool.query<ProductRow>(
      `SELECT p.id, p.sku, p.title, p.description, p.brand, c.path AS category, p.attributes, p.image_url
       FROM products p LEFT JOIN categories c ON c.id = p.category_id
       WHERE p.id > $1 ORDER BY p.id LIMIT $2`,
      [after, size],
    );
    if (rows.length === 0) return;
    yield rows;
    after = rows[rows.length - 1]!.id;
  }
}

/** The image file for a product: image_url's file name when it names one, else <sku>.png; never outside imagesDir. */
function imagePath(dir: string, p: ProductRow): string {
  const fromUrl = p.image_url && !/^[a-z]+:\/\//i.test(p.image_url) ? basename(p.image_url) : undefined;
  return join(dir, fromUrl && /\.(png|jpe?g|webp|gif|avif|tiff?)$/i.test(fromUrl) ? fromUrl : `${basename(p.sku)}.png`);
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/**
 * The batch embedding job: TEXT for every product, IMAGE for every product with
 * an image file, COLLABORATIVE from the active model's item factors, all 64-dim
 * so pgvector's HNSW indexes serve nearestProducts. Rows are upserted per batch,
 * so a rerun refreshes them and an interrupted run leaves complete rows only.
 */
export async function generateProductEmbeddings(
  db: Database,
  o: GenerateEmbeddingsOptions = {},
): Promise<EmbeddingsReport> {
  const started = performance.now();
  const batchSize = o.batchSize ?? 256;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000)
    throw new RangeError(`batchSize must be an integer between 1 and 10000, got ${batchSize}`);
  const log = o.log ?? (() => undefined);
  const specs = await readEncoderManifest(o.modelsDir);
  const textSpec = specs.find((s) => s.kind === 'TEXT');
  const imageSpec = specs.find((s) => s.kind === 'IMAGE');
  if (!textSpec) throw new Error('the encoder manifest has no TEXT encoder');
  if (!TEXT_FEATURISERS[textSpec.featuriser]) throw new Error(`no text featuriser ${textSpec.featuriser}`);

  const provider = await selectExecutionProvider(o.provider ?? 'auto', {
    path: textSpec.path,
    inputDims: textSpec.input.dims,
  });
  log(
    { provider: provider.provider, reason: provider.reason, rejected: provider.rejected },
    'embedding execution provider chosen',
  );

  const { rows: countRows } = await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM products');
  const total = Number(countRows[0]!.n);
  const aborted = () => o.signal?.aborted === true;

  const encoders: (Encoder | TextEncoder)[] = [];
  const open = async (spec: EncoderSpec) => {
    const e = await loadEncoder(spec, { provider: provider.provider });
    encoders.push(e);
    return e;
  };
  try {
    const text: TextEncoder = o.textEncoderDir
      ? await openTextEncoder({ dir: o.textEncoderDir, reason: 'textEncoderDir' }, { provider: provider.provider })
      : await openTextEncoder(
          { dir: undefined, reason: 'built-in' },
          {
            provider: provider.provider,
            ...(o.modelsDir ? { modelsDir: o.modelsDir } : {}),
          },
        );
    encoders.push(text);
    log(
      { model: text.model, dims: text.dims, pretrained: text.pretrained, source: text.source },
      text.pretrained
        ? 'TEXT embeddings from a pretrained encoder'
        : 'TEXT embeddings from the built-in hashed encoder',
    );
    const imageEncoder = o.imagesDir && imageSpec ? await open(imageSpec) : undefined;
    const imageFeaturiser = imageSpec ? IMAGE_FEATURISERS[imageSpec.featuriser] : undefined;
    if (imageSpec && !imageFeaturiser) throw new Error(`no image featuriser ${imageSpec.featuriser}`);

    // TEXT through the embedding pipeline's writer: products whose input did not change since
    // their vector was computed are not encoded again, and the encoder becomes the serving one.
    const backfill = await backfillTextEncoder(db, text, {
      batchSize,
      ...(o.signal ? { signal: o.signal } : {}),
      onProgress: (done, n) => o.onProgress?.('text', done, n),
    });
    const textReport = { model: text.model, written: backfill.written, unchanged: backfill.unchanged };
    const imageReport = { model: imageSpec?.name ?? '', written: 0, missing: 0, unreadable: 0 };
    let done = 0;
    for await (const page of imageEncoder && imageFeaturiser && o.imagesDir ? productPages(db, batchSize) : []) {
      if (aborted()) break;
      if (imageEncoder && imageFeaturiser && o.imagesDir) {
        const dir = o.imagesDir;
        const features = await Promise.all(
          page.map(async (p) => {
            const path = imagePath(dir, p);
            if (!(await exists(path))) {
              imageReport.missing++;
              return undefined;
            }
            try {
              return { p, f: await imageFeaturiser(path) };
            } catch (err) {
              // One corrupt file must not cost the catalog its image embeddings.
              imageReport.unreadable++;
              log({ productId: p.id, path, err: (err as Error).message }, 'product image unreadable; skipped');
              return undefined;
            }
          }),
        );
        const present = features.filter((x): x is { p: ProductRow; f: Float32Array } => x !== undefined);
        const imageVectors = await imageEncoder.encode(present.map((x) => x.f));
        imageReport.written += await upsertProductEmbeddings(
          db.prisma,
          present.map((x, i) => ({
            productId: x.p.id,
            kind: 'IMAGE',
            model: imageEncoder.spec.name,
            vector: imageVectors[i]!,
          })),
        );
      }
      done += page.length;
      o.onProgress?.('image', done, total);
    }

    let collaborative: EmbeddingsReport['collaborative'] = { skipped: 'no active model item factors given' };
    if (o.itemFactors && !aborted()) {
      const r = collaborativeRows(o.itemFactors);
      if (!r.ok) collaborative = { skipped: r.reason };
      else {
        // Products deleted since the model was trained would fail the foreign key.
        const { rows: live } = await db.pool.query<{ id: string }>(
          'SELECT id FROM products WHERE id = ANY($1::uuid[])',
          [r.rows.map((x) => x.productId)],
        );
        const keep = new Set(live.map((x) => x.id));
        const rows = r.rows.filter((x) => keep.has(x.productId));
        let written = 0;
        for (let i = 0; i < rows.length && !aborted(); i += batchSize) {
          written += await upsertProductEmbeddings(
            db.prisma,
            rows.slice(i, i + batchSize).map((x) => ({
              productId: x.productId,
              kind: 'COLLABORATIVE',
              model: o.itemFactors!.name,
              vector: x.vector,
            })),
          );
          o.onProgress?.('collaborative', Math.min(i + batchSize, rows.length), rows.length);
        }
        // One model version's vectors at a time (the ANN retrieval checks they cover the model).
        if (!aborted())
          await db.pool.query(`DELETE FROM product_embeddings WHERE kind = 'COLLABORATIVE' AND model <> $1`, [
            o.itemFactors.name,
          ]);
        collaborative = { model: o.itemFactors.name, written, ...(r.note ? { note: r.note } : {}) };
      }
    }
    if (collaborative && 'skipped' in collaborative)
      log({ reason: collaborative.skipped }, 'COLLABORATIVE embeddings skipped');

    return {
      provider,
      text: textReport,
      image: imageEncoder
        ? imageReport
        : { skipped: o.imagesDir ? 'the manifest has no IMAGE encoder' : 'no images directory configured' },
      collaborative,
      aborted: aborted(),
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await Promise.all(encoders.map((e) => e.release().catch(() => undefined)));
  }
}
