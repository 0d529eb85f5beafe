/**
 * The implicit ALS backend (als_implicit.py in a subprocess) against the native solver on the
 * same holdout: the same objective and parameters must give the same quality. Runs the CPU
 * solver wherever TEST_IMPLICIT_PYTHON is set (CI: scripts/infra/up.sh installs it); the GPU
 * part runs only where `nvidia-smi -L` lists a device and TEST_IMPLICIT_GPU_PYTHON is set
 * (scripts/gpu/verify.sh sets both up and runs this file; under CI a GPU without it fails).
 * Data: MovieLens-small when present (MOVIELENS_RATINGS, or ../shared/data beside the
 * checkout), else a seeded synthetic store with low-rank structure.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AlsModel, IdMap, buildInteractionMatrix, readRatingsFile, syntheticInteractions } from '@recgraph/recsys';
import { resolveParams, type AlgorithmName } from '../src/algorithms.ts';
import { trainCommand } from '../src/cli/train-command.ts';
import { evaluateOnHoldout } from '../src/evaluate-split.ts';
import {
  DeviceUnavailableError,
  ImplicitAlsModel,
  probeImplicit,
  resolveTrainingDevice,
  type ImplicitBackend,
} from '../src/implicit/implicit-als.ts';
import { resolveSplit, splitData } from '../src/train-model.ts';
import { trainingDataFromInteractions, type TrainingData } from '../src/training-data.ts';

const python = process.env.TEST_IMPLICIT_PYTHON;
const gpuPython = process.env.TEST_IMPLICIT_GPU_PYTHON;
if (!python && process.env.CI)
  throw new Error('TEST_IMPLICIT_PYTHON is not set under CI: run `npm run infra:up` (it installs implicit).');
const nvidia = spawnSync('nvidia-smi', ['-L'], { encoding: 'utf8' });
const gpu = nvidia.status === 0 && /^GPU \d+:/m.test(nvidia.stdout);
if (gpu && !gpuPython && process.env.CI)
  throw new Error(
    'an NVIDIA GPU is present but TEST_IMPLICIT_GPU_PYTHON is not set: run scripts/gpu/verify.sh (or scripts/infra/implicit.sh --gpu)',
  );

const RATINGS =
  process.env.MOVIELENS_RATINGS ??
  fileURLToPath(new URL('../../../../shared/data/movielens-small/ratings.csv', import.meta.url));

function testData(): TrainingData {
  if (existsSync(RATINGS)) {
    const { interactions, users, items } = readRatingsFile(RATINGS);
    return trainingDataFromInteractions(interactions, users, items, 'movielens-small');
  }
  const dims = { nUsers: 1500, nItems: 1000 };
  const x = syntheticInteractions({ ...dims, nnz: 40_000, seed: 7 });
  const ids = (n: number) => new IdMap(Array.from({ length: n }, (_, i) => String(i)));
  return trainingDataFromInteractions(x, ids(dims.nUsers), ids(dims.nItems), 'synthetic');
}

const PARAMS = { factors: 32, iterations: 10 };

/** Holdout NDCG@10 (and the popularity baseline's) of one configuration on the shared split; seconds: fit and scoring. */
async function holdout(data: TrainingData, algorithm: AlgorithmName, implicit?: ImplicitBackend) {
  const split = resolveSplit({ seed: 42 });
  const { train, test } = splitData(data, split);
  const t0 = performance.now();
  const ev = await evaluateOnHoldout({
    data,
    train,
    test,
    algorithm,
    params: resolveParams(algorithm, PARAMS, split.seed),
    ks: [10],
    threads: 2,
    implicit,
  });
  return {
    ndcg: ev.model['ndcg@10']!,
    baseline: ev.baseline['ndcg@10']!,
    seconds: (performance.now() - t0) / 1000,
    fitted: ev.fitted,
  };
}

