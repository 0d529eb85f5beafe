import type { Database } from '@recgraph/db';
import type { ProgressCallback } from '@recgraph/data';
import type { CsrMatrix, Recommender } from '@recgraph/recsys';
import { exclusionFor } from '../evaluate-split.ts';
import { fitConfiguration } from '../fit-configuration.ts';
import type { TrainedModel } from '../train-model.ts';
import type { TrainingData } from '../training-data.ts';
import {
  candidateFeatures,
  featureNames,
  generatorScoreFeature,
  itemStats,
  itemsByRecency,
  SERVED_GENERATOR_PARTS,
  type ItemStats,
} from './features.ts';
import { RerankerTrainingError, trainLambdaMart, type LambdaMartParams } from './lambdamart.ts';
import { compareOnHoldout, relevantByUser, validationRows } from './rerank.ts';
import type { ServedRanker } from './served-ranker.ts';

/** What the trainer needs to learn a re-ranker (RANKER_PYTHON: a Python with lightgbm and onnxmltools). */
export interface TrainerRankerOptions {
  python: string;
  /** The generator's top-N candidates re-ranked per user (default 50: one ONNX run of 50 rows per request). */
  candidates?: number;
  /** Share of the train split carved off for LambdaMART's labels (default 0.25). */
  validationFraction?: number;
  /** Validation draws LambdaMART learns from (default DEFAULT_RANKER_DRAWS, as the eval). */
  draws?: number;
  params?: LambdaMartParams;
  /** Relative nDCG gain over the generator alone, on the holdout, the re-ranker needs to be attached (default 0.01). */
  minGain?: number;
}

/** The re-ranker's holdout figures and whether the version carries it. */
export interface RankerDecision {
  attached: boolean;
  reason: string;
  k: number;
  /** nDCG@k on the holdout of the generator's top k, and of the re-ranked top k of its top N. */
  generatorNdcg: number;
  rerankedNdcg: number;
  users: number;
  trainingRows: number;
  trainingUsers: number;
  seconds: number;
  ranker?: ServedRanker;
}

export const DEFAULT_RANKER_CANDIDATES = 50;

/**
 * LambdaMART for a store's trainer: small trees, slow learning (MovieLens-small showed that
 * 31-leaf trees overfit a few hundred validation users), leaves of at least 1 % of the rows.
 */
function trainerParams(rows: number, seed: number, given?: LambdaMartParams): LambdaMartParams {
  return {
    rounds: 100,
    learningRate: 0.05,
    numLeaves: 7,
    minDataInLeaf: Math.max(5, Math.min(200, Math.floor(rows / 100))),
    seed,
    ...given,
  };
}

/** Each item's price (NaN: unknown), read from the catalog for the re-ranker's price feature. */
export async function loadItemPrices(db: Pick<Database, 'pool'>, data: TrainingData): Promise<Float64Array> {
  const prices = new Float64Array(data.items.size).fill(Number.NaN);
  const ids = data.items.toArray();
  for (let s = 0; s < ids.length; s += 5000) {
    const { rows } = await db.pool.query<{ id: string; price_cents: number }>(
      'SELECT id::text AS id, price_cents FROM products WHERE id = ANY($1::uuid[])',
      [ids.slice(s, s + 5000)],
    );
    for (const r of rows) prices[data.items.index(r.id)!] = r.price_cents;
  }
  return prices;
}

interface Generator {
  model: Recommender;
  matrix: CsrMatrix;
  stats: ItemStats;
  recency: number[][];
}

/** One user's candidates (the model's top n, as serving retrieves them) and their feature rows. */
function userRows(g: Generator, user: number, n: number, exclude: Set<number> | undefined) {
  const top = g.model.recommend(user, g.matrix, n, exclude ? { exclude } : {});
  const candidates = Array.from(top.items);
  const features = candidateFeatures(g.stats, { items: g.recency[user]! }, candidates, [
    generatorScoreFeature(top.scores),
  ]);
  return { candidates, features };
}

/**
 * The learned re-ranker for a trained model: LambdaMART learns on validation splits
 * carved from the train split (validationRows, as the eval: the configuration re-fitted
 * on each rest, labels = the validation items among each user's top N), then the model fitted on the train
 * split is scored on the promotion holdout alone and re-ranked. Attached (with the item
 * facts of all data, which the served model was fitted on) only when it beats the
 * generator alone by `minGain`; a failing Python throws RerankerTrainingError.
 */
