import { availableParallelism } from 'node:os';
import { z } from 'zod';
import {
  AlsModel,
  DEFAULT_ALS_OPTIONS,
  DEFAULT_EASE_OPTIONS,
  EaseModel,
  PopularityModel,
  type Recommender,
} from '@recgraph/recsys';
import { InvalidTrainingOptionsError } from './errors.ts';

export const ALGORITHMS = ['als', 'ease', 'popularity'] as const;
export type AlgorithmName = (typeof ALGORITHMS)[number];

/** Hyper-parameters as recorded in the registry: plain JSON, every default filled in. */
export type ModelParams = Record<string, number>;

const alsParams = z
  .object({
    factors: z.number().int().min(1).max(1024),
    regularization: z.number().min(0),
    alpha: z.number().min(0),
    iterations: z.number().int().min(1).max(500),
    cgSteps: z.number().int().min(1).max(50),
    seed: z.number().int(),
  })
  .partial()
  .strict();

const easeParams = z
  .object({
    regularization: z.number().positive(),
    /** Fit on the N most popular items only (EASE is dense n×n). */
    topItems: z.number().int().min(1),
    maxItems: z.number().int().min(1),
  })
  .partial()
  .strict();

const popularityParams = z.object({}).strict();

export function isAlgorithm(name: unknown): name is AlgorithmName {
  return typeof name === 'string' && (ALGORITHMS as readonly string[]).includes(name);
}

/**
 * Validates `params` for `algorithm` and fills the defaults, so the registry
 * records exactly what was trained and the configuration can be re-fitted later
 * (champion/challenger) with the same result. ALS's seed defaults to the split
 * seed: one number makes the whole run reproducible.
 */
export function resolveParams(algorithm: AlgorithmName, params: Record<string, unknown> = {}, seed = 42): ModelParams {
  if (!isAlgorithm(algorithm))
    throw new InvalidTrainingOptionsError(
      `unknown algorithm ${JSON.stringify(algorithm)}; expected one of ${ALGORITHMS.join(', ')}`,
    );
  const schema = algorithm === 'als' ? alsParams : algorithm === 'ease' ? easeParams : popularityParams;
  const r = schema.safeParse(params ?? {});
  if (!r.success)
    throw new InvalidTrainingOptionsError(
      `invalid ${algorithm} parameters: ` +
        r.error.issues.map((i) => `${i.path.join('.') || '(params)'}: ${i.message}`).join('; '),
    );
  if (algorithm === 'als') {
    const d = DEFAULT_ALS_OPTIONS;
    return {
      factors: d.factors,
      regularization: d.regularization,
      alpha: d.alpha,
      iterations: d.iterations,
      cgSteps: d.cgSteps,
      seed,
      ...(r.data as ModelParams),
    };
  }
  if (algorithm === 'ease')
    return {
      regularization: DEFAULT_EASE_OPTIONS.regularization,
      maxItems: DEFAULT_EASE_OPTIONS.maxItems,
      ...(r.data as ModelParams),
    };
  return {};
}

/** Worker threads for ALS: results are identical for any count, so this is not a parameter. */
export const defaultThreads = (): number => Math.max(1, Math.min(availableParallelism(), 4));

/** An unfitted model for resolved parameters. */
export function createModel(algorithm: AlgorithmName, params: ModelParams, threads = defaultThreads()): Recommender {
  switch (algorithm) {
    case 'als':
      return new AlsModel({ ...params, threads, calculateTrainingLoss: false });
    case 'ease':
      return new EaseModel(params);
    case 'popularity':
      return new PopularityModel();
  }
}
