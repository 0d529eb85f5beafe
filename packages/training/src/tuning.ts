import {
  EVENT_WEIGHT_PROFILES,
  POPULARITY_HALF_LIFE_S,
  WEIGHT_KEYS,
  deploymentWeights,
  profileWeights,
} from '@recgraph/interactions';
import { EVENT_TYPE_NAMES, Rng, stratifiedSplit, WEIGHTING_SCHEMES, type Interactions } from '@recgraph/recsys';
import type { ProgressCallback } from '@recgraph/data';
import {
  ALGORITHMS,
  resolveParams,
  type AlgorithmName,
  type ModelParams,
  type TrainedAlgorithm,
} from './algorithms.ts';
import { searchBlend } from './blend-search.ts';
import type { BlendSpec } from './fit-configuration.ts';
import { evaluateOnHoldout } from './evaluate-split.ts';
import { InsufficientDataError, InvalidTrainingOptionsError } from './errors.ts';
import { resolveInputWeighting, type InputWeighting } from './input-weighting.ts';
import type { SparkBackend } from './spark/spark-als.ts';
import type { TrainingData } from './training-data.ts';

/**
 * What the trainer may choose from when TRAINER_ALGORITHM=auto; the values each search tries.
 * Besides an algorithm's own parameters, `profile` (event-weight profiles, packages/interactions)
 * and `scheme` (confidence weighting: linear, log, bm25, tfidf) say how its input is weighted.
 */
export type SearchSpace = Partial<Record<AlgorithmName, Record<string, readonly (number | string)[]>>>;

const SCHEMES = [...WEIGHTING_SCHEMES];
const PROFILES = [...EVENT_WEIGHT_PROFILES];

/**
 * Grids around each algorithm's defaults, wide enough to move a model a long way
 * (λ over two orders of magnitude) and small enough that a few minutes on one
 * machine cover the defaults of every algorithm and a good share of each grid.
 * ALS also searches how its input is weighted (profiles that weigh this data's
 * event types alike are tried once); the item-item models binarize their input,
 * so no weighting changes them and none is searched. Popularity's half-lives are
 * the serving windows' (packages/interactions), 0 = all-time counts of users.
 * als-spark is left out: it is a backend for data one machine cannot hold, not a
 * different model.
 */
export const DEFAULT_SEARCH_SPACE: SearchSpace = {
  als: {
    factors: [32, 64, 128],
    regularization: [1, 10, 50],
    alpha: [0.5, 1, 2, 5],
    iterations: [15],
    scheme: SCHEMES,
    profile: PROFILES,
  },
  ease: { regularization: [100, 250, 500, 1000] },
  'sparse-ease': { regularization: [100, 250, 500, 1000], neighbours: [100, 300] },
  rp3beta: { alpha: [0.6, 0.8, 1], beta: [0.2, 0.35, 0.5], neighbours: [100, 300] },
  popularity: { halfLifeS: [0, ...Object.values(POPULARITY_HALF_LIFE_S)], profile: PROFILES },
};

/** A grid point's weighting (profile, scheme) apart from the algorithm's own parameters. */
function splitPoint(point: Record<string, number | string>): {
  params: Record<string, number>;
  weighting: InputWeighting;
} {
  const { profile, scheme, ...rest } = point;
  for (const [name, v] of Object.entries(rest))
    if (typeof v !== 'number')
      throw new InvalidTrainingOptionsError(`search value ${name}=${String(v)} is not a number`);
  return {
    params: rest as Record<string, number>,
    weighting: resolveInputWeighting({ profile, scheme }),
  };
}

/** The weights a profile gives the event types present in the data: profiles equal on them are one trial. */
function effectiveProfile(w: InputWeighting, present: ReadonlySet<string>): string {
  const table = profileWeights(w.profile, deploymentWeights());
  return JSON.stringify(WEIGHT_KEYS.filter((k) => present.has(k)).map((k) => table[k]));
}

export interface TuningOptions {
  /** Seconds the search may take; the defaults of every algorithm are always tried. */
  budgetS: number;
  space?: SearchSpace;
  /** Share of each user's train items held out for validation (default 0.2). */
  validationFraction?: number;
  seed: number;
  /** The metric trials are ranked by (default ndcg@10). */
  metric?: string;
  threads?: number;
  spark?: SparkBackend | undefined;
  /**
   * Share of the budget kept for refining each algorithm's best point after the grid
   * (default 0.5; 0: the grid alone). Only dimensions the grid searches are refined.
   */
  refineShare?: number;
  /** After the grid: try a blend of the best item-item, ALS and popularity models (default true). */
  blend?: boolean;
  onProgress?: ProgressCallback;
}

export interface Trial {
  algorithm: TrainedAlgorithm;
  /** A blend's: its weight per part (`w_<algorithm>`); its full description is `blend`. */
  params: ModelParams;
  weighting: InputWeighting;
  blend?: BlendSpec;
  /** The metric on the validation split (null: the configuration could not be fitted here). */
  score: number | null;
  seconds: number;
  /** Why a configuration was skipped or failed. */
  error?: string;
}

