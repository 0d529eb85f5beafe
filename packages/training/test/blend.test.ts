/**
 * The optional blend: the search's best item-item, ALS and popularity models,
 * weights fitted on the validation split, chosen only when it beats every
 * single model there; a registered blend round-trips through the registry.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BlendModel, PopularityModel } from '@recgraph/recsys';
import type { Database } from '@recgraph/db';
import { decodeServingArtifact, encodeServingArtifact } from '../src/artifact-store.ts';
import { fitConfiguration, resolveBlendSpec } from '../src/fit-configuration.ts';
import { loadModelVersion, registerModel } from '../src/registry.ts';
import { splitData, trainModel } from '../src/train-model.ts';
import { tuneOnTrain } from '../src/tuning.ts';
import { forEachBackend, syntheticTrainingData } from './fixtures.ts';

const data = syntheticTrainingData(7);
const dims = { nUsers: data.users.size, nItems: data.items.size };
const spec = resolveBlendSpec({
  parts: [
    { algorithm: 'rp3beta', params: {}, scheme: 'linear' },
    { algorithm: 'als', params: { factors: 8, iterations: 5 }, scheme: 'bm25' },
    { algorithm: 'popularity', params: {}, scheme: 'linear' },
  ],
  weights: [0.6, 0.3, 0.1],
});

it('the search tries a blend of its best models and keeps it only when it beats every single model', async () => {
  const train = splitData(data, { kind: 'stratified', testFraction: 0.25, seed: 42 }).train;
  const r = await tuneOnTrain(data, train, {
    budgetS: 5,
    seed: 42,
    space: { als: { factors: [8], iterations: [5] }, rp3beta: {}, popularity: {} },
  });
  const blend = r.trials.find((t) => t.algorithm === 'blend')!;
  expect(blend.error).toBeUndefined();
  expect(blend.blend!.parts.map((p) => p.algorithm).sort()).toEqual(['als', 'popularity', 'rp3beta']);
  const weights = blend.blend!.weights;
  expect(weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
  const single = Math.max(...r.trials.filter((t) => t.algorithm !== 'blend').map((t) => t.score ?? -1));
  if (blend.score! > single) expect([r.algorithm, r.blend]).toEqual(['blend', blend.blend]);
  else expect(r.algorithm).not.toBe('blend');
  expect(r.score).toBe(Math.max(single, blend.score!));
});

it('a blend says its parts, their weightings and weights, and loads back scoring the same', async () => {
  const fitted = await fitConfiguration(
    data.interactions,
    dims,
    { algorithm: 'blend', params: {}, weighting: { profile: 'deployment', scheme: 'linear' }, blend: spec },
    { stage: 'fit', threads: 1 },
  );
  const loaded = decodeServingArtifact(encodeServingArtifact(fitted.model, data, fitted.weighting));
  const model = loaded.model as BlendModel;
  expect(model).toBeInstanceOf(BlendModel);
  expect(model.parts.map((p) => [p.model.kind, p.weighting.scheme, p.weight])).toEqual([
    ['rp3beta', 'linear', 0.6],
    ['als', 'bm25', 0.3],
    ['popularity', 'linear', 0.1],
  ]);
  expect(model.parts[2]!.model).toBeInstanceOf(PopularityModel);
  const m = fitted.matrix;
  for (const u of [0, 11, 42]) {
    const items = m.indices.subarray(m.indptr[u]!, m.indptr[u + 1]!);
    const w = m.data.subarray(m.indptr[u]!, m.indptr[u + 1]!);
    expect(Array.from(model.scores(items, w))).toEqual(Array.from((fitted.model as BlendModel).scores(items, w)));
  }
});

it('a blend specification the registry cannot re-fit is refused clearly', () => {
  expect(() =>
    resolveBlendSpec({ parts: [{ algorithm: 'als-spark', params: {}, scheme: 'linear' }], weights: [1] }),
  ).toThrow(/cannot be "als-spark"/);
  expect(() => resolveBlendSpec({ parts: [{ algorithm: 'als', params: {}, scheme: 'linear' }], weights: [] })).toThrow(
    /one weight per part/,
  );
});

let modelDir: string;
beforeAll(() => {
  modelDir = mkdtempSync(join(tmpdir(), 'recgraph-blend-'));
});
afterAll(() => rmSync(modelDir, { recursive: true, force: true }));

await forEachBackend('a registered blend', (open) => {
  let db: Database;
  beforeAll(async () => {
    db = await open();
  }, 120_000);
  afterAll(async () => db?.close());

  it('round-trips through the registry: parameters name the parts and weights, the artifact loads as that blend', async () => {
    const base = await trainModel({ data, algorithm: 'popularity' });
    const fitted = await fitConfiguration(
      data.interactions,
      dims,
      { algorithm: 'blend', params: {}, weighting: { profile: 'deployment', scheme: 'linear' }, blend: spec },
      { stage: 'fit', threads: 1 },
    );
    const v = await registerModel(
      db,
      { ...base, algorithm: 'blend', params: {}, blend: spec, model: fitted.model, weighting: fitted.weighting },
      { modelDir },
    );
    expect(v.algorithm).toBe('blend');
    const stored = v.parameters as { blend: unknown; weighting: unknown };
    expect(resolveBlendSpec(stored.blend)).toEqual(spec);
    const loaded = await loadModelVersion(db, v.id);
    expect(loaded.model).toBeInstanceOf(BlendModel);
    expect((loaded.model as BlendModel).parts.map((p) => p.weight)).toEqual(spec.weights);
  }, 120_000);
});
