// The rows `npm run eval -- --all` adds to the per-algorithm ones: what the `auto`
// search tuned (its blend and the blend's parts), the learned re-ranker over the
// search's choice, and the cold-item split — all in the one comparison table.
import { existsSync } from 'node:fs';
import type { ProgressCallback } from '@recgraph/data';
import type { Interactions } from '@recgraph/recsys';
import type { AlgorithmName, ModelParams } from '../algorithms.ts';
import { evaluateColdItemsOnMovieLens } from '../cold-items-eval.ts';
import { InsufficientDataError } from '../errors.ts';
import { evaluateOnHoldout, type HoldoutEvaluation } from '../evaluate-split.ts';
import type { Configuration } from '../fit-configuration.ts';
import type { InputWeighting } from '../input-weighting.ts';
import type { ComparisonRow } from '../report/comparison.ts';
import { DEFAULT_RANKER_PYTHON } from '../reranker/lambdamart.ts';
import { MOVIELENS_LAMBDAMART, movieLensGenreCategories } from '../reranker/movielens-eval.ts';
import { DEFAULT_RANKER_DRAWS, evaluateReranker, type GeneratorSpec } from '../reranker/rerank.ts';
import type { TrainingData } from '../training-data.ts';
import type { Trial, TuningResult } from '../tuning.ts';

const num = (v: number) => String(Number(v.toFixed(4)));

const ownParams = (params: ModelParams) =>
  Object.entries(params)
    // The seed is the run's (in the details), not a choice.
    .filter(([k]) => k !== 'seed')
    .map(([k, v]) => `${k}=${num(v)}`)
    .join(', ');

const weightingNote = (w: InputWeighting) =>
  [w.scheme !== 'linear' ? w.scheme : '', w.profile !== 'deployment' ? `${w.profile} event weights` : '']
    .filter(Boolean)
    .join(', ');

/** A configuration as one line: parameters, then its weighting when not the default; a blend as weighted parts. */
export function describeConfiguration(c: Configuration): string {
  if (c.blend) {
    const parts = c.blend.parts.map((p, k) => {
      const inner = [ownParams(p.params), p.scheme !== 'linear' ? p.scheme : ''].filter(Boolean).join(', ');
      return `${num(c.blend!.weights[k]!)} × ${p.algorithm}${inner ? ` (${inner})` : ''}`;
    });
    const w = weightingNote(c.weighting);
    return parts.join(' + ') + (w ? `; ${w}` : '');
  }
  return [ownParams(c.params), weightingNote(c.weighting)].filter(Boolean).join('; ');
}

/** A row for a configuration scored on the holdout. */
export function holdoutRow(name: string, c: Configuration, ev: HoldoutEvaluation, fit?: string): ComparisonRow {
  return { name, metrics: ev.model, params: describeConfiguration(c), fit: fit ?? ev.fitSeconds.toFixed(1) };
}

export interface ExtraRowsContext {
  data: TrainingData;
  /** The holdout every algorithm row was scored on. */
  train: Interactions;
  test: Interactions;
  ks: number[];
  seed: number;
  /** The MovieLens folder, when that is the source (the cold-item split and the genres need its content). */
  movielens: string | undefined;
  /** The configurations already in the table at their defaults (a tuned part equal to one is not repeated). */
  defaults: readonly Configuration[];
  onProgress: ProgressCallback;
}

export interface ExtraRows {
  rows: ComparisonRow[];
  details: string[];
}

const scored = (t: Trial): t is Trial & { score: number } => t.score !== null && Number.isFinite(t.score);

const sameConfiguration = (a: Pick<Trial, 'algorithm' | 'params' | 'weighting'>, b: typeof a) =>
  a.algorithm === b.algorithm &&
  JSON.stringify(a.params) === JSON.stringify(b.params) &&
  a.weighting.scheme === b.weighting.scheme &&
  a.weighting.profile === b.weighting.profile;