export interface TuningResult {
  algorithm: TrainedAlgorithm;
  params: ModelParams;
  weighting: InputWeighting;
  /** When a blend won: its parts and weights. */
  blend?: BlendSpec;
  metric: string;
  score: number;
  trials: Trial[];
  /** Interactions the search fitted on and validated with: together, the train split and nothing else. */
  fitInteractions: number;
  validationInteractions: number;
  budgetS: number;
  seconds: number;
}

/** Every grid point of one algorithm, in a seeded random order (the defaults are tried first anyway). */
function gridPoints(grid: Record<string, readonly (number | string)[]>, rng: Rng): Record<string, number | string>[] {
  let points: Record<string, number | string>[] = [{}];
  for (const [name, values] of Object.entries(grid))
    points = points.flatMap((p) => values.map((v) => ({ ...p, [name]: v })));
  for (let i = points.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [points[i], points[j]] = [points[j]!, points[i]!];
  }
  return points;
}

const DEFAULT_REFINE_SHARE = 0.5;
/** Refinement stops on a dimension once its step is below ~5 % of the value. */
const MIN_LOG_STEP = Math.log(1.05);
/** Popularity's half-lives are the serving windows' (a set, not a scale): never refined. */
const NOT_REFINED = new Set(['halfLifeS']);

/**
 * The numeric dimensions a grid searches (two or more positive values) and each one's
 * first refinement step, in log space: half the grid's smallest gap, so the first
 * neighbours of a grid point fall between grid values (or as far past the grid's
 * edge), no further than halfway to the nearest one. Why a coordinate refinement and not only a grid: the
 * validation metric is sharp in λ and α (ALS on MovieLens loses 15 % between λ 50
 * and 100) and the best point usually lies between grid values.
 */
function refinementSteps(grid: Record<string, readonly (number | string)[]>): Record<string, number> {
  const steps: Record<string, number> = {};
  for (const [name, values] of Object.entries(grid)) {
    if (NOT_REFINED.has(name)) continue;
    const v = values.filter((x): x is number => typeof x === 'number' && x > 0).sort((a, b) => a - b);
    if (v.length < 2) continue;
    const gaps = v
      .slice(1)
      .map((x, i) => Math.log(x / v[i]!))
      .sort((a, b) => a - b);
    steps[name] = gaps[Math.floor(gaps.length / 2)]! / 2;
  }
  return steps;
}

/** A trial's point for refinement: its grid values, with the searched dimensions it defaulted filled in. */
function centre(
  point: Record<string, number | string>,
  params: ModelParams,
  grid: Record<string, readonly (number | string)[]>,
): Record<string, number | string> {
  const c = { ...point };
  for (const name of Object.keys(grid)) if (c[name] === undefined && params[name] !== undefined) c[name] = params[name];
  return c;
}

/** One step up and one down along each refined dimension (integers stay integers, at least 1). */
function neighbours(point: Record<string, number | string>, steps: Record<string, number>) {
  const out: Record<string, number | string>[] = [];
  for (const [name, step] of Object.entries(steps)) {
    const v = point[name];
    if (typeof v !== 'number' || v <= 0) continue;
    for (const sign of [1, -1]) {
      let next: number = v * Math.exp(sign * step);
      if (Number.isInteger(v)) next = Math.max(1, Math.round(next));
      else next = Number(next.toPrecision(3));
      if (next !== v) out.push({ ...point, [name]: next });
    }
  }
  return out;
}

/**
 * Chooses an algorithm and its hyper-parameters on a validation split carved
 * from `train` — the train part of the promotion holdout, which this function
 * never receives — by fitting each configuration on the rest of `train` and
 * ranking by `metric`. Every algorithm's defaults first, then grid points round
 * robin across algorithms for the grid's share of the time budget, then, round
 * robin again, a coordinate refinement around each algorithm's best point (one
 * step up and down each searched dimension, moving to any better neighbour,
 * halving the steps when none is) until the budget is spent; configurations an
 * algorithm refuses (dense EASE past its item limit) are recorded and skipped.
 */
