import { confidenceTable } from '@recgraph/interactions';
import {
  decayedPopularity,
  PopularityModel,
  type CsrMatrix,
  type Interactions,
  type Recommender,
} from '@recgraph/recsys';
import type { ProgressCallback } from '@recgraph/data';
import { createModel, type AlgorithmName, type ModelParams } from './algorithms.ts';
import { weightedMatrix, type InputWeighting, type ModelWeighting } from './input-weighting.ts';
import type { SparkBackend } from './spark/spark-als.ts';

/** Everything that decides a fitted model: the algorithm, its parameters and how its input is weighted. */
export interface Configuration {
  algorithm: AlgorithmName;
  params: ModelParams;
  weighting: InputWeighting;
}

export interface FittedConfiguration {
  model: Recommender;
  /** The matrix it was fitted on (weighted as `weighting` says). */
  matrix: CsrMatrix;
  weighting: ModelWeighting;
}

export interface FitOptions {
  threads?: number | undefined;
  spark?: SparkBackend | undefined;
  onProgress?: ProgressCallback | undefined;
  /** Progress stage name. */
  stage: string;
}

/**
 * Fits a configuration on `x` — the one place the trainer, its search and the
 * champion's re-fit turn interactions into a model. Popularity with a half-life
 * scores Σ weight · 2^(−age/halfLife) up to the latest event (recsys
 * decayedPopularity), the formula the serving windows use; without one it counts users.
 */
export async function fitConfiguration(
  x: Interactions,
  dims: { nUsers: number; nItems: number },
  c: Configuration,
  o: FitOptions,
): Promise<FittedConfiguration> {
  const { matrix, weighting } = weightedMatrix(x, dims, c.weighting);
  const iterations = c.params.iterations ?? 1;
  o.onProgress?.(o.stage, 0, iterations);
  let model: Recommender;
  if (c.algorithm === 'popularity' && (c.params.halfLifeS ?? 0) > 0) {
    const scores = decayedPopularity(x, {
      nItems: dims.nItems,
      halfLife: c.params.halfLifeS!,
      confidence: confidenceTable(weighting.events),
    });
    model = PopularityModel.fromScores(scores, dims.nUsers);
  } else {
    model = createModel(c.algorithm, c.params, o.threads, o.spark);
    await model.fit(matrix, { onProgress: (p) => o.onProgress?.(o.stage, p.iteration, p.iterations) });
  }
  o.onProgress?.(o.stage, iterations, iterations);
  return { model, matrix, weighting };
}
