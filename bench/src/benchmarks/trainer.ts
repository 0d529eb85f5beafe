// Periodic trainer wall time on the demo store (what `npm start` seeds): one run of
// train + evaluate + register (+ promote), then the embedding batch job, timed apart.
// Run: npm run bench -- trainer   (quick mode: fewer ALS iterations, no image embeddings)
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateStore, seedStore } from '@recgraph/data';
import { openDatabase } from '@recgraph/db';
import { generateProductEmbeddings } from '@recgraph/embeddings';
import { loadActiveModel, runTraining } from '@recgraph/training';
import type { Benchmark } from '../benchmark.ts';

const secs = (ms: number) => Math.round(ms / 10) / 100;

export const benchmark: Benchmark = {
  name: 'trainer',
  description:
    'Periodic trainer on the demo store (seed 42, 400 products, embedded PGlite): ALS train+evaluate+register, and TEXT/IMAGE/COLLABORATIVE embedding generation (onnxruntime-node, CPU) timed separately',
  async run(ctx) {
    const dir = await mkdtemp(join(tmpdir(), 'rg-bench-trainer-'));
    const db = await openDatabase({});
    try {
      const store = generateStore({ seed: 42, products: 400 });
      ctx.log('seeding the demo store');
      const seeded = await seedStore(db, store, { imagesDir: join(dir, 'images') });
      const iterations = ctx.quick ? 5 : 15;
      const rows: (string | number)[][] = [];
      const trainOnce = async (label: string) => {
        const t0 = performance.now();
        const r = await runTraining(db, {
          algorithm: 'als',
          params: { iterations },
          modelDir: join(dir, 'models'),
          margin: 0.01,
          onProgress: (stage, done, total) => done === total && ctx.log(`${label}: ${stage} done`),
        });
        const ms = performance.now() - t0;
        rows.push([
          label,
          secs(ms),
          r.decision?.promoted ? 'promoted' : 'not promoted',
          Number((r.trained.evaluation.model['ndcg@10'] ?? NaN).toFixed(4)),
        ]);
      };
      // The first run has no champion; later runs also re-fit and score the active model.
      await trainOnce('train+evaluate+register (first run)');
      await trainOnce('train+evaluate+register (with champion re-fit)');

      const active = await loadActiveModel(db);
      const vectors = active?.model.itemVectors?.();
      const t0 = performance.now();
      const report = await generateProductEmbeddings(db, {
        provider: 'auto',
        ...(ctx.quick ? {} : { imagesDir: join(dir, 'images') }),
        ...(active && vectors
          ? {
              itemFactors: {
                name: `als:${active.version.id}`,
                vectors: vectors.vectors,
                dim: vectors.dim,
                productIds: active.items.toArray(),
              },
            }
          : {}),
      });
      const image = 'written' in report.image ? `${report.image.written} image` : 'no image';
      const collab =
        'written' in report.collaborative ? `${report.collaborative.written} collaborative` : 'no collaborative';
      rows.push([
        `embeddings (${report.text.written} text, ${image}, ${collab}; ${report.provider.provider})`,
        secs(performance.now() - t0),
        '',
        '',
      ]);
      return [
        {
          title: 'Periodic trainer wall time (demo store)',
          columns: ['step', 'seconds', 'outcome', 'ndcg@10'],
          rows,
          notes: [
            `${cpus()[0]?.model ?? 'cpu'} × ${availableParallelism()} cores, Node ${process.version}; embedded PGlite; ${store.products.length} products, ${seeded.users.inserted} users, ${seeded.interactions.inserted} interactions; ALS 64 factors, ${iterations} iterations.`,
            `Embedding provider: ${report.provider.reason}.`,
            'Reproduce: npm run bench -- trainer (add --quick for 5 iterations and no image embeddings)',
          ],
        },
      ];
    } finally {
      await db.close();
      await rm(dir, { recursive: true, force: true });
    }
  },
};
