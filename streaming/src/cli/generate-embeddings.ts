// `npm run embeddings`: the product-embedding batch job the trainer runs after each completed
// run, on its own — TEXT for every product, IMAGE where an image exists, COLLABORATIVE from the
// ACTIVE model's item factors. For schedulers that run the nightly pipeline as separate steps
// (monitoring/airflow/recgraph_dag.py: import → features rebuild → train → embeddings).
import { join, resolve } from 'node:path';
import { config } from '@recgraph/config';
import { embeddedDataDir, openDatabase } from '@recgraph/db';
import { chooseTextEncoder, generateProductEmbeddings } from '@recgraph/embeddings';
import { loadActiveModel } from '@recgraph/training';

const cfg = config('tool');
const db = await openDatabase({ url: cfg.DATABASE_URL, dataDir: embeddedDataDir(cfg.RECGRAPH_DATA_DIR) });
try {
  const active = await loadActiveModel(db);
  const vectors = active?.model.itemVectors?.();
  const textEncoderDir = chooseTextEncoder(cfg.TEXT_ENCODER_DIR).dir;
  const report = await generateProductEmbeddings(db, {
    imagesDir: join(resolve(cfg.RECGRAPH_DATA_DIR), 'images'),
    provider: cfg.EMBEDDINGS_PROVIDER,
    ...(textEncoderDir ? { textEncoderDir } : {}),
    ...(active && vectors
      ? {
          itemFactors: {
            name: `${active.version.algorithm}:${active.version.id}`,
            vectors: vectors.vectors,
            dim: vectors.dim,
            productIds: active.items.toArray(),
          },
        }
      : {}),
  });
  console.log(
    JSON.stringify({
      provider: report.provider.provider,
      text: report.text,
      image: report.image,
      collaborative: report.collaborative,
      seconds: report.seconds,
    }),
  );
} finally {
  await db.close();
}
