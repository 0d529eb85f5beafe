// ALS training, fold-in and exact top-k latency for @recgraph/recsys.
// Run: npm run bench -- recsys-als   (quick mode: smaller synthetic sizes)
import { existsSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import {
  AlsModel,
  FoldIn,
  Rng,
  buildInteractionMatrix,
  nnz,
  readRatingsFile,
  syntheticInteractions,
  topKDot,
  topKDotBatch,
  type CsrMatrix,
} from '@recgraph/recsys';
import type { Benchmark } from '../benchmark.ts';
import type { BenchTable } from '../table.ts';

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const machine = () => `${cpus()[0]?.model ?? 'cpu'} × ${availableParallelism()} cores, Node ${process.version}`;

async function timeFit(m: CsrMatrix, threads: number, iterations: number): Promise<number> {
  const model = new AlsModel({ factors: 64, regularization: 10, alpha: 1, iterations, threads, seed: 42 });
  const t0 = performance.now();
  await model.fit(m);
  return (performance.now() - t0) / 1000;
}

export const benchmark: Benchmark = {
  name: 'recsys-als',
  description: 'ALS (CG, worker_threads) training time, fold-in µs/user, exact top-10 latency at 10k/100k/1M items',
  async run({ quick, sharedDataDir, log }) {
    const tables: BenchTable[] = [];

    // 1. Training time.
    const train: (string | number)[][] = [];
    const datasets: { name: string; m: CsrMatrix; iterations: number }[] = [];
    const ml = sharedDataDir ? join(sharedDataDir, 'movielens-small', 'ratings.csv') : undefined;
    if (ml && existsSync(ml)) {
      const { interactions, users, items } = readRatingsFile(ml);
      datasets.push({
        name: 'movielens-small',
        m: buildInteractionMatrix(interactions, { nUsers: users.size, nItems: items.size }).userItems,
        iterations: quick ? 3 : 15,
      });
    }
    const synth = quick
      ? { nUsers: 10_000, nItems: 5_000, nnz: 100_000 }
      : { nUsers: 100_000, nItems: 20_000, nnz: 1_000_000 };
    datasets.push({
      name: `synthetic ${synth.nnz.toLocaleString('en-US')}`,
      m: buildInteractionMatrix(syntheticInteractions({ ...synth, seed: 1 }), {
        nUsers: synth.nUsers,
        nItems: synth.nItems,
      }).userItems,
      iterations: quick ? 2 : 5,
    });
    for (const d of datasets) {
      for (const threads of [1, 2]) {
        log(`ALS ${d.name} threads=${threads}`);
        const s = await timeFit(d.m, threads, d.iterations);
        train.push([
          d.name,
          d.m.nRows,
          d.m.nCols,
          nnz(d.m),
          d.iterations,
          threads,
          +s.toFixed(2),
          +(s / d.iterations).toFixed(3),
        ]);
      }
    }
    tables.push({
      title: 'ALS training (factors 64, CG 3 steps)',
      columns: ['dataset', 'users', 'items', 'nnz', 'iterations', 'threads', 'seconds', 's/iteration'],
      rows: train,
      notes: [machine(), 'Factors are bit-identical for every thread count (tested).'],
    });

    // 2. Fold-in per user: 64 factors, ~50 interactions, G = YᵀY + λI precomputed.
    const rng = new Rng(7);
    const f = 64;
    const nItems = 20_000;
    const Y = Float32Array.from({ length: nItems * f }, () => rng.normal() * 0.1);
    const fold = new FoldIn(Y, f, 0.05, 2);
    const foldRows: (string | number)[][] = [];
    for (const n of [10, 50, 200]) {
      const items = Int32Array.from({ length: n }, () => rng.int(nItems));
      const w = Float32Array.from({ length: n }, () => 1 + rng.int(5));
      for (let i = 0; i < 200; i++) fold.user(items, w); // warm-up
      const times: number[] = [];
      for (let r = 0; r < (quick ? 500 : 3000); r++) {
        const t0 = performance.now();
        fold.user(items, w);
        times.push((performance.now() - t0) * 1000);
      }
      times.sort((a, b) => a - b);
      foldRows.push([f, n, +pct(times, 50).toFixed(1), +pct(times, 99).toFixed(1)]);
    }
    tables.push({
      title: 'Fold-in: one user in closed form against fixed item factors',
      columns: ['factors', 'interactions', 'p50 µs', 'p99 µs'],
      rows: foldRows,
      notes: ['O(n_u·f² + f³): rank-one updates on a precomputed YᵀY + λI, then a Cholesky solve.'],
    });

    // 3. Exact top-10 latency.
    const topRows: (string | number)[][] = [];
    for (const n of quick ? [10_000, 100_000] : [10_000, 100_000, 1_000_000]) {
      const F = new Float32Array(n * f);
      for (let k = 0; k < F.length; k++) F[k] = rng.normal();
      const exclude = Int32Array.from({ length: 50 }, () => rng.int(n));
      const reps = n >= 1_000_000 ? 30 : 200;
      const times: number[] = [];
      for (let r = 0; r < reps + 5; r++) {
        const q = Float32Array.from({ length: f }, () => rng.normal());
        const t0 = performance.now();
        topKDot(q, F, f, 10, { exclude });
        if (r >= 5) times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      const nq = 64;
      const Q = Float32Array.from({ length: nq * f }, () => rng.normal());
      const tb = performance.now();
      topKDotBatch(Q, nq, F, f, 10);
      const batchPerUser = (performance.now() - tb) / nq;
      topRows.push([n, f, +pct(times, 50).toFixed(2), +pct(times, 99).toFixed(2), +batchPerUser.toFixed(2)]);
      log(`top-10 over ${n} items: p50 ${pct(times, 50).toFixed(2)} ms`);
    }
    tables.push({
      title: 'Exact top-10 (dot products + bounded heap, 50 excluded items)',
      columns: ['items', 'factors', 'p50 ms', 'p99 ms', 'batch of 64: ms/user'],
      rows: topRows,
      notes: [machine()],
    });
    return tables;
  },
};
