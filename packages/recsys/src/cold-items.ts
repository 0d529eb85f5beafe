import type { CsrMatrix } from './csr.ts';
import { EmptyInputError } from './errors.ts';
import { userRankingMetrics, type Split } from './evaluation.ts';
import { subsetInteractions, type Interactions } from './interactions.ts';
import { Rng } from './rng.ts';
import { topKScores } from './topk.ts';

export interface ColdItemSplit extends Split {
  /** The held-out items (ascending): every event on them is in test, none in train. */
  coldItems: Int32Array;
}

/**
 * Cold-item split: a seeded `fraction` (default 10 %) of the items that occur in `x`
 * is held out with all their interactions; everything else is train. A model fitted
 * on train has never seen a cold item, as a product added after training.
 */
export function coldItemSplit(x: Interactions, o: { fraction?: number; seed?: number } = {}): ColdItemSplit {
  if (x.user.length === 0) throw new EmptyInputError('no interactions to split');
  const fraction = o.fraction ?? 0.1;
  if (!(fraction > 0 && fraction < 1)) throw new RangeError('fraction must be in (0, 1)');
  const present = Int32Array.from(new Set(x.item)).sort();
  new Rng(o.seed ?? 42).shuffle(present);
  const nCold = Math.max(1, Math.round(present.length * fraction));
  const coldItems = present.slice(0, nCold).sort();
  const cold = new Set(coldItems);
  const trainIdx: number[] = [];
  const testIdx: number[] = [];
  for (let e = 0; e < x.item.length; e++) (cold.has(x.item[e]!) ? testIdx : trainIdx).push(e);
  return { train: subsetInteractions(x, trainIdx), test: subsetInteractions(x, testIdx), coldItems };
}

export interface ColdItemMetrics {
  k: number;
  users: number;
  ndcg: number;
  recall: number;
  hitRate: number;
}

/**
 * nDCG@k over the cold items alone: for each user with a train history and a test
 * event, `score(u, coldItems)` ranks the held-out items, scored against the cold
 * items that user interacted with. Nothing warm competes, so the figure measures
 * only how well content orders items no model has seen.
 */
export function evaluateColdItems(
  score: (user: number, items: Int32Array) => Float64Array,
  train: CsrMatrix,
  test: CsrMatrix,
  coldItems: Int32Array,
  k = 10,
): ColdItemMetrics {
  const acc = { ndcg: 0, recall: 0, hit: 0, n: 0 };
  for (let u = 0; u < Math.min(train.nRows, test.nRows); u++) {
    if (test.indptr[u + 1] === test.indptr[u] || train.indptr[u + 1] === train.indptr[u]) continue;
    const scores = score(u, coldItems);
    const top = topKScores(scores, k);
    const recs = Array.from(top.items, (j) => coldItems[j]!);
    const m = userRankingMetrics(recs, new Set(test.indices.subarray(test.indptr[u]!, test.indptr[u + 1]!)), k);
    acc.ndcg += m.ndcg;
    acc.recall += m.recall;
    acc.hit += m.hit;
    acc.n++;
  }
  if (!acc.n) throw new EmptyInputError('no user has both train history and a cold-item test event');
  return { k, users: acc.n, ndcg: acc.ndcg / acc.n, recall: acc.recall / acc.n, hitRate: acc.hit / acc.n };
}

/**
 * The baseline: "popular in the same category". A cold item has no popularity of
 * its own, so it gets its categories' popularity in train (mean over its
 * categories of the share of train events in that category); the same list for everyone.
 */
export function categoryPopularityScores(
  train: CsrMatrix,
  itemCategories: readonly (readonly number[])[],
  items: Int32Array,
): Float64Array {
  const counts = new Float64Array(train.nCols);
  for (let p = 0; p < train.indptr[train.nRows]!; p++) counts[train.indices[p]!]!++;
  const pop = new Map<number, number>();
  for (let i = 0; i < train.nCols; i++)
    for (const c of itemCategories[i] ?? []) pop.set(c, (pop.get(c) ?? 0) + counts[i]!);
  return Float64Array.from(items, (i) => {
    const cats = itemCategories[i] ?? [];
    return cats.length ? cats.reduce((s, c) => s + (pop.get(c) ?? 0), 0) / cats.length : 0;
  });
}
