// ALS training side by side with `implicit` (the same matrices, 1 and 2 threads, in one run), fold-in
// and exact top-k latency for @recgraph/recsys; dense EASE and the scalable item-item models (see
// item-item.ts).
// Run: npm run bench -- recsys-als   (quick mode: smaller synthetic sizes, fewer repeats)
// implicit comes from PyPI into .infra/implicit-venv (scripts/infra/implicit.sh, pinned by hash; the
// venv the trainer's implicit backend uses); without python3 the table says so and shows our side only.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
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
import { ImplicitAlsModel } from '@recgraph/training';
import type { Benchmark } from '../benchmark.ts';
import type { BenchTable } from '../table.ts';

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const machine = () => `${cpus()[0]?.model ?? 'cpu'} × ${availableParallelism()} cores, Node ${process.version}`;

const exec = promisify(execFile);
const root = resolve(fileURLToPath(import.meta.url), '../../../..');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const load = () => loadavg()[0]!.toFixed(1);

/** Same hyper-parameters on both sides: 64 factors, λ 10, α 1, CG with 3 steps (implicit's default). */
const ALS = { factors: 64, regularization: 10, alpha: 1 };

async function timeFit(m: CsrMatrix, threads: number, iterations: number): Promise<number> {
  const model = new AlsModel({ ...ALS, iterations, threads, seed: 42 });
  const t0 = performance.now();
  await model.fit(m);
  return (performance.now() - t0) / 1000;
}

/** The venv's python with implicit, or the reason there is none. */
async function implicitPython(log: (m: string) => void): Promise<{ python?: string; why?: string }> {
  try {
    const { stdout } = await exec('bash', [join(root, 'scripts/infra/implicit.sh')], { maxBuffer: 2 ** 20 });
    return { python: stdout.trim().split('\n').at(-1)! };
  } catch (e) {
    log(`implicit unavailable: ${(e as Error).message}`);
    return { why: (e as { stderr?: string }).stderr?.trim() || (e as Error).message };
  }
}

/**
 * implicit's CPU solver through the trainer's own implicit backend (same objective: c = 1 + α·w),
 * timed by implicit's fit() alone, as the script reports it (BLAS held to 1 thread there).
 */
async function timeImplicit(
  python: string,
  m: CsrMatrix,
  threads: number,
  iterations: number,
): Promise<{ seconds: number; version: string }> {
  const model = new ImplicitAlsModel({ ...ALS, iterations, threads, seed: 42 }, { python, device: 'cpu' });
  await model.fit(m);
  return { seconds: Number(model.summary!.fitSeconds), version: String(model.summary!.implicit) };
}

