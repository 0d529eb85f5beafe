import { confidenceTable } from '@recgraph/interactions';
import {
  BlendModel,
  decayedPopularity,
  isWeightingScheme,
  PopularityModel,
  WEIGHTING_SCHEMES,
  type WeightingScheme,
  type CsrMatrix,
  type Interactions,
  type Recommender,
} from '@recgraph/recsys';
import type { ProgressCallback } from '@recgraph/data';
import {
  createModel,
  isAlgorithm,
  resolveParams,
  type AlgorithmName,
  type ModelParams,
  type TrainedAlgorithm,
} from './algorithms.ts';
import { InvalidTrainingOptionsError } from './errors.ts';
import { weightedMatrix, type InputWeighting, type ModelWeighting } from './input-weighting.ts';
import type { SparkBackend } from './spark/spark-als.ts';
import type { ImplicitBackend } from './implicit/implicit-als.ts';

/** Everything that decides a fitted model: the algorithm, its parameters and how its input is weighted. */
export interface Configuration {
  algorithm: TrainedAlgorithm;
  params: ModelParams;
  /** A blend's event-weight profile is its parts' (its scheme: linear, each part re-weights on its own). */
  weighting: InputWeighting;
  /** With algorithm `blend`: its parts and weights. */
  blend?: BlendSpec | undefined;
}

/** A blend as the registry records it: each part's algorithm, parameters and confidence weighting, and the weights. */
export interface BlendSpec {
  parts: { algorithm: AlgorithmName; params: ModelParams; scheme: WeightingScheme }[];
  weights: number[];
}

/** Validates a stored blend (the champion's re-fit reads it back from the registry). */
export function resolveBlendSpec(v: unknown, seed = 42): BlendSpec {
  const o = v as { parts?: unknown; weights?: unknown } | null | undefined;
  if (
    !o ||
    !Array.isArray(o.parts) ||
    !Array.isArray(o.weights) ||
    o.parts.length !== o.weights.length ||
    !o.parts.length
  )
    throw new InvalidTrainingOptionsError('a blend needs parts and one weight per part');
  const parts = o.parts.map((p: { algorithm?: unknown; params?: unknown; scheme?: unknown }) => {
    if (!isAlgorithm(p.algorithm) || p.algorithm === 'als-spark' || p.algorithm === 'als-implicit')
      throw new InvalidTrainingOptionsError(`a blend part cannot be ${JSON.stringify(p.algorithm)}`);
    if (!isWeightingScheme(p.scheme))
      throw new InvalidTrainingOptionsError(`a blend part's weighting must be one of ${WEIGHTING_SCHEMES.join(', ')}`);
    return {
      algorithm: p.algorithm,
      params: resolveParams(p.algorithm, p.params as Record<string, unknown>, seed),
      scheme: p.scheme,
    };
  });
  const weights = o.weights.map((w: unknown) => {
    if (typeof w !== 'number' || !(w >= 0) || !Number.isFinite(w))
      throw new InvalidTrainingOptionsError('blend weights must be numbers ≥ 0');
    return w;
  });
  return { parts, weights };
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
  implicit?: ImplicitBackend | undefined;
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
  if (c.algorithm === 'blend') return fitBlend(x, dims, c, o);
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
    model = createModel(c.algorithm, c.params, o.threads, o.spark, o.implicit);
    await model.fit(matrix, { onProgress: (p) => o.onProgress?.(o.stage, p.iteration, p.iterations) });
  }
  o.onProgress?.(o.stage, iterations, iterations);
  return { model, matrix, weighting };
}

/**
 * A blend: every part fitted on its own weighting of the same events (one
 * event-weight profile), then weighed. Its matrix is the profile's plain sums,
 * which the blend hands each part re-weighted — at training as at serving.
 */
async function fitBlend(
  x: Interactions,
  dims: { nUsers: number; nItems: number },
  c: Configuration,
  o: FitOptions,
): Promise<FittedConfiguration> {
  if (!c.blend) throw new InvalidTrainingOptionsError('algorithm blend needs its parts');
  const profile = c.weighting.profile;
  const parts = [];
  for (const [k, p] of c.blend.parts.entries()) {
    const fitted = await fitConfiguration(
      x,
      dims,
      { algorithm: p.algorithm, params: p.params, weighting: { profile, scheme: p.scheme } },
      { ...o, stage: `${o.stage}: part ${k + 1} ${p.algorithm}` },
    );
    parts.push({ model: fitted.model, weighting: fitted.weighting.fitted, weight: c.blend.weights[k]! });
  }
  const { matrix, weighting } = weightedMatrix(x, dims, { profile, scheme: 'linear' });
  return { model: new BlendModel(parts), matrix, weighting };
}
