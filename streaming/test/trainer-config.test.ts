import { describe, expect, it } from 'vitest';
import { loadConfig } from '@recgraph/config';
import type { Database } from '@recgraph/db';
import type { EventBus } from '@recgraph/events';
import { DEFAULT_RANKER_PYTHON, rankerPython } from '@recgraph/training/reranker/lambdamart';
import { trainerOptionsFromConfig } from '../src/from-config.ts';

const load = (env: Record<string, string>) => loadConfig({ env, envFile: false });

describe('trainer and embeddings settings', () => {
  it('defaults to no schedule, auto provider and port 9465', () => {
    const c = load({});
    expect(c.TRAINER_CRON).toBeUndefined();
    expect(c.TRAINER_INTERVAL_MINUTES).toBeUndefined();
    expect(c.TRAINER_AFTER_EVENTS).toBeUndefined();
    expect(c.TRAINER_PORT).toBe(9465);
    expect(c.EMBEDDINGS_PROVIDER).toBe('auto');
    expect(c.TRAINER_EMBEDDINGS).toBe(true);
    // ALS: the GPU only when IMPLICIT_PYTHON has one (auto), else the native kernels.
    expect([c.TRAINER_DEVICE, c.IMPLICIT_PYTHON]).toEqual(['auto', undefined]);
  });

  it('hands TRAINER_DEVICE and IMPLICIT_PYTHON to the trainer; cuda needs IMPLICIT_PYTHON', () => {
    const db = { prisma: {} } as unknown as Database;
    const bus = {} as EventBus;
    const options = (env: Record<string, string>) => trainerOptionsFromConfig(load(env), db, bus);
    expect(options({ TRAINER_DEVICE: 'cuda', IMPLICIT_PYTHON: '/opt/implicit/bin/python' }).device).toEqual({
      setting: 'cuda',
      python: '/opt/implicit/bin/python',
    });
    expect(options({}).device).toEqual({ setting: 'auto', python: undefined });
    expect(() => options({ TRAINER_DEVICE: 'cuda' })).toThrowError(/TRAINER_DEVICE=cuda needs IMPLICIT_PYTHON/);
  });

  it('RANKER_PYTHON: the learned re-ranker with that Python, off for none, a missing path refused', () => {
    const db = { prisma: {} } as unknown as Database;
    const bus = {} as EventBus;
    const training = (env: Record<string, string>) => trainerOptionsFromConfig(load(env), db, bus).training;
    expect(training({ RANKER_PYTHON: process.execPath }).ranker).toEqual({ python: process.execPath });
    expect(training({ RANKER_PYTHON: 'off' }).ranker).toBeUndefined();
    // Unset: .infra/ranker-venv when scripts/infra/ranker.sh installed it, else none.
    expect(training({}).ranker).toEqual(rankerPython(undefined) ? { python: DEFAULT_RANKER_PYTHON } : undefined);
    expect(() => load({ RANKER_PYTHON: '/no/such/python' })).toThrowError(
      /RANKER_PYTHON: expected the path of a Python with lightgbm/,
    );
  });

  it('parses a schedule and an event threshold', () => {
    const c = load({
      TRAINER_CRON: '0 3 * * *',
      TRAINER_INTERVAL_MINUTES: '90',
      TRAINER_AFTER_EVENTS: '5000',
      EMBEDDINGS_PROVIDER: 'cuda',
    });
    expect([c.TRAINER_CRON, c.TRAINER_INTERVAL_MINUTES, c.TRAINER_AFTER_EVENTS, c.EMBEDDINGS_PROVIDER]).toEqual([
      '0 3 * * *',
      90,
      5000,
      'cuda',
    ]);
  });

  it.each([
    ['TRAINER_CRON', 'every night', /TRAINER_CRON: expected a cron expression/],
    ['TRAINER_INTERVAL_MINUTES', '-5', /TRAINER_INTERVAL_MINUTES: expected a positive/],
    ['TRAINER_AFTER_EVENTS', '0', /TRAINER_AFTER_EVENTS: expected at least 1/],
    ['EMBEDDINGS_PROVIDER', 'tpu', /EMBEDDINGS_PROVIDER: expected cpu, cuda, webgpu or auto/],
    ['TRAINER_DEVICE', 'gpu', /TRAINER_DEVICE: expected auto, cpu or cuda/],
  ])('rejects %s=%s', (name, value, pattern) => {
    expect(() => load({ [name]: value })).toThrowError(pattern);
  });
});