/**
 * The search's blend (when it did not win) and its parts — the best trial of each
 * algorithm the blend combines — each re-fitted on the holdout's train part and
 * scored like every row; the search's choice itself is the `auto` row already.
 */
export async function tunedRows(ctx: ExtraRowsContext, tuned: TuningResult): Promise<ExtraRows> {
  const rows: ComparisonRow[] = [];
  const details: string[] = [];
  const blend = tuned.trials.find((t) => t.algorithm === 'blend' && t.blend && scored(t));
  const configurations: { name: string; c: Configuration }[] = [];
  if (blend && tuned.algorithm !== 'blend')
    configurations.push({
      name: 'blend (auto search, not chosen)',
      c: { algorithm: 'blend', params: blend.params, weighting: blend.weighting, blend: blend.blend },
    });
  for (const part of blend?.blend?.parts ?? []) {
    const best = tuned.trials
      .filter((t) => t.algorithm === part.algorithm && scored(t))
      .sort((a, b) => b.score! - a.score!)[0];
    if (!best || sameConfiguration(best, tuned)) continue;
    if (ctx.defaults.some((d) => sameConfiguration(best, d))) {
      details.push(`auto search: ${part.algorithm}'s best configuration is its defaults (the ${part.algorithm} row)`);
      continue;
    }
    configurations.push({
      name: `${part.algorithm} tuned (auto search)`,
      c: { algorithm: best.algorithm, params: best.params, weighting: best.weighting },
    });
  }
  for (const { name, c } of configurations) {
    const ev = await evaluateOnHoldout({
      data: ctx.data,
      train: ctx.train,
      test: ctx.test,
      ...c,
      ks: ctx.ks,
      onProgress: ctx.onProgress,
    });
    rows.push(holdoutRow(name, c, ev));
  }
  if (!blend) details.push('auto search: no blend (fewer than two model families could be fitted, or it failed)');
  return { rows, details };
}

/**
 * The generator the re-ranker sits on: the search's choice. Its features are the
 * scores of the search's blend parts (the best model of each family), so a
 * single winner is that blend with its own part at weight 1 and the rest at 0.
 */
export function generatorForChoice(tuned: TuningResult): GeneratorSpec {
  const blend = tuned.trials.find((t) => t.algorithm === 'blend' && t.blend && scored(t));
  if (blend?.blend) {
    const parts = blend.blend.parts;
    if (tuned.algorithm === 'blend' && tuned.blend) return { blend: tuned.blend, weighting: tuned.weighting };
    const own = parts.findIndex(
      (p) =>
        p.algorithm === tuned.algorithm &&
        JSON.stringify(p.params) === JSON.stringify(tuned.params) &&
        p.scheme === tuned.weighting.scheme,
    );
    if (own >= 0 && tuned.weighting.profile === blend.weighting.profile)
      return { blend: { parts, weights: parts.map((_, k) => (k === own ? 1 : 0)) }, weighting: blend.weighting };
  }
  return {
    blend: {
      parts: [{ algorithm: tuned.algorithm as AlgorithmName, params: tuned.params, scheme: tuned.weighting.scheme }],
      weights: [1],
    },
    weighting: { profile: tuned.weighting.profile, scheme: 'linear' },
  };
}

/**
 * The learned re-ranker (LambdaMART, scored through ONNX) over the search's choice,
 * on the same holdout: its labels come from a validation split of the train part.
 * A row saying why when LightGBM's venv is missing or the data is too small.
 */
