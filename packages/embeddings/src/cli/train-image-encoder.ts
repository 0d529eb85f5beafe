/**
 * `npm run train:image-encoder` — trains the product image encoder on a store's own photos
 * and attributes and writes a model directory (image-encoder.json + model.onnx) that
 * IMAGE_ENCODER_DIR can point at.
 *
 *   --catalog <products.csv|.jsonl> [--images <dir>]   a catalog file and its photos, imported
 *                                                      into an in-memory database first
 *   (no --catalog)                                      the store (DATABASE_URL, else the quick
 *                                                      start's embedded database), photos in
 *                                                      --images (default <RECGRAPH_DATA_DIR>/images)
 *   --out <dir>          the model directory to write (required)
 *   --holdout 0.2        the share of products (by SKU hash) never trained on; reported
 *   --epochs 14 --side 64 --dims 64 --name --version
 *
 * Labels: attributes.articleType (else the product's category name) and attributes.colour.
 * The network trains in scripts/models/image-encoder/train.py (JAX on CPU, in the
 * virtualenv scripts/models/image-encoder/setup-venv.sh makes); the photos are prepared
 * here, by the function serving uses. The exported model is checked against the
 * trainer's own embeddings through onnxruntime-node before the directory is written.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { config } from '@recgraph/config';
import { importCatalog } from '@recgraph/data';
import { embeddedDataDir, openDatabase } from '@recgraph/db';
import { exportImageDataset, labelledPhotos } from '../image-dataset.ts';
import { loadImageEncoder } from '../image-encoder.ts';

const ROOT = resolve(import.meta.dirname, '../../../..');
const TRAINER = join(ROOT, 'scripts/models/image-encoder');

const { values: args } = parseArgs({
  options: {
    catalog: { type: 'string' },
    images: { type: 'string' },
    out: { type: 'string' },
    holdout: { type: 'string', default: '0.2' },
    epochs: { type: 'string', default: '14' },
    side: { type: 'string', default: '64' },
    dims: { type: 'string', default: '64' },
    name: { type: 'string', default: 'recgraph-image-cnn' },
    version: { type: 'string' },
  },
});

function fail(message: string): never {
  console.error(`train:image-encoder: ${message}`);
  process.exit(2);
}

const num = (key: 'holdout' | 'epochs' | 'side' | 'dims', min: number, max: number) => {
  const v = Number(args[key]);
  if (!Number.isFinite(v) || v < min || v > max) fail(`--${key} must be between ${min} and ${max}`);
  return v;
};

async function main() {
  if (!args.out) fail('--out <model directory> is required');
  const out = resolve(args.out);
  const holdout = num('holdout', 0, 0.9);
  const side = num('side', 16, 256);
  const cfg = config();
  const work = mkdtempSync(join(tmpdir(), 'recgraph-image-train-'));
  try {
    const catalog = args.catalog ? resolve(args.catalog) : undefined;
    // A catalog file goes into an in-memory database; else the store itself (DATABASE_URL, or the
    // quick start's embedded one under RECGRAPH_DATA_DIR: stop `npm start` first, PGlite has one owner).
    const db = await openDatabase(
      catalog ? {} : { url: cfg.DATABASE_URL, dataDir: embeddedDataDir(resolve(cfg.RECGRAPH_DATA_DIR)) },
    );
    let imagesDir: string;
    try {
      if (catalog) {
        imagesDir = join(work, 'images');
        const report = await importCatalog(db, {
          file: catalog,
          ...(args.images ? { imagesDir: resolve(args.images) } : {}),
          imagesOutDir: imagesDir,
        });
        console.log(`imported ${report.written.products?.inserted ?? 0} products from ${catalog}`);
      } else imagesDir = resolve(args.images ?? join(cfg.RECGRAPH_DATA_DIR, 'images'));
      const labelled = await labelledPhotos(db, imagesDir);
      if (labelled.length < 50) fail(`only ${labelled.length} products have a photo and an article type; 50 needed`);
      const data = await exportImageDataset(labelled, work, {
        side,
        holdout,
        onProgress: (done, total) => {
          if (done % 2048 < 64 || done === total) process.stdout.write(`\rprepared ${done}/${total} photos`);
        },
      });
      console.log(
        `\n${data.photos.length} photos (${data.unreadable} unreadable), ${data.articleClasses.length} article types, ${data.colourClasses.length} colours`,
      );

      const setup = spawnSync('bash', [join(TRAINER, 'setup-venv.sh')], { stdio: 'inherit' });
      if (setup.status !== 0) fail('setting up the trainer virtualenv failed');
      const python = join(ROOT, '.venv-image-training/bin/python');
      const trainOut = join(work, 'model');
      const trained = spawnSync(
        python,
        [
          join(TRAINER, 'train.py'),
          '--data',
          work,
          '--out',
          trainOut,
          '--epochs',
          String(num('epochs', 1, 500)),
          '--dims',
          String(num('dims', 8, 1024)),
        ],
        { stdio: 'inherit' },
      );
      if (trained.status !== 0) fail('training failed');

      const training = JSON.parse(readFileSync(join(trainOut, 'training.json'), 'utf8')) as {
        heldOut: Record<string, number>;
        probe: { index: number[]; embedding: number[][] };
      } & Record<string, unknown>;
      const modelBytes = readFileSync(join(trainOut, 'model.onnx'));
      const modelSha = createHash('sha256').update(modelBytes).digest('hex');
      const descriptor = {
        name: args.name!,
        version: args.version ?? `sha256-${modelSha.slice(0, 12)}`,
        input: { name: 'image', side },
        output: { name: 'embedding', dims: num('dims', 8, 1024) },
        sha256: { 'model.onnx': modelSha },
        provenance: {
          trainedOn: catalog ? relative(ROOT, catalog) : 'DATABASE_URL',
          products: data.photos.length,
          heldOutShare: holdout,
          split: 'by SKU hash (isHeldOut in image-dataset.ts); held-out products never trained on',
          labels: { articleTypes: data.articleClasses.length, colours: data.colourClasses.length },
          trainer: 'scripts/models/image-encoder/train.py (JAX on CPU)',
          command: `npm run train:image-encoder -- ${process.argv.slice(2).join(' ')}`,
          trainedAt: new Date().toISOString(),
          ...Object.fromEntries(Object.entries(training).filter(([k]) => k !== 'probe')),
        },
      };
      mkdirSync(out, { recursive: true });
      copyFileSync(join(trainOut, 'model.onnx'), join(out, 'model.onnx'));
      writeFileSync(join(out, 'image-encoder.json'), JSON.stringify(descriptor, null, 2) + '\n');

      // The export must embed as the trainer did: same photos through onnxruntime-node.
      const encoder = await loadImageEncoder(out);
      try {
        const probes = training.probe.index.map((i) => data.photos[i]!.path);
        const got = await encoder.encodeImages(probes);
        got.forEach((v, i) => {
          const want = training.probe.embedding[i]!;
          const cos = v.reduce((s, x, k) => s + x * want[k]!, 0);
          if (cos < 0.999) fail(`the exported model disagrees with the trainer on ${probes[i]} (cosine ${cos})`);
        });
      } finally {
        await encoder.release();
      }
      console.log(
        `wrote ${out} (${encoder.model}, ${(modelBytes.length / 1024).toFixed(0)} KiB); held-out: ${JSON.stringify(training.heldOut)}`,
      );
    } finally {
      await db.close();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
