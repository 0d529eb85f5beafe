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

/**
 * Chooses an algorithm and its hyper-parameters on a validation split carved
 * from `train` — the train part of the promotion holdout, which this function
 * never receives — by fitting each configuration on the rest of `train` and
 * ranking by `metric`. Every algorithm's defaults first, then grid points round
 * robin across algorithms until the time budget is spent; configurations an
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
  let round = 0;
  while (queues.some((q) => q.points.length)) {
    for (const q of queues) {
      const point = q.points.shift();
      if (!point) continue;
      // Round 0 (every default) always runs; later rounds only within the budget.
      if (round > 0 && elapsed() >= o.budgetS) {
        q.points.length = 0;
        continue;
      }
      const { params: own, weighting: asked } = splitPoint(point);
      const params = resolveParams(q.algorithm, own, o.seed);
      const effective = effectiveProfile(asked, present);
      // A profile that weighs this data like the deployment's table is recorded as that table.
      const weighting: InputWeighting = effective === deploymentProfile ? { ...asked, profile: 'deployment' } : asked;
      const key = `${q.algorithm}:${JSON.stringify(params)}:${weighting.scheme}:${effective}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const t0 = performance.now();
      try {
        const ev = await evaluateOnHoldout({
          data,
          train: split.train,
          test: split.test,
          algorithm: q.algorithm,
          params,
          weighting,
          ks: [k],
          ...(o.threads ? { threads: o.threads } : {}),
          spark: o.spark,
        });
        trials.push({
          algorithm: q.algorithm,
          params,
          weighting,
          score: ev.model[metric] ?? null,
          seconds: (performance.now() - t0) / 1000,
        });
      } catch (err) {
        trials.push({
          algorithm: q.algorithm,
          params,
          weighting,
          score: null,
          seconds: (performance.now() - t0) / 1000,
          error: (err as Error).message,
        });
      }
      o.onProgress?.('tune', trials.length, undefined);
    }
    round++;
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
  const best = trials
    .filter((t): t is Trial & { score: number } => t.score !== null && Number.isFinite(t.score))
    .sort((a, b) => b.score - a.score || a.seconds - b.seconds)[0];
  if (!best) throw new InsufficientDataError('no configuration could be fitted and validated');
  return {
    algorithm: best.algorithm,
    params: best.params,
    weighting: best.weighting,
    ...(best.blend ? { blend: best.blend } : {}),
    metric,
    score: best.score,
    trials,
    fitInteractions: split.train.user.length,
    validationInteractions: split.test.user.length,
    budgetS: o.budgetS,
    seconds: elapsed(),
  };
}