export async function rerankRow(
  ctx: ExtraRowsContext,
  tuned: TuningResult,
  o: { candidates: number; python?: string },
): Promise<ExtraRows> {
  const python = o.python ?? DEFAULT_RANKER_PYTHON;
  const name = `re-ranker: LambdaMART over auto → ${tuned.algorithm}`;
  if (!existsSync(python))
    return {
      rows: [{ name, metrics: {}, params: `not run: no ${python} (scripts/infra/ranker.sh installs LightGBM)` }],
      details: [],
    };
  const k = ctx.ks[0]!;
  const validationFraction = 0.35;
  const p = MOVIELENS_LAMBDAMART;
  // Genres are MovieLens's categories (the category-affinity feature); other sources carry their own.
  const data = ctx.movielens
    ? { ...ctx.data, itemCategories: await movieLensGenreCategories(ctx.movielens, ctx.data.items) }
    : ctx.data;
  ctx.onProgress('re-ranker (generator fits, LightGBM, ONNX scoring)', 0, 1);
  try {
    const r = await evaluateReranker({
      data,
      train: ctx.train,
      test: ctx.test,
      python,
      generator: generatorForChoice(tuned),
      candidates: o.candidates,
      validationFraction,
      k,
      seed: ctx.seed,
      params: p,
    });
    ctx.onProgress('re-ranker (generator fits, LightGBM, ONNX scoring)', 1, 1);
    return {
      rows: [
        {
          name,
          metrics: { [`ndcg@${k}`]: r.rerankedNdcg },
          params:
            `${p.rounds} rounds of ${p.numLeaves}-leaf trees at ${p.learningRate}, ≥ ${p.minDataInLeaf} rows a leaf; ` +
            `top ${o.candidates} candidates; the generator alone on them: NDCG@${k} ${r.generatorNdcg.toFixed(4)}`,
          fit: r.seconds.toFixed(1),
        },
      ],
      details: [
        `re-ranker: LambdaMART learned on ${r.trainingUsers} users (counted once per draw) of ${DEFAULT_RANKER_DRAWS} validation draws of ${validationFraction * 100} % of the train part (${r.trainingRows} rows), scored on ${r.users} holdout users (NDCG@${k} only); its fit time covers the generator fits, LightGBM and the ONNX scoring; features: ${r.featureNames.join(', ')}`,
      ],
    };
  } catch (err) {
    if (!(err instanceof InsufficientDataError)) throw err;
    return { rows: [{ name, metrics: {}, params: `not run: ${err.message}` }], details: [] };
  }
}

/**
 * The cold-item split's rows (10 % of the movies held out with all their ratings: a
 * split of its own, not the holdout above): "popular in the same category" against
 * the content → ALS factors mapping. Needs MovieLens's movies.csv for the content.
 */
export async function coldItemRows(ctx: ExtraRowsContext): Promise<ExtraRows> {
  const k = ctx.ks[0]!;
  if (!ctx.movielens)
    return {
      rows: [{ name: 'cold items', metrics: {}, params: 'not run: needs --movielens DIR (movies.csv is the content)' }],
      details: [],
    };
  ctx.onProgress('cold-item split (ALS fit, content mappings)', 0, 1);
  const r = await evaluateColdItemsOnMovieLens(ctx.movielens, { seed: ctx.seed, k });
  ctx.onProgress('cold-item split (ALS fit, content mappings)', 1, 1);
  return {
    rows: r.rows.map(({ model, metrics: m }, i) => ({
      name: `cold items: ${model}`,
      metrics: { [`ndcg@${k}`]: m.ndcg, [`recall@${k}`]: m.recall, [`hit_rate@${k}`]: m.hitRate },
      params: i === 0 ? 'popularity of the movie’s genres in train' : 'ALS at its defaults; ridge to its item factors',
      fit: i === 0 ? '' : r.alsFitSeconds.toFixed(1),
    })),
    details: [
      `cold items: a split of its own (seed ${ctx.seed}): ${r.coldItems} movies held out with all their ${r.testRows} ratings, ${r.trainRows} train ratings; only held-out movies ranked, for ${r.rows[0]!.metrics.users} users; NDCG, recall and hit rate at ${k} only; fit = the ALS fit; ${r.seconds.toFixed(1)} s in all`,
    ],
  };
}