describe.skipIf(!python)('implicit ALS backend, CPU solver', () => {
  const data = testData();

  it('reaches the native solver’s holdout quality: same objective, same parameters', async () => {
    const native = await holdout(data, 'als');
    const cpu = await holdout(data, 'als-implicit', { python: python!, device: 'cpu' });
    console.log(`${data.source}: NDCG@10 native ${native.ndcg.toFixed(4)}, implicit cpu ${cpu.ndcg.toFixed(4)}`);
    // An ordinary ALS model with implicit's factors, and the device it ran on recorded.
    expect(cpu.fitted).toBeInstanceOf(ImplicitAlsModel);
    expect(cpu.fitted).toBeInstanceOf(AlsModel);
    expect((cpu.fitted as ImplicitAlsModel).summary).toMatchObject({ device: 'cpu', implicit: '0.7.3' });
    expect(cpu.ndcg).toBeGreaterThan(cpu.baseline * 1.1);
    // Different initial factors (implicit's generator), same optimum: within 5 %.
    expect(Math.abs(cpu.ndcg - native.ndcg)).toBeLessThan(0.05 * native.ndcg);
  }, 300_000);

  it('auto without a usable GPU trains natively on the CPU; cuda refuses with the reason', async () => {
    const probe = await probeImplicit(python!);
    expect(probe).toMatchObject({ implicit: '0.7.3', cuda: false });
    expect(probe.reason).toMatch(/implicit\.sh --gpu|CUDA|rmm/);
    const auto = await resolveTrainingDevice({ setting: 'auto', python });
    expect(auto).toMatchObject({ device: 'cpu', backend: 'native' });
    expect(auto.implicit).toBeUndefined();
    expect(auto.reason).toContain('no CUDA GPU usable');
    expect(await resolveTrainingDevice({ setting: 'auto', python: undefined })).toMatchObject({
      device: 'cpu',
      reason: 'IMPLICIT_PYTHON is not set',
    });
    await expect(resolveTrainingDevice({ setting: 'cuda', python })).rejects.toThrow(DeviceUnavailableError);
    await expect(resolveTrainingDevice({ setting: 'cuda', python })).rejects.toThrow(
      /TRAINER_DEVICE=cuda, but no CUDA GPU usable/,
    );
    await expect(resolveTrainingDevice({ setting: 'cuda', python: undefined })).rejects.toThrow(
      /needs IMPLICIT_PYTHON/,
    );
    // A fit asked to use the GPU fails the same way, with a stable code.
    const m = new ImplicitAlsModel({ factors: 8, iterations: 1 }, { python: python!, device: 'cuda' });
    const x = syntheticInteractions({ nUsers: 20, nItems: 10, nnz: 60, seed: 1 });
    await expect(m.fit(buildInteractionMatrix(x, { nUsers: 20, nItems: 10 }).userItems)).rejects.toMatchObject({
      code: 'TRAINER_DEVICE_UNAVAILABLE',
    });
  }, 120_000);

  it('npm run train (the train-gpu CronJob) with TRAINER_DEVICE=cuda and no usable GPU exits 1 saying why', async () => {
    const err: string[] = [];
    const code = await trainCommand(['--algorithm', 'als'], {
      out: () => undefined,
      err: (l) => err.push(l),
      progress: { update: () => undefined, stop: () => undefined },
      // Refused before the database is opened.
      openDatabase: () => Promise.reject(new Error('the database must not be opened')),
      config: {
        RECGRAPH_DATA_DIR: '/tmp',
        PROMOTION_MARGIN: 0.01,
        MLFLOW_EXPERIMENT_NAME: 'x',
        TRAINER_DEVICE: 'cuda',
        IMPLICIT_PYTHON: python!,
      },
    });
    expect(code).toBe(1);
    expect(err.join('\n')).toMatch(/train failed: TRAINER_DEVICE=cuda, but no CUDA GPU usable/);
  }, 120_000);
});

describe.runIf(gpu && gpuPython)('implicit ALS backend, CUDA GPU', () => {
  const data = testData();

  it('auto chooses the GPU', async () => {
    const d = await resolveTrainingDevice({ setting: 'auto', python: gpuPython });
    expect(d).toMatchObject({ device: 'cuda', backend: 'implicit', implicit: { device: 'cuda' } });
  }, 120_000);

  it('the GPU fit’s holdout quality is close to the CPU’s (implicit CPU and native)', async () => {
    const native = await holdout(data, 'als');
    const cpu = await holdout(data, 'als-implicit', { python: gpuPython!, device: 'cpu' });
    const cuda = await holdout(data, 'als-implicit', { python: gpuPython!, device: 'cuda' });
    expect((cuda.fitted as ImplicitAlsModel).summary).toMatchObject({ device: 'cuda' });
    console.log(
      `${data.source}: NDCG@10 native ${native.ndcg.toFixed(4)} (${native.seconds.toFixed(2)} s), ` +
        `implicit cpu ${cpu.ndcg.toFixed(4)} (${cpu.seconds.toFixed(2)} s), cuda ${cuda.ndcg.toFixed(4)} (${cuda.seconds.toFixed(2)} s)`,
    );
    expect(cuda.ndcg).toBeGreaterThan(cuda.baseline * 1.1);
    expect(Math.abs(cuda.ndcg - cpu.ndcg)).toBeLessThan(0.05 * cpu.ndcg);
    expect(Math.abs(cuda.ndcg - native.ndcg)).toBeLessThan(0.05 * native.ndcg);
  }, 600_000);
});