export const benchmark: Benchmark = {
  name: 'recsys-als',
  description:
    'ALS (CG, WebAssembly SIMD, worker_threads) training time beside implicit, fold-in µs/user, exact top-10 latency at 10k/100k/1M items',
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
      iterations: quick ? 2 : 15,
    });
    const { python, why } = await implicitPython(log);
    // Repeats: 3 on MovieLens-small, 1 on the 1M store (a minute a fit on the shared machine).
    const repeatsFor = (d: { m: CsrMatrix }) => (quick || nnz(d.m) > 500_000 ? 1 : 3);
    let implicitVersion = '';
    const loads: string[] = [];
    for (const d of datasets) {
      for (const threads of [1, 2]) {
        // Interleaved, ours then implicit, `repeats` times: both see the same machine load.
        const ours: number[] = [];
        const theirs: number[] = [];
        for (let r = 0; r < repeatsFor(d); r++) {
          loads.push(load());
          log(`ALS ${d.name} threads=${threads} (load ${load()})`);
          ours.push(await timeFit(d.m, threads, d.iterations));
          if (python) {
            const t = await timeImplicit(python, d.m, threads, d.iterations);
            theirs.push(t.seconds);
            implicitVersion = t.version;
          }
        }
        const o = median(ours);
        const t = python ? median(theirs) : undefined;
        log(
          `  ours ${ours.map((x) => x.toFixed(2)).join('/')} s, implicit ${theirs.map((x) => x.toFixed(2)).join('/')} s`,
        );
        train.push([
          d.name,
          d.m.nRows,
          d.m.nCols,
          nnz(d.m),
          d.iterations,
          threads,
          +o.toFixed(2),
          t === undefined ? 'n/a' : +t.toFixed(2),
          t === undefined ? 'n/a' : `${(o / t).toFixed(2)}×`,
        ]);
      }
    }
    tables.push({
      title: 'ALS training beside implicit (factors 64, λ 10, α 1, CG 3 steps)',
      columns: ['dataset', 'users', 'items', 'nnz', 'iterations', 'threads', 'ours s', 'implicit s', 'ours / implicit'],
      rows: train,
      notes: [
        machine(),
        python
          ? `implicit ${implicitVersion} (PyPI wheel, CPU CG solver, BLAS limited to 1 thread), fit time only; each cell the median of 3 runs (1 on the 1M store) interleaved with ours. 1-minute load average during the runs: ${loads.join(', ')}.`
          : `implicit not run: ${why}`,
        'Ours: WebAssembly SIMD kernels (float32, like implicit); factors bit-identical for every thread count (tested).',
      ],
    });

    // 2. Item-item models: dense EASE before (JavaScript inverse) and after (WebAssembly), and the
    // scalable models at 10k and 100k items; each fit in its own process for an honest peak RSS.
    const fits: (string | number)[][] = [];
    const runFit = async (kind: string, label: string, source: object) => {
      log(`fit ${kind} on ${label} (load ${load()})`);
      const { stdout } = await exec(
        process.execPath,
        ['--import', 'tsx', join(root, 'bench/src/benchmarks/item-item-fit.ts'), kind, JSON.stringify(source)],
        { cwd: root, maxBuffer: 2 ** 20, timeout: 30 * 60_000 },
      );
      const r = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, number>;
      fits.push([
        kind,
        label,
        r.users!,
        r.items!,
        r.nnz!,
        +r.seconds!.toFixed(2),
        Math.round(r.peakRssMb!),
        Math.round(r.peakRssMb! - r.rssBeforeFitMb!),
        +r.modelMb!.toFixed(1),
        load(),
      ]);
      return r;
    };
    if (ml && existsSync(ml)) {
      const src = { movielens: ml, topItems: 1682 };
      const before = await runFit('ease-js', 'MovieLens-small, top 1,682 items', src);
      const after = await runFit('ease', 'MovieLens-small, top 1,682 items', src);
      log(`  dense EASE: ${(before.seconds! / after.seconds!).toFixed(1)}× faster`);
      if (!quick) await runFit('ease', 'MovieLens-small, top 5,000 items', { movielens: ml, topItems: 5000 });
      for (const kind of ['sparse-ease', 'rp3beta'])
        await runFit(kind, 'MovieLens-small, all items', { movielens: ml });
    }
    const sizes = quick
      ? [{ nUsers: 5_000, nItems: 10_000, nnz: 50_000 }]
      : [
          { nUsers: 20_000, nItems: 10_000, nnz: 300_000 },
          { nUsers: 100_000, nItems: 100_000, nnz: 1_000_000 },
        ];
    for (const size of sizes)
      for (const kind of ['sparse-ease', 'rp3beta'])
        await runFit(kind, `synthetic ${size.nItems.toLocaleString('en-US')} items`, {
          synthetic: { ...size, seed: 1 },
        });
    tables.push({
      title: 'Item-item models: fit time and memory',
      columns: [
        'model',
        'data',
        'users',
        'items',
        'nnz',
        'fit s',
        'peak RSS MB',
        'RSS added by fit MB',
        'model MB',
        'load',
      ],
      rows: fits,
      notes: [
        machine(),
        'ease-js: dense EASE with the readable JavaScript Cholesky inverse (before); ease: the WebAssembly SIMD inverse (now). sparse-ease: K 100 neighbours over a Gram matrix pruned to 200 per item; rp3beta: α 0.5, β 0.5, 100 neighbours (defaults).',
        'Each fit runs in its own process (peak RSS includes Node and the data, ~100–200 MB); load = 1-minute load average after the fit.',
      ],
    });

    // 3. Fold-in per user: 64 factors, ~50 interactions, G = YᵀY + λI precomputed.
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

    // 4. Exact top-10 latency.
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
