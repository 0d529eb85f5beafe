import {
  BlendModel,
  buildInteractionMatrix,
  topKScores,
  userRankingMetrics,
  type Interactions,
  type WeightingScheme,
} from '@recgraph/recsys';
import { confidenceTable, deploymentWeights } from '@recgraph/interactions';
import type { AlgorithmName } from './algorithms.ts';
import { evaluateOnHoldout, exclusionFor } from './evaluate-split.ts';
import { fitConfiguration, type BlendSpec, type FittedConfiguration } from './fit-configuration.ts';
import type { InputWeighting } from './input-weighting.ts';
import type { TrainingData } from './training-data.ts';
import type { Trial } from './tuning.ts';

/** The candidate generators a blend combines: the best item-item model, the best ALS and the best popularity. */
const FAMILIES: readonly (readonly AlgorithmName[])[] = [['ease', 'sparse-ease', 'rp3beta'], ['als'], ['popularity']];

/** Users the weights are fitted on (a seeded-order prefix), and candidates per part and user. */
const MAX_USERS = 2000;
const CANDIDATES = 100;
const STEP = 0.1;

export interface BlendSearchOptions {
  data: TrainingData;
  /** The validation split the trials were scored on. */
  train: Interactions;
  test: Interactions;
  k: number;
  metric: string;
  threads?: number | undefined;
}

/** Every weight vector on the simplex with step STEP (each part at least STEP: a zero weight is a smaller blend). */
function simplex(n: number): number[][] {
  const steps = Math.round(1 / STEP);
  const out: number[][] = [];
  const rec = (prefix: number[], left: number) => {
    if (prefix.length === n - 1) {
      if (left >= 1) out.push([...prefix, left].map((s) => s / steps));
      return;
    }
    for (let s = 1; s <= left - (n - 1 - prefix.length); s++) rec([...prefix, s], left - s);
  };
  rec([], steps);
  return out;
}

/**
 * An optional blend of the search's best candidate generators (item-item, ALS,
 * popularity), weights fitted on the same validation split the trials were
 * scored on: each part is fitted once on the validation's train part, the weights
 * are chosen on the union of each part's top candidates per user, and the chosen
 * blend is then scored exactly like every trial (evaluateOnHoldout). Undefined
 * when fewer than two families produced a model. The caller keeps it only if it
 * beats the best single model.
 */
export async function searchBlend(trials: readonly Trial[], o: BlendSearchOptions): Promise<Trial | undefined> {
  const started = performance.now();
  const scored = trials.filter(
    (t): t is Trial & { score: number } => t.algorithm !== 'blend' && t.score !== null && Number.isFinite(t.score),
  );
  const bests = FAMILIES.map(
    (f) => scored.filter((t) => f.includes(t.algorithm as AlgorithmName)).sort((a, b) => b.score - a.score)[0],
  ).filter((t): t is Trial & { score: number } => t !== undefined);
  if (bests.length < 2) return undefined;
  // One event-weight profile for all parts (serving sums a user's history once): the best trial's.
  const top = [...bests].sort((a, b) => b.score - a.score)[0]!;
  const weighting: InputWeighting = { profile: top.weighting.profile, scheme: 'linear' };
  const dims = { nUsers: o.data.users.size, nItems: o.data.items.size };
  const parts: { algorithm: AlgorithmName; params: Trial['params']; scheme: WeightingScheme }[] = bests.map((t) => ({
    algorithm: t.algorithm as AlgorithmName,
    params: t.params,
    scheme: t.weighting.scheme,
  }));
  const spec0: BlendSpec = { parts, weights: parts.map(() => 1 / parts.length) };
  const fitted = await fitConfiguration(
    o.train,
    dims,
    { algorithm: 'blend', params: {}, weighting, blend: spec0 },
    { stage: 'blend parts', threads: o.threads },
  );
  const blend = fitted.model as BlendModel;

  // Each validation user's candidates (the union of every part's top CANDIDATES) and every part's scaled scores on them.
  const test = buildInteractionMatrix(o.test, { ...dims, confidence: confidenceTable(deploymentWeights()) }).userItems;
  const exclude = exclusionFor(o.data);
  const m = fitted.matrix;
  const users: { relevant: Set<number>; candidates: number[]; scores: Float64Array[] }[] = [];
  for (let u = 0; u < test.nRows && users.length < MAX_USERS; u++) {
    if (test.indptr[u + 1]! === test.indptr[u]!) continue;
    const items = m.indices.subarray(m.indptr[u]!, m.indptr[u + 1]!);
    const per = blend.partScores(items, m.data.subarray(m.indptr[u]!, m.indptr[u + 1]!));
    const ex = new Set<number>(items);
    if (exclude) for (const i of exclude(u) as Set<number>) ex.add(i);
    const candidates = new Set<number>();
    for (const s of per) for (const i of topKScores(s, CANDIDATES, ex).items) candidates.add(i);
    const list = [...candidates];
    users.push({
      relevant: new Set(test.indices.subarray(test.indptr[u]!, test.indptr[u + 1]!)),
      candidates: list,
      scores: per.map((s) => Float64Array.from(list, (i) => s[i]!)),
    });
  }
  if (!users.length) return undefined;
  let bestWeights = spec0.weights;
  let bestScore = -Infinity;
  for (const w of simplex(parts.length)) {
    let sum = 0;
    for (const u of users) {
      const s = new Float64Array(u.candidates.length);
      for (let p = 0; p < w.length; p++) {
        const ps = u.scores[p]!;
        for (let j = 0; j < s.length; j++) if (Number.isFinite(ps[j]!)) s[j]! += w[p]! * ps[j]!;
      }
      const top = topKScores(s, o.k);
      sum += userRankingMetrics(
        Array.from(top.items, (j) => u.candidates[j]!),
        u.relevant,
        o.k,
      ).ndcg;
    }
    if (sum > bestScore) {
      bestScore = sum;
      bestWeights = w;
    }
  }
  const spec: BlendSpec = { parts, weights: bestWeights };
  // Scored exactly as every single model was: the same validation, the same evaluation.
  const chosen: FittedConfiguration = {
    ...fitted,
    model: new BlendModel(blend.parts.map((p, k) => ({ ...p, weight: bestWeights[k]! }))),
  };
  const ev = await evaluateOnHoldout({
    data: o.data,
    train: o.train,
    test: o.test,
    algorithm: 'blend',
    params: {},
    blend: spec,
    weighting,
    prefitted: chosen,
    ks: [o.k],
  });
  return {
    algorithm: 'blend',
    params: Object.fromEntries(parts.map((p, k) => [`w_${p.algorithm}`, bestWeights[k]!])),
    weighting,
    blend: spec,
    score: ev.model[o.metric] ?? null,
    seconds: (performance.now() - started) / 1000,
  };
}
