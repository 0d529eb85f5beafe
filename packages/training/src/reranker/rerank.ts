import { confidenceTable, deploymentWeights } from '@recgraph/interactions';
import type { BlendModel } from '@recgraph/recsys';
import {
  buildInteractionMatrix,
  stratifiedSplit,
  topKScores,
  userRankingMetrics,
  type CsrMatrix,
  type Interactions,
} from '@recgraph/recsys';
import { InsufficientDataError, InvalidTrainingOptionsError } from '../errors.ts';
import { exclusionFor } from '../evaluate-split.ts';
import { fitConfiguration, type BlendSpec } from '../fit-configuration.ts';
import type { InputWeighting } from '../input-weighting.ts';
import type { TrainingData } from '../training-data.ts';
import { candidateFeatures, featureNames, itemStats, itemsByRecency, type ItemStats } from './features.ts';
import { OnnxRanker, trainLambdaMart, type LambdaMartParams, type RankingRows } from './lambdamart.ts';

/**
 * The candidate generator a re-ranker sits on: a blend whose weights rank the
 * candidates (one part at weight 1 and the rest at 0 is a single model with the
 * others' scores as features), each part's scaled score being a feature.
 */
export interface GeneratorSpec {
  blend: BlendSpec;
  weighting: InputWeighting;
}

/** One user's top-N candidates in the generator's order, with each part's score for them. */
export interface UserCandidates {
  user: number;
  candidates: number[];
  partScores: Float64Array[];
}

/** The generator fitted on some interactions, with what the features need of those same interactions. */
export interface FittedGenerator {
  blend: BlendModel;
  matrix: CsrMatrix;
  stats: ItemStats;
  recency: number[][];
  partNames: string[];
}

export async function fitGenerator(
  data: TrainingData,
  x: Interactions,
  spec: GeneratorSpec,
  prices?: Float64Array,
): Promise<FittedGenerator> {
  const dims = { nUsers: data.users.size, nItems: data.items.size };
  const fitted = await fitConfiguration(
    x,
    dims,
    { algorithm: 'blend', params: {}, weighting: spec.weighting, blend: spec.blend },
    { stage: 'fit re-ranker candidate generator' },
  );
  return {
    blend: fitted.model as BlendModel,
    matrix: fitted.matrix,
    stats: itemStats(x, dims.nItems, data.itemCategories, prices),
    recency: itemsByRecency(x, dims.nUsers),
    partNames: spec.blend.parts.map((p, k) => `${k}_${p.algorithm}`),
  };
}

/** The user's top-n unseen, allowed items by the generator, and every part's score on them. */
export function userCandidates(
  g: FittedGenerator,
  user: number,
  n: number,
  exclude?: Set<number> | undefined,
): UserCandidates {
  const m = g.matrix;
  const items = m.indices.subarray(m.indptr[user]!, m.indptr[user + 1]!);
  const per = g.blend.partScores(items, m.data.subarray(m.indptr[user]!, m.indptr[user + 1]!));
  const blended = new Float64Array(per[0]!.length);
  g.blend.parts.forEach((p, k) => {
    if (p.weight === 0) return;
    const s = per[k]!;
    for (let i = 0; i < s.length; i++) if (Number.isFinite(s[i]!)) blended[i]! += p.weight * s[i]!;
  });
  const ex = new Set<number>(items);
  if (exclude) for (const i of exclude) ex.add(i);
  const candidates = Array.from(topKScores(blended, n, ex).items);
  return { user, candidates, partScores: per.map((s) => Float64Array.from(candidates, (i) => s[i]!)) };
}

export function featuresFor(g: FittedGenerator, c: UserCandidates): Float32Array {
  return candidateFeatures(g.stats, { items: g.recency[c.user]! }, c.candidates, c.partScores);
}

export function relevantByUser(test: Interactions, nUsers: number, nItems: number): Map<number, Set<number>> {
  const t = buildInteractionMatrix(test, {
    nUsers,
    nItems,
    confidence: confidenceTable(deploymentWeights()),
  }).userItems;
  const out = new Map<number, Set<number>>();
  for (let u = 0; u < t.nRows; u++)
    if (t.indptr[u + 1]! > t.indptr[u]!) out.set(u, new Set(t.indices.subarray(t.indptr[u]!, t.indptr[u + 1]!)));
  return out;
}

/**
 * Validation draws LambdaMART learns from. One split of MovieLens-small gives ~600 users
 * with a handful of positives each, too few for the trees; three draws (each user's items
 * shuffled afresh, the generator re-fitted on each rest) triple the rows, and the
 * re-ranked ALS there went from +0.0 % to +1.7 % on the holdout (README).
 */
export const DEFAULT_RANKER_DRAWS = 3;

/**
 * LambdaMART's training rows, for the eval and the trainer alike: `draws` validation
 * splits carved from `train` (seeds seed+2, seed+1002, …: the first is the single split
 * used before), `rowsFor` fitting the generator on each split's rest; labels = the
 * validation items among each user's candidates, one group per user and draw (users
 * with none among them teach nothing and are left out).
 */
