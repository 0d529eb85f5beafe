import { availableParallelism } from 'node:os';
import { z } from 'zod';
import {
  AlsModel,
  DEFAULT_ALS_OPTIONS,
  DEFAULT_EASE_OPTIONS,
  DEFAULT_RP3BETA_OPTIONS,
  DEFAULT_SPARSE_EASE_OPTIONS,
  EaseModel,
  PopularityModel,
  Rp3betaModel,
  SparseEaseModel,
  type Recommender,
} from '@recgraph/recsys';
import { InvalidTrainingOptionsError } from './errors.ts';
import { SparkAlsModel, type SparkBackend } from './spark/spark-als.ts';
import { ImplicitAlsModel, type ImplicitBackend } from './implicit/implicit-als.ts';

/**
 * Dense EASE refuses catalogs over maxItems (n³ time, n² memory); sparse-ease and rp3beta are the
 * item-item models for any catalog size. The registry promotes whichever evaluates best.
 * als-spark and als-implicit are the native ALS objective fitted elsewhere (Spark; `implicit`,
 * on a CUDA GPU in production): backends, never searched or blended.
 */
export const ALGORITHMS = ['als', 'als-spark', 'als-implicit', 'ease', 'sparse-ease', 'rp3beta', 'popularity'] as const;
export type AlgorithmName = (typeof ALGORITHMS)[number];

/** What a trained model can be: one algorithm, or a blend of several (blend.ts; only the search makes one). */
export type TrainedAlgorithm = AlgorithmName | 'blend';

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

const sparseEaseParams = z
  .object({
    regularization: z.number().positive(),
    /** Items each item's column is regressed on. */
    neighbours: z.number().int().min(1).max(2000),
    /** Gram entries kept per item (≥ neighbours). */
    gramNeighbours: z.number().int().min(1).max(20000),
  })
  .partial()
  .strict();

const rp3betaParams = z
  .object({
    alpha: z.number().min(0),
    beta: z.number().min(0),
    neighbours: z.number().int().min(1).max(20000),
  })
  .partial()
  .strict();

const popularityParams = z
  .object({
    /** Seconds for an event's weight to halve (0: no decay, count users). */
    halfLifeS: z.number().min(0),
  })
  .partial()
  .strict();

const SCHEMAS = {
  als: alsParams,
  'als-spark': alsParams,
  'als-implicit': alsParams,
  ease: easeParams,
  'sparse-ease': sparseEaseParams,
  rp3beta: rp3betaParams,
  popularity: popularityParams,
} as const;

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
  const schema = SCHEMAS[algorithm];
  const r = schema.safeParse(params ?? {});
  if (!r.success)
    throw new InvalidTrainingOptionsError(
      `invalid ${algorithm} parameters: ` +
        r.error.issues.map((i) => `${i.path.join('.') || '(params)'}: ${i.message}`).join('; '),
    );
  if (algorithm === 'als-spark') {
    // Spark's ALS-WR scales λ by each row's count: its own default, not the native one.
    const d = DEFAULT_ALS_OPTIONS;
    return {
      factors: d.factors,
      regularization: 0.1,
      alpha: d.alpha,
      iterations: 10,
      cgSteps: d.cgSteps,
      seed,
      ...(r.data as ModelParams),
    };
  }
  if (algorithm === 'als' || algorithm === 'als-implicit') {
    // implicit solves the native objective: the same parameters mean the same model.
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
  if (algorithm === 'sparse-ease') {
    const d = DEFAULT_SPARSE_EASE_OPTIONS;
    const p = { regularization: d.regularization, neighbours: d.neighbours, ...(r.data as ModelParams) };
    const gramNeighbours = (r.data as ModelParams).gramNeighbours ?? Math.max(d.gramNeighbours, 2 * p.neighbours!);
    if (gramNeighbours < p.neighbours!)
      throw new InvalidTrainingOptionsError('invalid sparse-ease parameters: gramNeighbours must be >= neighbours');
    return { ...p, gramNeighbours } as ModelParams;
  }
  if (algorithm === 'rp3beta') {
    const d = DEFAULT_RP3BETA_OPTIONS;
    return { alpha: d.alpha, beta: d.beta, neighbours: d.neighbours, ...(r.data as ModelParams) };
  }
  return { halfLifeS: 0, ...(r.data as ModelParams) };
}

/** Worker threads for ALS: results are identical for any count, so this is not a parameter. */
export const defaultThreads = (): number => Math.max(1, Math.min(availableParallelism(), 4));

/** An unfitted model for resolved parameters; `spark` is where als-spark runs, `implicit` where als-implicit does. */
export function createModel(
  algorithm: AlgorithmName,
  params: ModelParams,
  threads = defaultThreads(),
  spark?: SparkBackend,
  implicit?: ImplicitBackend,
): Recommender {
  switch (algorithm) {
    case 'als':
      return new AlsModel({ ...params, threads, calculateTrainingLoss: false });
    case 'als-spark':
      if (!spark)
        throw new InvalidTrainingOptionsError(
          'als-spark needs a Spark backend: set SPARK_PYTHON (a Python with pyspark) and SPARK_MASTER',
        );
      return new SparkAlsModel({ ...params, threads: 1, calculateTrainingLoss: false }, spark);
    case 'als-implicit':
      if (!implicit)
        throw new InvalidTrainingOptionsError(
          'als-implicit needs an implicit backend: set IMPLICIT_PYTHON (a Python with implicit) and TRAINER_DEVICE',
        );
      return new ImplicitAlsModel({ ...params, threads, calculateTrainingLoss: false }, implicit);
    case 'ease':
      return new EaseModel(params);
    case 'sparse-ease':
      return new SparseEaseModel(params);
    case 'rp3beta':
      return new Rp3betaModel(params);
    case 'popularity':
      return new PopularityModel();
  }
}
