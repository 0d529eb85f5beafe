import { join } from 'node:path';
import { confidenceTable, deploymentWeights } from '@recgraph/interactions';
import type { AlsModel } from '@recgraph/recsys';
import {
  buildInteractionMatrix,
  categoryPopularityScores,
  coldItemSplit,
  contentFeatureMatrix,
  ContentFactorMapping,
  evaluateColdItems,
  readRatingsFile,
  scoreWithFactors,
  type ColdItemMetrics,
} from '@recgraph/recsys';
import { readMovieLensContent } from '@recgraph/data';
import { chooseTextEncoder, openTextEncoder } from '@recgraph/embeddings';
import { movieContent } from './content-features.ts';
import { CONTENT_TEXT_EMBEDDING_WEIGHT } from './content-fit.ts';
import { createModel, resolveParams } from './algorithms.ts';

export interface ColdItemsReport {
  rows: { model: string; metrics: ColdItemMetrics }[];
  coldItems: number;
  trainRows: number;
  testRows: number;
  seconds: number;
  /** Seconds the ALS fit took (the mappings' ridge fits are the rest of the model time). */
  alsFitSeconds: number;
  /** The text encoder the embedding rows used, and the seconds encoding every movie took; absent without them. */
  textEncoder?: { model: string; seconds: number };
}

/**
 * The cold-item evaluation on a MovieLens folder: 10 % of the movies held out with
 * all their ratings; ALS fitted on the rest; the content mapping fitted from content
 * to the ALS item factors of the train movies only; both it and "popular in the same
 * category" (genres) rank the held-out movies for every user who rated one.
 */
export async function evaluateColdItemsOnMovieLens(
  dir: string,
  o: {
    seed?: number;
    fraction?: number;
    k?: number;
    regularization?: number;
    alsParams?: Record<string, unknown>;
    /**
     * Also rows with the serving text encoder's embeddings as content (chooseTextEncoder: the
     * fetched all-MiniLM-L6-v2, else the built-in one), each movie's passage its title and genres
     * (default true; encoding every movie takes about a minute on two busy cores).
     */
    textEmbeddings?: boolean;
  } = {},
): Promise<ColdItemsReport> {
  const t0 = performance.now();
  const seed = o.seed ?? 42;
  const k = o.k ?? 10;
  const ratings = readRatingsFile(join(dir, 'ratings.csv'));
  const content = await readMovieLensContent(dir);
  const nUsers = ratings.users.size;
  const nItems = ratings.items.size;
  const split = coldItemSplit(ratings.interactions, { seed, fraction: o.fraction ?? 0.1 });
  const confidence = confidenceTable(deploymentWeights());
  const train = buildInteractionMatrix(split.train, { nUsers, nItems, confidence }).userItems;
  const test = buildInteractionMatrix(split.test, { nUsers, nItems, confidence }).userItems;

  const als = createModel('als', resolveParams('als', o.alsParams ?? {}, seed)) as AlsModel;
  const fitStarted = performance.now();
  await als.fit(train);
  const alsFitSeconds = (performance.now() - fitStarted) / 1000;
  const movies = Array.from({ length: nItems }, (_, i) => content.get(ratings.items.id(i)));
  // Fitted on items with train interactions only: a held-out item's factors are its untrained init.
  const trainItems = Array.from(new Set(train.indices)).sort((a, b) => a - b);
  // The search's TEXT vectors as the trainer reads them from product_embeddings: one per movie, as a product passage.
  let text: { model: string; seconds: number; dims: number; vectors: Float32Array[] } | undefined;
  if (o.textEmbeddings ?? true) {
    const started = performance.now();
    const encoder = await openTextEncoder(chooseTextEncoder());
    try {
      const vectors: Float32Array[] = [];
      for (let s = 0; s < nItems; s += 256)
        vectors.push(
          ...(await encoder.encodeProducts(
            movies.slice(s, s + 256).map((m) => ({ title: m?.title ?? '', category: m?.genres.join('/') || null })),
          )),
        );
      text = { model: encoder.model, dims: encoder.dims, vectors, seconds: (performance.now() - started) / 1000 };
    } finally {
      await encoder.release();
    }
  }
  const mapped = (withTags: boolean, withText = false) => {
    const embeddings =
      withText && text ? { vectors: text.vectors, dims: text.dims, weight: CONTENT_TEXT_EMBEDDING_WEIGHT } : undefined;
    const features = contentFeatureMatrix(
      movies.map((m) => movieContent(m, withTags)),
      embeddings ? { embeddings } : {},
    );
    const mapping = new ContentFactorMapping(o.regularization ?? 1).fit(
      features,
      als.itemFactors,
      als.factors,
      trainItems,
    );
    const predicted = mapping.predictAll(features);
    return (u: number, items: Int32Array) => scoreWithFactors(als.userVector(u), predicted, items);
  };

  const genreIds = new Map<string, number>();
  const itemGenres = movies.map((m) =>
    (m?.genres ?? []).map((g) => genreIds.get(g) ?? genreIds.set(g, genreIds.size).get(g)!),
  );
  const popular = categoryPopularityScores(train, itemGenres, split.coldItems);
  const rows = [
    {
      model: 'popular in the same category (genres)',
      metrics: evaluateColdItems(() => popular, train, test, split.coldItems, k),
    },
    {
      model: `content → ALS factors (ridge λ ${o.regularization ?? 1}; genres, decade, title, tags)`,
      metrics: evaluateColdItems(mapped(true), train, test, split.coldItems, k),
    },
    // Tags are applied by users (an interaction of sorts): the same model without them.
    {
      model: `content → ALS factors, without tags`,
      metrics: evaluateColdItems(mapped(false), train, test, split.coldItems, k),
    },
    ...(text
      ? [
          {
            model: `content + text embedding (${text.model}) → ALS factors`,
            metrics: evaluateColdItems(mapped(true, true), train, test, split.coldItems, k),
          },
          {
            model: `content + text embedding (${text.model}) → ALS factors, without tags`,
            metrics: evaluateColdItems(mapped(false, true), train, test, split.coldItems, k),
          },
        ]
      : []),
  ];
  return {
    rows,
    coldItems: split.coldItems.length,
    trainRows: split.train.user.length,
    testRows: split.test.user.length,
    seconds: (performance.now() - t0) / 1000,
    alsFitSeconds,
    ...(text ? { textEncoder: { model: text.model, seconds: text.seconds } } : {}),
  };
}
