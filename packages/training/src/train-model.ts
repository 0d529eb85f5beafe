import {
  stratifiedSplit,
  temporalSplit,
  type ContentFactorMapping,
  type Recommender,
  type Split,
} from '@recgraph/recsys';
import type { ProgressCallback } from '@recgraph/data';
import { resolveParams, type AlgorithmName, type ModelParams, type TrainedAlgorithm } from './algorithms.ts';
import { fitConfiguration, type BlendSpec } from './fit-configuration.ts';
import { resolveInputWeighting, type InputWeighting, type ModelWeighting } from './input-weighting.ts';
import { InvalidTrainingOptionsError } from './errors.ts';
import type { SparkBackend } from './spark/spark-als.ts';
import type { ImplicitBackend } from './implicit/implicit-als.ts';
import { tuneOnTrain, type TuningOptions, type TuningResult } from './tuning.ts';
import { evaluateOnHoldout, type HoldoutEvaluation } from './evaluate-split.ts';
import { validatePrimaryMetric } from './metrics.ts';
import type { TrainingData } from './training-data.ts';
import type { RankerDecision } from './reranker/fit-served-ranker.ts';
import type { ServedRanker } from './reranker/served-ranker.ts';

export interface SplitSpec {
  kind: 'stratified' | 'temporal';
  /** Share of each user's distinct items held out (default 0.25). */
  testFraction: number;
  /** Seeds the split and, unless params say otherwise, the model. */
  seed: number;
}

/** An algorithm, or `auto`: the trainer searches algorithms and hyper-parameters (tuning.ts). */
export type TrainerAlgorithm = AlgorithmName | 'auto';

export interface TrainModelOptions {
  data: TrainingData;
  algorithm: TrainerAlgorithm;
  /** The search `auto` runs on the train split (budget default 120 s). */
  tuning?: Partial<Pick<TuningOptions, 'budgetS' | 'space' | 'validationFraction'>>;
  params?: Record<string, unknown>;
  /** How interactions are weighted (event-weight profile, confidence weighting); `auto` searches it. */
  weighting?: Partial<InputWeighting>;
  split?: Partial<SplitSpec>;
  /** Cut-offs to evaluate (default [10, 20]). */
  k?: number | readonly number[];
  /** The metric promotion compares (default "ndcg@10"). */
  primaryMetric?: string;
  /** ALS worker threads (results do not depend on it). */
  threads?: number;
  /** Where als-spark runs. */
  spark?: SparkBackend | undefined;
  /** Where als-implicit runs (the GPU, when the trainer found one). */
  implicit?: ImplicitBackend | undefined;
  onProgress?: ProgressCallback;
}

export interface TrainedModel {
  algorithm: TrainedAlgorithm;
  params: ModelParams;
  /** With algorithm `blend`: its parts and weights (registry parameters record it). */
  blend?: BlendSpec;
  /** The input weighting chosen (registry parameters record it beside params). */
  input: InputWeighting;
  /** What the served model carries: the event weights and the weighting fitted on all data. */
  weighting: ModelWeighting;
  split: SplitSpec;
  ks: number[];
  primaryMetric: string;
  /** Scores on the holdout of the model fitted on the train split, and of popularity. */
  evaluation: HoldoutEvaluation;
  /** The same configuration re-fitted on all data: what gets registered and served. */
  model: Recommender;
  /** The split, so a champion can be re-evaluated on exactly the same holdout. */
  holdout: Split;
  /** With `auto`: every trial of the search and what it chose (fitted on the train split only). */
  tuning?: TuningResult;
  data: TrainingData;
  seconds: number;
  /** Content → item factors (ALS only), fitted on the catalog's content: serves products the model never saw. */
  contentMapping?: ContentFactorMapping;
  /** The re-ranker's holdout figures (run-training, when a ranker Python is configured) … */
  rankerDecision?: Omit<RankerDecision, 'ranker'> | { attached: false; reason: string };
  /** … and the re-ranker itself, attached only when it beat the model alone on the holdout. */
  ranker?: ServedRanker;
}

export const DEFAULT_KS = [10, 20] as const;
export const DEFAULT_PRIMARY_METRIC = 'ndcg@10';