export async function fitServedRanker(
  trained: TrainedModel,
  prices: Float64Array,
  o: TrainerRankerOptions,
  onProgress?: ProgressCallback,
): Promise<RankerDecision> {
  const started = performance.now();
  const { data } = trained;
  const n = o.candidates ?? DEFAULT_RANKER_CANDIDATES;
  // The primary metric's cut-off when it is an nDCG (what promotion compares), else the first one.
  const k = Number(/^ndcg@(\d+)$/.exec(trained.primaryMetric)?.[1] ?? trained.ks[0]);
  const seed = trained.split.seed;
  const dims = { nUsers: data.users.size, nItems: data.items.size };
  const exclude = exclusionFor(data);
  const excludeOf = (u: number) => exclude?.(u) as Set<number> | undefined;
  const statsOf = (x: typeof data.interactions) => itemStats(x, dims.nItems, data.itemCategories, prices);
  if (trained.algorithm === 'als-spark')
    throw new RerankerTrainingError('als-spark models are fitted by Spark: the re-ranker cannot re-fit them here');

  onProgress?.('re-ranker: fit generator (validation split)', 0, 1);
  const learnt = await validationRows(
    trained.holdout.train,
    { draws: o.draws, validationFraction: o.validationFraction ?? 0.25, seed, ...dims },
    async (fitPart) => {
      const fitted = await fitConfiguration(
        fitPart,
        dims,
        { algorithm: trained.algorithm, params: trained.params, weighting: trained.input, blend: trained.blend },
        { stage: 're-ranker: fit generator (validation split)', onProgress },
      );
      const gv: Generator = {
        model: fitted.model,
        matrix: fitted.matrix,
        stats: statsOf(fitPart),
        recency: itemsByRecency(fitPart, dims.nUsers),
      };
      return (u) => userRows(gv, u, n, excludeOf(u));
    },
  );
  onProgress?.('re-ranker: LambdaMART', 0, 1);
  const names = featureNames(SERVED_GENERATOR_PARTS);
  const booster = await trainLambdaMart(
    o.python,
    { featureNames: names, ...learnt },
    trainerParams(learnt.labels.length, seed, o.params),
  );
  onProgress?.('re-ranker: LambdaMART', 1, 1);

  // The holdout, with the model the trainer already fitted on the train split.
  const gh: Generator = {
    model: trained.evaluation.fitted,
    matrix: trained.evaluation.trainMatrix,
    stats: statsOf(trained.holdout.train),
    recency: itemsByRecency(trained.holdout.train, dims.nUsers),
  };
  // Unavailable items are dropped from the holdout, as the trainer's own evaluation does.
  const holdoutUsers: [number, Set<number>][] = [];
  for (const [u, all] of relevantByUser(trained.holdout.test, dims.nUsers, dims.nItems)) {
    const relevant = new Set([...all].filter((i) => !data.unavailableItems.has(i)));
    if (relevant.size) holdoutUsers.push([u, relevant]);
  }
  const { generatorNdcg, rerankedNdcg, users } = await compareOnHoldout(
    booster.onnx,
    names.length,
    holdoutUsers,
    k,
    (u) => userRows(gh, u, n, excludeOf(u)),
  );
  onProgress?.('re-ranker: holdout', 1, 1);
  const minGain = o.minGain ?? 0.01;
  // Promotion reads the re-ranked figure as the version's primary metric: only an nDCG it measured qualifies.
  const comparable = trained.primaryMetric === `ndcg@${k}`;
  const attached = comparable && users > 0 && rerankedNdcg > generatorNdcg * (1 + minGain);
  const pct = generatorNdcg > 0 ? ((rerankedNdcg / generatorNdcg - 1) * 100).toFixed(1) : 'n/a';
  const decision: RankerDecision = {
    attached,
    reason: attached
      ? `re-ranked nDCG@${k} ${rerankedNdcg.toFixed(4)} beats the generator's ${generatorNdcg.toFixed(4)} (${pct} %)`
      : !comparable
        ? `the primary metric ${trained.primaryMetric} is not an nDCG the re-ranker is measured by`
        : `re-ranked nDCG@${k} ${rerankedNdcg.toFixed(4)} does not beat the generator's ${generatorNdcg.toFixed(4)} by ${minGain * 100} % (${pct} %)`,
    k,
    generatorNdcg,
    rerankedNdcg,
    users,
    trainingRows: learnt.labels.length,
    trainingUsers: learnt.groups.length,
    seconds: 0,
  };
  if (attached)
    decision.ranker = {
      onnx: booster.onnx,
      featureNames: names,
      candidates: n,
      // The facts of all data: what the served model (re-fitted on all of it) ranks from.
      stats: statsOf(data.interactions),
      evaluation: { k, generatorNdcg, rerankedNdcg },
    };
  decision.seconds = (performance.now() - started) / 1000;
  return decision;
}