export async function tuneOnTrain(data: TrainingData, train: Interactions, o: TuningOptions): Promise<TuningResult> {
  const started = performance.now();
  const metric = o.metric ?? 'ndcg@10';
  const k = Number(/@(\d+)$/.exec(metric)?.[1] ?? 10);
  const split = stratifiedSplit(train, { testFraction: o.validationFraction ?? 0.2, seed: o.seed + 1 });
  if (split.test.user.length === 0)
    throw new InsufficientDataError('too little data to carve a validation split for tuning');
  const space = o.space ?? DEFAULT_SEARCH_SPACE;
  const rng = new Rng(o.seed);
  const queues = ALGORITHMS.filter((a) => space[a]).map((a) => ({
    algorithm: a,
    points: [{}, ...gridPoints(space[a]!, rng)],
  }));
  const present = new Set<string>();
  for (const t of train.type) present.add(EVENT_TYPE_NAMES[t]!);
  const deploymentProfile = effectiveProfile({ profile: 'deployment', scheme: 'linear' }, present);
  const seen = new Set<string>();
  const trials: Trial[] = [];
  const elapsed = () => (performance.now() - started) / 1000;
  // Each algorithm's best validated point so far (its grid values for the searched dimensions).
  const best = new Map<AlgorithmName, { point: Record<string, number | string>; score: number }>();
  const runTrial = async (algorithm: AlgorithmName, point: Record<string, number | string>): Promise<void> => {
    const { params: own, weighting: asked } = splitPoint(point);
    const params = resolveParams(algorithm, own, o.seed);
    const effective = effectiveProfile(asked, present);
    // A profile that weighs this data like the deployment's table is recorded as that table.
    const weighting: InputWeighting = effective === deploymentProfile ? { ...asked, profile: 'deployment' } : asked;
    const key = `${algorithm}:${JSON.stringify(params)}:${weighting.scheme}:${effective}`;
    if (seen.has(key)) return;
    seen.add(key);
    const t0 = performance.now();
    try {
      const ev = await evaluateOnHoldout({
        data,
        train: split.train,
        test: split.test,
        algorithm,
        params,
        weighting,
        ks: [k],
        ...(o.threads ? { threads: o.threads } : {}),
        spark: o.spark,
      });
      const score = ev.model[metric] ?? null;
      trials.push({ algorithm, params, weighting, score, seconds: (performance.now() - t0) / 1000 });
      if (score !== null && Number.isFinite(score) && score > (best.get(algorithm)?.score ?? -Infinity))
        best.set(algorithm, { point: centre(point, params, space[algorithm] ?? {}), score });
    } catch (err) {
      trials.push({
        algorithm,
        params,
        weighting,
        score: null,
        seconds: (performance.now() - t0) / 1000,
        error: (err as Error).message,
      });
    }
    o.onProgress?.('tune', trials.length, undefined);
  };
  // The grid has the first share of the budget; refinement around each algorithm's best point the rest.
  const refineShare = o.refineShare ?? DEFAULT_REFINE_SHARE;
  if (!(refineShare >= 0 && refineShare <= 1))
    throw new InvalidTrainingOptionsError(`refineShare must be between 0 and 1, got ${refineShare}`);
  const gridBudgetS = o.budgetS * (1 - refineShare);
  let round = 0;
  while (queues.some((q) => q.points.length)) {
    for (const q of queues) {
      const point = q.points.shift();
      if (!point) continue;
      // Round 0 (every default) always runs; later rounds only within the grid's budget.
      if (round > 0 && elapsed() >= gridBudgetS) {
        q.points.length = 0;
        continue;
      }
      await runTrial(q.algorithm, point);
    }
    round++;
  }
  const refiners = queues
    .map((q) => ({ algorithm: q.algorithm, steps: refinementSteps(space[q.algorithm]!) }))
    .filter((r) => refineShare > 0 && Object.keys(r.steps).length > 0);
  while (refiners.length && elapsed() < o.budgetS) {
    for (let i = 0; i < refiners.length && elapsed() < o.budgetS; i++) {
      const r = refiners[i]!;
      const before = best.get(r.algorithm);
      if (!before) {
        refiners.splice(i--, 1);
        continue;
      }
      for (const point of neighbours(before.point, r.steps)) {
        if (elapsed() >= o.budgetS) break;
        await runTrial(r.algorithm, point);
      }
      // No better neighbour: look closer; an algorithm whose steps are all below ~5 % is done.
      if (best.get(r.algorithm) === before)
        for (const [name, step] of Object.entries(r.steps))
          if (step / 2 < MIN_LOG_STEP) delete r.steps[name];
          else r.steps[name] = step / 2;
      if (Object.keys(r.steps).length === 0) refiners.splice(i--, 1);
    }
  }
  // A blend is kept only when it scores above every single model on the same validation (ties go to the single model).
  if (o.blend !== false) {
    const t0 = performance.now();
    try {
      const blend = await searchBlend(trials, {
        data,
        train: split.train,
        test: split.test,
        k,
        metric,
        threads: o.threads,
      });
      if (blend) trials.push(blend);
    } catch (err) {
      trials.push({
        algorithm: 'blend',
        params: {},
        weighting: { profile: 'deployment', scheme: 'linear' },
        score: null,
        seconds: (performance.now() - t0) / 1000,
        error: (err as Error).message,
      });
    }
    o.onProgress?.('tune', trials.length, undefined);
  }
  const winner = trials
    .filter((t): t is Trial & { score: number } => t.score !== null && Number.isFinite(t.score))
    .sort((a, b) => b.score - a.score || a.seconds - b.seconds)[0];
  if (!winner) throw new InsufficientDataError('no configuration could be fitted and validated');
  return {
    algorithm: winner.algorithm,
    params: winner.params,
    weighting: winner.weighting,
    ...(winner.blend ? { blend: winner.blend } : {}),
    metric,
    score: winner.score,
    trials,
    fitInteractions: split.train.user.length,
    validationInteractions: split.test.user.length,
    budgetS: o.budgetS,
    seconds: elapsed(),
  };
}