export function resolveSplit(s: Partial<SplitSpec> = {}): SplitSpec {
  const split: SplitSpec = { kind: s.kind ?? 'stratified', testFraction: s.testFraction ?? 0.25, seed: s.seed ?? 42 };
  if (split.kind !== 'stratified' && split.kind !== 'temporal')
    throw new InvalidTrainingOptionsError(
      `split kind must be stratified or temporal, got ${JSON.stringify(split.kind)}`,
    );
  if (!(split.testFraction > 0 && split.testFraction < 1))
    throw new InvalidTrainingOptionsError(
      `testFraction must be between 0 and 1 (exclusive), got ${split.testFraction}`,
    );
  if (!Number.isSafeInteger(split.seed))
    throw new InvalidTrainingOptionsError(`seed must be an integer, got ${split.seed}`);
  return split;
}

export function resolveKs(k: number | readonly number[] = DEFAULT_KS): number[] {
  const ks = [...new Set(typeof k === 'number' ? [k] : k)].sort((a, b) => a - b);
  if (ks.length === 0) throw new InvalidTrainingOptionsError('k needs at least one cut-off');
  for (const v of ks)
    if (!Number.isInteger(v) || v < 1 || v > 1000)
      throw new InvalidTrainingOptionsError(`k must be integers between 1 and 1000, got ${v}`);
  return ks;
}

/** The holdout split a spec describes (deterministic in the data and the seed). */
export function splitData(data: TrainingData, split: SplitSpec): Split {
  return split.kind === 'stratified'
    ? stratifiedSplit(data.interactions, { testFraction: split.testFraction, seed: split.seed })
    : temporalSplit(data.interactions, { fraction: split.testFraction });
}

/**
 * Trains one model: split, fit on the train part, score it beside popularity on
 * the holdout, then fit the same configuration again on ALL data for serving.
 * The holdout numbers therefore describe a model that saw a quarter less data
 * than the one served: a slightly pessimistic, but honest, estimate; serving a
 * model that never saw its users' most recent interactions would be worse.
 */
export async function trainModel(o: TrainModelOptions): Promise<TrainedModel> {
  const started = performance.now();
  const split = resolveSplit(o.split);
  const ks = resolveKs(o.k);
  const primaryMetric = o.primaryMetric ?? DEFAULT_PRIMARY_METRIC;
  validatePrimaryMetric(primaryMetric, ks);
  o.onProgress?.('split', 0, 1);
  const holdout = splitData(o.data, split);
  o.onProgress?.('split', 1, 1);
  // The search sees the train split only: the holdout stays the promotion's judge.
  const tuning =
    o.algorithm === 'auto'
      ? await tuneOnTrain(o.data, holdout.train, {
          budgetS: o.tuning?.budgetS ?? 120,
          ...(o.tuning?.space ? { space: o.tuning.space } : {}),
          ...(o.tuning?.validationFraction ? { validationFraction: o.tuning.validationFraction } : {}),
          seed: split.seed,
          metric: primaryMetric,
          ...(o.threads ? { threads: o.threads } : {}),
          spark: o.spark,
          ...(o.onProgress ? { onProgress: o.onProgress } : {}),
        })
      : undefined;
  // The search runs on this process's kernels; an ALS configuration it chose trains on the GPU when there is one.
  const algorithm: TrainedAlgorithm = tuning
    ? tuning.algorithm === 'als' && o.implicit
      ? 'als-implicit'
      : tuning.algorithm
    : (o.algorithm as AlgorithmName);
  const blend = tuning?.blend;
  const params = tuning ? tuning.params : resolveParams(algorithm as AlgorithmName, o.params, split.seed);
  const input = tuning ? tuning.weighting : resolveInputWeighting(o.weighting);
  const evaluation = await evaluateOnHoldout({
    data: o.data,
    train: holdout.train,
    test: holdout.test,
    algorithm,
    params,
    blend,
    weighting: input,
    ks,
    ...(o.threads ? { threads: o.threads } : {}),
    spark: o.spark,
    implicit: o.implicit,
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
  });

  const { model, weighting } = await fitConfiguration(
    o.data.interactions,
    { nUsers: o.data.users.size, nItems: o.data.items.size },
    { algorithm, params, weighting: input, blend },
    {
      threads: o.threads,
      spark: o.spark,
      implicit: o.implicit,
      onProgress: o.onProgress,
      stage: `fit ${algorithm} (all data)`,
    },
  );

  return {
    algorithm,
    params,
    ...(blend ? { blend } : {}),
    input,
    weighting,
    split,
    ks,
    primaryMetric,
    evaluation,
    model,
    holdout,
    ...(tuning ? { tuning } : {}),
    data: o.data,
    seconds: (performance.now() - started) / 1000,
  };
}
