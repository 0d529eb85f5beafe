import { join } from 'node:path';
import { readRatingsFile, type IdMap } from '@recgraph/recsys';
import { readMovieLensContent } from '@recgraph/data';
import { resolveParams, type AlgorithmName } from '../algorithms.ts';
import { InvalidTrainingOptionsError } from '../errors.ts';
import { splitData } from '../train-model.ts';
import { trainingDataFromInteractions } from '../training-data.ts';
import type { LambdaMartParams } from './lambdamart.ts';
import { evaluateReranker, type RerankerEvaluation } from './rerank.ts';

import { DEFAULT_RANKER_PYTHON } from './lambdamart.ts';

export { DEFAULT_RANKER_PYTHON };

/**
 * The candidate generators' configurations: the ones the `auto` search chose on
 * MovieLens-small (README quality table), so the re-ranker is measured on top of
 * tuned models, not defaults. Each is a feature; `generator` names the one that
 * picks and orders the candidates.
 */
const PARTS = [
  { algorithm: 'sparse-ease', params: { regularization: 500, neighbours: 300 }, scheme: 'linear' },
  { algorithm: 'als', params: { factors: 128, regularization: 50, alpha: 0.5 }, scheme: 'bm25' },
  { algorithm: 'popularity', params: {}, scheme: 'linear' },
] as const;

/** The `auto` search's blend of PARTS on MovieLens-small (README): generator `blend`. */
const AUTO_BLEND_WEIGHTS = [0.2, 0.7, 0.1];

/**
 * LambdaMART settings for MovieLens-small: small trees, slow learning (31-leaf trees at
 * 0.05 overfit the ~600 validation users and ranked worse than the generator); leaves of
 * 600 rows, the 200 chosen for one validation draw times DEFAULT_RANKER_DRAWS.
 */
export const MOVIELENS_LAMBDAMART: LambdaMartParams = {
  rounds: 150,
  learningRate: 0.02,
  numLeaves: 7,
  minDataInLeaf: 600,
};

/** Each movie's category for the re-ranker's features: its first genre, as the importer files a movie (−1: none). */
export async function movieLensGenreCategories(dir: string, items: IdMap): Promise<Int32Array> {
  const content = await readMovieLensContent(dir);
  const genres = new Map<string, number>();
  return Int32Array.from({ length: items.size }, (_, i) => {
    const g = content.get(items.id(i))?.genres?.[0];
    if (!g) return -1;
    if (!genres.has(g)) genres.set(g, genres.size);
    return genres.get(g)!;
  });
}

export interface MovieLensRerankOptions {
  /** One part's algorithm, or `blend` (the `auto` blend of all parts). */
  generator?: AlgorithmName | 'blend';
  candidates?: number;
  /** Share of the train part carved off for LambdaMART's labels. */
  validationFraction?: number;
  k?: number;
  seed?: number;
  python?: string;
  params?: LambdaMartParams;
}

/**
 * The re-ranker on MovieLens (per-user stratified 75/25 holdout, seed 42, the
 * README protocol), genres as categories (the first genre, as the importer files
 * a movie): LambdaMART learns on a validation split of the 75 % and is scored on
 * the 25 % against the generator's own order of the same candidates.
 */
export async function evaluateRerankerOnMovieLens(
  dir: string,
  o: MovieLensRerankOptions = {},
): Promise<RerankerEvaluation & { generator: string }> {
  const seed = o.seed ?? 42;
  const generator = o.generator ?? 'sparse-ease';
  if (generator !== 'blend' && !PARTS.some((p) => p.algorithm === generator))
    throw new InvalidTrainingOptionsError(
      `the re-ranker's generator must be one of ${PARTS.map((p) => p.algorithm).join(', ')}, blend`,
    );
  const r = readRatingsFile(join(dir, 'ratings.csv'));
  const data = {
    ...trainingDataFromInteractions(r.interactions, r.users, r.items, `MovieLens ${dir}`),
    itemCategories: await movieLensGenreCategories(dir, r.items),
  };
  const holdout = splitData(data, { kind: 'stratified', testFraction: 0.25, seed });
  const parts = PARTS.map((p) => ({
    algorithm: p.algorithm,
    params: resolveParams(p.algorithm, { ...p.params }, seed),
    scheme: p.scheme,
  }));
  const ev = await evaluateReranker({
    data,
    train: holdout.train,
    test: holdout.test,
    python: o.python ?? DEFAULT_RANKER_PYTHON,
    generator: {
      blend: {
        parts,
        weights: generator === 'blend' ? AUTO_BLEND_WEIGHTS : parts.map((p) => (p.algorithm === generator ? 1 : 0)),
      },
      weighting: { profile: 'deployment', scheme: 'linear' },
    },
    candidates: o.candidates ?? 100,
    validationFraction: o.validationFraction ?? 0.35,
    k: o.k ?? 10,
    seed,
    params: o.params ?? MOVIELENS_LAMBDAMART,
  });
  return { ...ev, generator };
}