export async function validationRows(
  train: Interactions,
  o: { draws?: number; validationFraction: number; seed: number; nUsers: number; nItems: number },
  rowsFor: (fitPart: Interactions) => Promise<(user: number) => { candidates: number[]; features: Float32Array }>,
): Promise<{ features: Float32Array; labels: Float32Array; groups: Int32Array }> {
  const draws = o.draws ?? DEFAULT_RANKER_DRAWS;
  if (!Number.isInteger(draws) || draws < 1)
    throw new InvalidTrainingOptionsError(`re-ranker validation draws must be a positive integer, got ${draws}`);
  const chunks: Float32Array[] = [];
  const labels: number[] = [];
  const groups: number[] = [];
  for (let d = 0; d < draws; d++) {
    const split = stratifiedSplit(train, { testFraction: o.validationFraction, seed: o.seed + 2 + d * 1000 });
    if (split.test.user.length === 0)
      throw new InsufficientDataError('too little data for a re-ranker validation split');
    const rows = await rowsFor(split.train);
    for (const [u, relevant] of relevantByUser(split.test, o.nUsers, o.nItems)) {
      const r = rows(u);
      if (!r.candidates.some((i) => relevant.has(i))) continue; // nothing to learn from this user
      chunks.push(r.features);
      for (const i of r.candidates) labels.push(relevant.has(i) ? 1 : 0);
      groups.push(r.candidates.length);
    }
  }
  return { features: concat(chunks), labels: Float32Array.from(labels), groups: Int32Array.from(groups) };
}

export interface RerankerEvaluationOptions {
  data: TrainingData;
  /** The train part of the holdout; the validation split LambdaMART learns from is carved from it. */
  train: Interactions;
  /** The holdout: only scored, never trained on. */
  test: Interactions;
  generator: GeneratorSpec;
  /** Python with lightgbm and onnxmltools (scripts/infra/ranker.sh). */
  python: string;
  /** Candidates re-ranked per user. */
  candidates?: number;
  k?: number;
  seed?: number;
  validationFraction?: number;
  /** Validation draws LambdaMART learns from (default DEFAULT_RANKER_DRAWS). */
  draws?: number;
  params?: LambdaMartParams;
  prices?: Float64Array;
}

export interface RerankerEvaluation {
  k: number;
  /** nDCG@k on the holdout: the generator's own order, and the re-ranked order of the same candidates. */
  generatorNdcg: number;
  rerankedNdcg: number;
  users: number;
  trainingRows: number;
  /** Users with a label among their candidates, counted once per validation draw. */
  trainingUsers: number;
  featureNames: string[];
  onnx: Uint8Array;
  /** LightGBM's own dump of the trees (deterministic for the same rows; the ONNX file names a random graph id). */
  lightgbm: string;
  seconds: number;
}

/**
 * Trains LambdaMART on validation splits carved from `train` (validationRows: the
 * generator fitted on each rest, labels = the validation items among each user's top-N) and then
 * compares, on the holdout, the generator's top-k with the ONNX re-ranker's top-k of
 * the same top-N candidates (the generator re-fitted on all of `train`, as serving would).
 */
export async function evaluateReranker(o: RerankerEvaluationOptions): Promise<RerankerEvaluation> {
  const started = performance.now();
  const n = o.candidates ?? 100;
  const k = o.k ?? 10;
  const { nUsers, nItems } = { nUsers: o.data.users.size, nItems: o.data.items.size };
  const exclude = exclusionFor(o.data);
  let names: string[] = [];
  const learnt = await validationRows(
    o.train,
    { draws: o.draws, validationFraction: o.validationFraction ?? 0.2, seed: o.seed ?? 42, nUsers, nItems },
    async (fitPart) => {
      const gv = await fitGenerator(o.data, fitPart, o.generator, o.prices);
      names = featureNames(gv.partNames);
      return (u) => {
        const c = userCandidates(gv, u, n, exclude?.(u) as Set<number> | undefined);
        return { candidates: c.candidates, features: featuresFor(gv, c) };
      };
    },
  );
  const rows: RankingRows = { featureNames: names, ...learnt };
  const trained = await trainLambdaMart(o.python, rows, { seed: o.seed ?? 42, ...o.params });

  const g = await fitGenerator(o.data, o.train, o.generator, o.prices);
  const holdout = await compareOnHoldout(trained.onnx, names.length, relevantByUser(o.test, nUsers, nItems), k, (u) => {
    const c = userCandidates(g, u, n, exclude?.(u) as Set<number> | undefined);
    return { candidates: c.candidates, features: featuresFor(g, c) };
  });
  return {
    k,
    ...holdout,
    trainingRows: learnt.labels.length,
    trainingUsers: learnt.groups.length,
    featureNames: names,
    onnx: trained.onnx,
    lightgbm: trained.lightgbm,
    seconds: (performance.now() - started) / 1000,
  };
}

/**
 * nDCG@k over `users` (user → relevant items) of the generator's own order of each user's
 * candidates and of the ONNX re-ranker's order of the same candidates (one session, released after).
 */
export async function compareOnHoldout(
  onnx: Uint8Array,
  nFeatures: number,
  users: Iterable<[number, Set<number>]>,
  k: number,
  rows: (user: number) => { candidates: number[]; features: Float32Array },
): Promise<{ generatorNdcg: number; rerankedNdcg: number; users: number }> {
  const ranker = await OnnxRanker.load(onnx, nFeatures);
  let gen = 0;
  let rer = 0;
  let n = 0;
  try {
    for (const [u, relevant] of users) {
      const r = rows(u);
      const order = rerankOrder(await ranker.score(r.features));
      gen += userRankingMetrics(r.candidates, relevant, k).ndcg;
      rer += userRankingMetrics(
        order.map((j) => r.candidates[j]!),
        relevant,
        k,
      ).ndcg;
      n++;
    }
  } finally {
    await ranker.release();
  }
  return { generatorNdcg: n ? gen / n : 0, rerankedNdcg: n ? rer / n : 0, users: n };
}

/** Candidate positions by descending re-ranker score; ties keep the generator's order. */
export function rerankOrder(scores: ArrayLike<number>): number[] {
  return Array.from({ length: scores.length }, (_, j) => j).sort((a, b) => scores[b]! - scores[a]! || a - b);
}

export function concat(chunks: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(chunks.reduce((s, c) => s + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
