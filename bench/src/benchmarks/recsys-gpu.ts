// ALS on a CUDA GPU (the trainer's implicit backend, TRAINER_DEVICE) beside the CPU: the native
// WebAssembly kernels and implicit's CPU solver, on the same matrices in one run, same
// hyper-parameters (64 factors, λ 10, α 1, CG 3 steps, 15 iterations).
// Run: scripts/gpu/verify.sh (installs the CUDA venv, runs the GPU test, then this), or
//      npm run bench -- recsys-gpu [--quick]
// implicit comes from IMPLICIT_PYTHON, else .infra/implicit-gpu-venv (scripts/infra/implicit.sh --gpu);
// without a GPU the table says why and shows the CPU columns only. MovieLens-small from
// ../shared/data or MOVIELENS_RATINGS.
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
import { ImplicitAlsModel, probeImplicit, type ImplicitBackend } from '@recgraph/training';
import type { Benchmark } from '../benchmark.ts';
import type { BenchTable } from '../table.ts';

const root = resolve(fileURLToPath(import.meta.url), '../../../..');
const ALS = { factors: 64, regularization: 10, alpha: 1, cgSteps: 3, iterations: 15, seed: 42 };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

export const benchmark: Benchmark = {
  name: 'recsys-gpu',
  description:
    'ALS fit time on a CUDA GPU (implicit, the trainer’s TRAINER_DEVICE=cuda path) beside the native CPU kernels and implicit’s CPU solver, same matrices and hyper-parameters',
  async run({ quick, sharedDataDir, log }) {
    // Benchmarks may read the environment directly (they are not a role).
    const python =
      process.env.IMPLICIT_PYTHON ??
      process.env.TEST_IMPLICIT_GPU_PYTHON ??
      join(root, '.infra/implicit-gpu-venv/bin/python');
    const threads = Math.min(availableParallelism(), 16);
    const note = `${cpus()[0]?.model ?? 'cpu'} × ${availableParallelism()} cores (${threads} threads used), Node ${process.version}; load average at start ${loadavg()[0]!.toFixed(1)}`;
    if (!existsSync(python))
      return [
        {
          title: 'ALS on the GPU vs the CPU',
          columns: ['dataset', 'result'],
          rows: [['—', `no ${python}: run scripts/gpu/verify.sh or scripts/infra/implicit.sh --gpu`]],
          notes: [note],
        },
      ];
    const probe = await probeImplicit(python);
    log(`implicit ${probe.implicit}: ${probe.cuda ? `CUDA, ${probe.gpu}` : `no GPU (${probe.reason})`}`);

    const datasets: { name: string; m: CsrMatrix }[] = [];
    const ratings =
      process.env.MOVIELENS_RATINGS ?? (sharedDataDir ? join(sharedDataDir, 'movielens-small', 'ratings.csv') : '');
    if (ratings && existsSync(ratings)) {
      const { interactions, users, items } = readRatingsFile(ratings);
      datasets.push({
        name: 'MovieLens-small',
        m: buildInteractionMatrix(interactions, { nUsers: users.size, nItems: items.size }).userItems,
      });
    }
    const synth = quick
      ? { nUsers: 10_000, nItems: 5_000, nnz: 100_000 }
      : { nUsers: 100_000, nItems: 20_000, nnz: 1_000_000 };
    datasets.push({
      name: `synthetic ${synth.nnz.toLocaleString('en-US')}`,
      m: buildInteractionMatrix(syntheticInteractions({ ...synth, seed: 1 }), synth).userItems,
    });

    const implicitFit = async (m: CsrMatrix, backend: ImplicitBackend) => {
      const model = new ImplicitAlsModel({ ...ALS, threads }, backend);
      const t0 = performance.now();
      await model.fit(m);
      return { total: (performance.now() - t0) / 1000, fit: Number(model.summary?.fitSeconds ?? NaN) };
    };
    const rows: (string | number)[][] = [];
    for (const d of datasets) {
      const repeats = quick || nnz(d.m) > 500_000 ? 1 : 3;
      const native: number[] = [];
      const cpu: { total: number; fit: number }[] = [];
      const gpu: { total: number; fit: number }[] = [];
      for (let r = 0; r < repeats; r++) {
        log(`${d.name}: native, implicit cpu${probe.cuda ? ', implicit cuda' : ''} (run ${r + 1}/${repeats})`);
        const model = new AlsModel({ ...ALS, threads });
        const t0 = performance.now();
        await model.fit(d.m);
        native.push((performance.now() - t0) / 1000);
        cpu.push(await implicitFit(d.m, { python, device: 'cpu' }));
        if (probe.cuda) gpu.push(await implicitFit(d.m, { python, device: 'cuda' }));
      }
      const n = median(native);
      const c = median(cpu.map((x) => x.fit));
      const g = gpu.length ? median(gpu.map((x) => x.fit)) : undefined;
      rows.push([
        d.name,
        `${d.m.nRows.toLocaleString('en-US')} × ${d.m.nCols.toLocaleString('en-US')}, ${nnz(d.m).toLocaleString('en-US')}`,
        +n.toFixed(2),
        +c.toFixed(2),
        g === undefined ? 'n/a' : +g.toFixed(3),
        g === undefined ? 'n/a' : +median(gpu.map((x) => x.total)).toFixed(2),
        g === undefined ? 'n/a' : `${(n / g).toFixed(1)}×`,
      ]);
    }
    const tables: BenchTable[] = [
      {
        title: `ALS fit time, ${ALS.factors} factors, ${ALS.iterations} iterations, λ ${ALS.regularization}, α ${ALS.alpha}, CG ${ALS.cgSteps} steps: GPU vs CPU`,
        columns: [
          'dataset',
          'users × items, interactions',
          'native CPU s',
          'implicit CPU fit s',
          'implicit GPU fit s',
          'GPU total s',
          'native / GPU fit',
        ],
        rows,
        notes: [
          probe.cuda
            ? `implicit ${probe.implicit} on ${probe.gpu} (${probe.devices} device(s) visible)`
            : `no GPU: ${probe.reason}`,
          'native: the WebAssembly SIMD kernels in this process (wall time of fit). implicit fit: its own fit() time; GPU total: the whole subprocess (matrix export, Python and CUDA start-up, factors back), what a training run pays.',
          quick ? 'One run each (--quick).' : 'Median of 3 runs on MovieLens-small, 1 on the synthetic store.',
          note,
        ],
      },
    ];
    return tables;
  },
};
