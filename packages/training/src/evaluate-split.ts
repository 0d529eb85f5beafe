import { confidenceTable, deploymentWeights } from '@recgraph/interactions';
import {
  buildInteractionMatrix,
  evaluateWithBaseline,
  subsetInteractions,
  type CsrMatrix,
  type Exclusion,
  type Interactions,
  type Metrics,
  type Recommender,
} from '@recgraph/recsys';
import type { ProgressCallback } from '@recgraph/data';
import type { ModelParams, TrainedAlgorithm } from './algorithms.ts';
import { fitConfiguration, type BlendSpec, type FittedConfiguration } from './fit-configuration.ts';
import { DEFAULT_INPUT_WEIGHTING, type InputWeighting, type ModelWeighting } from './input-weighting.ts';
import type { SparkBackend } from './spark/spark-als.ts';
import type { ImplicitBackend } from './implicit/implicit-als.ts';
import { InsufficientDataError } from './errors.ts';
import { flattenMetrics, type FlatMetrics } from './metrics.ts';
import type { TrainingData } from './training-data.ts';

export interface HoldoutEvaluation {
  /** Flat metrics of the model and of the popularity baseline fitted on the same train split. */
  model: FlatMetrics;
  baseline: FlatMetrics;
  byK: { k: number; model: Metrics; baseline: Metrics }[];
  testUsers: number;
  trainInteractions: number;
  testInteractions: number;
  /** Seconds the fit took (0 when the configuration came prefitted). */
  fitSeconds: number;
  /** The model fitted on the train split only (for top-k files; not for serving). */
  fitted: Recommender;
  /** The train split as the model saw it (weighted as its configuration says). */
  trainMatrix: CsrMatrix;
  weighting: ModelWeighting;
  /** Users evaluated (with at least one test item), ascending. */
  evaluatedUsers: number[];
  /** Per-user exclusions applied when ranking (dislikes ∪ unavailable items). */
  exclude: ((user: number) => Exclusion) | undefined;
}

export interface EvaluateOnHoldoutOptions {
  data: TrainingData;
  train: Interactions;
  test: Interactions;
  algorithm: TrainedAlgorithm;
  params: ModelParams;
  blend?: BlendSpec | undefined;
  /** The configuration already fitted on `train` (the blend search's parts): scored, not fitted again. */
  prefitted?: FittedConfiguration;
  /** How the train split is weighted (default: the deployment's table, linear). */
  weighting?: InputWeighting;
  ks: readonly number[];
  threads?: number;
  spark?: SparkBackend | undefined;
  implicit?: ImplicitBackend | undefined;
  onProgress?: ProgressCallback;
}

/** dislikes[u] ∪ unavailable items; undefined when there is nothing to exclude (lets models batch). */
export function exclusionFor(data: TrainingData): ((user: number) => Exclusion) | undefined {
  if (data.dislikes.size === 0 && data.unavailableItems.size === 0) return undefined;
  const cache = new Map<number, Set<number>>();
  return (u) => {
    let s = cache.get(u);
    if (!s) cache.set(u, (s = new Set([...data.unavailableItems, ...(data.dislikes.get(u) ?? [])])));
    return s;
  };
}

/**
 * Fits `algorithm` on the train split and scores it and the popularity baseline
 * on the holdout at every k. Holdout events on unavailable (archived) items are
 * dropped: no model may recommend them, so they would only lower every score alike.
 */
export async function evaluateOnHoldout(o: EvaluateOnHoldoutOptions): Promise<HoldoutEvaluation> {
  const { data } = o;
  const dims = { nUsers: data.users.size, nItems: data.items.size };
  let test = o.test;
  if (data.unavailableItems.size) {
    const keep: number[] = [];
    for (let e = 0; e < test.item.length; e++) if (!data.unavailableItems.has(test.item[e]!)) keep.push(e);
    test = subsetInteractions(test, keep);
  }
  if (o.train.user.length === 0) throw new InsufficientDataError('the train split is empty');
  if (test.user.length === 0)
    throw new InsufficientDataError('the holdout is empty: users need more interactions to be split');
  // The holdout is weighed the same way for every configuration, so their scores compare.
  const testMatrix = buildInteractionMatrix(test, {
    ...dims,
    confidence: confidenceTable(deploymentWeights()),
  }).userItems;
  const fitStarted = performance.now();
  const {
    model: fitted,
    matrix: trainMatrix,
    weighting,
  } = o.prefitted ??
  (await fitConfiguration(
    o.train,
    dims,
    {
      algorithm: o.algorithm,
      params: o.params,
      weighting: o.weighting ?? DEFAULT_INPUT_WEIGHTING,
      blend: o.blend,
    },
    {
      threads: o.threads,
      spark: o.spark,
      implicit: o.implicit,
      onProgress: o.onProgress,
      stage: `fit ${o.algorithm} (train split)`,
    },
  ));
  const fitSeconds = o.prefitted ? 0 : (performance.now() - fitStarted) / 1000;

  const exclude = exclusionFor(data);
  const categories = data.categories.size ? data.itemCategories : undefined;
  const byK: HoldoutEvaluation['byK'] = [];
  for (const [j, k] of o.ks.entries()) {
    const r = await evaluateWithBaseline(fitted, trainMatrix, testMatrix, {
      k,
      excludeSeen: true,
      ...(categories ? { categories } : {}),
      ...(exclude ? { exclude } : {}),
    });
    byK.push({ k, model: r.model, baseline: r.baseline });
    o.onProgress?.(`evaluate ${o.algorithm}`, j + 1, o.ks.length);
  }
  const evaluatedUsers: number[] = [];
  for (let u = 0; u < testMatrix.nRows; u++)
    if (testMatrix.indptr[u + 1]! > testMatrix.indptr[u]!) evaluatedUsers.push(u);
  return {
    model: Object.assign({}, ...byK.map((b) => flattenMetrics(b.model))),
    baseline: Object.assign({}, ...byK.map((b) => flattenMetrics(b.baseline))),
    byK,
    testUsers: byK[0]?.model.users ?? 0,
    trainInteractions: o.train.user.length,
    testInteractions: test.user.length,
    fitSeconds,
    fitted,
    trainMatrix,
    weighting,
    evaluatedUsers,
    exclude,
  };
}
