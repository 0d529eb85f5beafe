import { upsertProductEmbeddings, type Database } from '@recgraph/db';
import { collaborativeRows, type ItemFactors } from './collaborative.ts';
import { selectExecutionProvider, type ProviderChoice, type ProviderPreference } from './execution-provider.ts';
import { TEXT_FEATURISERS } from './featurisers.ts';
import { embedProductImages } from './image-embeddings.ts';
import { chooseImageEncoder, openImageEncoder, type ImageEncoder } from './image-encoder.ts';
import { readEncoderManifest } from './manifest.ts';
import { backfillTextEncoder } from './pipeline.ts';
import { openTextEncoder, type TextEncoder } from './text-encoder.ts';

export type EmbeddingStage = 'text' | 'image' | 'collaborative';

export interface GenerateEmbeddingsOptions {
  /** Product images (<sku>.png or the file named by image_url); absent → no IMAGE embeddings. */
  imagesDir?: string;
  /** An image-encoder directory or "builtin" (config IMAGE_ENCODER_DIR); unset → the shipped trained CNN, else built-in. */
  imageEncoderDir?: string;
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

  const aborted = () => o.signal?.aborted === true;

  const encoders: (TextEncoder | ImageEncoder)[] = [];
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
    // TEXT through the embedding pipeline's writer: products whose input did not change since
    // their vector was computed are not encoded again, and the encoder becomes the serving one.
    const backfill = await backfillTextEncoder(db, text, {
      batchSize,
      ...(o.signal ? { signal: o.signal } : {}),
      onProgress: (done, n) => o.onProgress?.('text', done, n),
    });
    const textReport = { model: text.model, written: backfill.written, unchanged: backfill.unchanged };
    // IMAGE from the chosen image encoder (IMAGE_ENCODER_DIR, else the shipped trained CNN, else the grid descriptor).
    let image: EmbeddingsReport['image'] = { skipped: 'no images directory configured' };
    if (o.imagesDir && !aborted()) {
      const choice = chooseImageEncoder(o.imageEncoderDir);
      const imageEncoder = await openImageEncoder(choice, {
        provider: provider.provider,
        ...(o.modelsDir ? { modelsDir: o.modelsDir } : {}),
      });
      encoders.push(imageEncoder);
      log(
        { model: imageEncoder.model, dims: imageEncoder.dims, source: imageEncoder.source, reason: choice.reason },
        imageEncoder.trained
          ? 'IMAGE embeddings from a trained image encoder'
          : 'IMAGE embeddings from the built-in grid descriptor',
      );
      image = await embedProductImages(db, imageEncoder, {
        imagesDir: o.imagesDir,
        batchSize,
        ...(o.signal ? { signal: o.signal } : {}),
        onProgress: (done, n) => o.onProgress?.('image', done, n),
        log,
      });
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
      image,
      collaborative,
      aborted: aborted(),
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await Promise.all(encoders.map((e) => e.release().catch(() => undefined)));
  }
}
