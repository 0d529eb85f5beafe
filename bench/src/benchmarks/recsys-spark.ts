// The Spark training backend beside the native ALS, on the same matrices in one run: fit time
// (Spark's total with JVM start-up, and its fit alone) and, on MovieLens-small, holdout quality
// through the trainer's own pipeline (the registry would see these numbers).
// Run: npm run infra:up && npm run bench -- recsys-spark   (quick: a 100k synthetic store)
// Spark comes from SPARK_PYTHON, else the infra's .infra/spark-venv; without it the table says so.
import { existsSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AlsModel,
  buildInteractionMatrix,
  nnz,
  readRatingsFile,
  syntheticInteractions,
  type CsrMatrix,
} from '@recgraph/recsys';
import { SparkAlsModel, trainModel, trainingDataFromInteractions, type SparkBackend } from '@recgraph/training';
import type { Benchmark } from '../benchmark.ts';
import type { BenchTable } from '../table.ts';

const root = resolve(fileURLToPath(import.meta.url), '../../../..');
const FACTORS = 64;
const ITERATIONS = 15;

function sparkBackend(): SparkBackend | undefined {
  // Benchmarks may read the environment directly (they are not a role).
  const python =
    process.env.SPARK_PYTHON ?? process.env.TEST_SPARK_PYTHON ?? join(root, '.infra/spark-venv/bin/python');
  return existsSync(python) ? { python, master: 'local[2]', driverMemory: '2g' } : undefined;
}

export const benchmark: Benchmark = {
  name: 'recsys-spark',
  description:
    'Spark MLlib ALS (pyspark local[2], the trainer’s als-spark backend) beside the native ALS (2 threads) on the same matrices: fit time, and NDCG@10 on MovieLens-small through the trainer pipeline',
  async run({ quick, sharedDataDir, log }) {
    const spark = sparkBackend();
    const note = `${cpus()[0]?.model ?? 'cpu'} × ${availableParallelism()} cores, Node ${process.version}; load average at start ${loadavg()[0]!.toFixed(1)}`;
    if (!spark)
      return [
        {
          title: 'Spark ALS vs native ALS',
          columns: ['dataset', 'result'],
          rows: [['—', 'no pyspark: run npm run infra:up (it installs .infra/spark-venv) or set SPARK_PYTHON']],
          notes: [note],
        },
      ];
    const datasets: { name: string; m: CsrMatrix }[] = [];
    const ml = sharedDataDir ? join(sharedDataDir, 'movielens-small', 'ratings.csv') : undefined;
    const movielens = ml && existsSync(ml) ? readRatingsFile(ml) : undefined;
    if (movielens)
      datasets.push({
        name: 'MovieLens-small',
        m: buildInteractionMatrix(movielens.interactions, {
          nUsers: movielens.users.size,
          nItems: movielens.items.size,
        }).userItems,
      });
    const synth = quick
      ? { nUsers: 10_000, nItems: 5_000, nnz: 100_000 }
      : { nUsers: 100_000, nItems: 20_000, nnz: 1_000_000 };
    datasets.push({
      name: `synthetic ${synth.nnz.toLocaleString('en-US')}`,
      m: buildInteractionMatrix(syntheticInteractions({ ...synth, seed: 1 }), synth).userItems,
    });

    const iterations = quick ? 5 : ITERATIONS;
    const speed: (string | number)[][] = [];
    for (const d of datasets) {
      log(`${d.name}: native ALS, 2 threads`);
      const native = new AlsModel({ factors: FACTORS, iterations, regularization: 10, alpha: 1, threads: 2, seed: 42 });
      let t0 = performance.now();
      await native.fit(d.m);
      const nativeS = (performance.now() - t0) / 1000;
      log(`${d.name}: Spark ALS, ${spark.master}`);
      const sparkModel = new SparkAlsModel(
        { factors: FACTORS, iterations, regularization: 0.1, alpha: 1, seed: 42 },
        spark,
      );
      t0 = performance.now();
      await sparkModel.fit(d.m);
      const sparkS = (performance.now() - t0) / 1000;
      const fitS = Number(sparkModel.summary?.fitSeconds ?? NaN);
      speed.push([
        d.name,
        `${d.m.nRows.toLocaleString('en-US')} × ${d.m.nCols.toLocaleString('en-US')}, ${nnz(d.m).toLocaleString('en-US')}`,
        +nativeS.toFixed(2),
        +sparkS.toFixed(2),
        +fitS.toFixed(2),
        `${(sparkS / nativeS).toFixed(1)}×`,
      ]);
    }
    const tables: BenchTable[] = [
      {
        title: `ALS fit time, ${FACTORS} factors, ${iterations} iterations: native (2 worker threads) vs Spark MLlib (local[2])`,
        columns: [
          'dataset',
          'users × items, interactions',
          'native s',
          'Spark s (total)',
          'Spark fit s',
          'Spark / native',
        ],
        rows: speed,
        notes: [
          'Spark total = Parquet export + JVM and SparkSession start + fit + factors back; "Spark fit" is ALS.fit alone as Spark timed it.',
          'Regularisation: native λ 10 (implicit-style), Spark 0.1 (ALS-WR scales it by counts); each backend’s default.',
          note,
        ],
      },
    ];

    if (movielens) {
      log('MovieLens-small: holdout quality through the trainer pipeline (stratified 75/25, seed 42)');
      const data = trainingDataFromInteractions(movielens.interactions, movielens.users, movielens.items, 'movielens');
      const rows: (string | number)[][] = [];
      for (const algorithm of ['als', 'als-spark'] as const) {
        const t = await trainModel({
          data,
          algorithm,
          params: { factors: FACTORS, iterations },
          threads: 2,
          spark,
          k: [10],
        });
        const m = t.evaluation.model;
        rows.push([
          algorithm,
          +(m['ndcg@10'] ?? 0).toFixed(3),
          +(m['recall@10'] ?? 0).toFixed(3),
          +t.seconds.toFixed(1),
        ]);
      }
      tables.push({
        title:
          'MovieLens-small holdout quality, native vs Spark ALS (the trainer pipeline: fit on 75 %, evaluate, refit on all)',
        columns: ['algorithm', 'NDCG@10', 'Recall@10', 'pipeline s'],
        rows,
        notes: [note],
      });
    }
    return tables;
  },
};
