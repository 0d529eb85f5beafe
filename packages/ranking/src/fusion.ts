/**
 * Reciprocal rank fusion, the one implementation of it: search's hybrid retrieval
 * (subgraphs/search/src/fusion.ts) and the assistant's knowledge retrieval
 * (subgraphs/assistant/src/knowledge/retrieve.ts) both fuse their ranked lists here.
 * Imported as `@recgraph/ranking/fusion`, so a reader does not load the recommender.
 */

export interface RankedList<R extends string = string> {
  retriever: R;
  /** Best first; `score` is the retriever's own score. */
  hits: readonly { id: string; score: number }[];
}

export interface FusedHit<R extends string = string> {
  id: string;
  score: number;
  retrievers: { retriever: R; rank: number; score: number }[];
}

export interface RrfOptions<R extends string = string> {
  /** RRF's k (60 in the literature and in Elasticsearch, OpenSearch, Supabase). */
  k: number;
  /** Per retriever; a retriever without a weight weighs 1. */
  weights?: Partial<Record<R, number>>;
}

/**
 * score(d) = Σ_r weight_r / (k + rank_r(d)), ranks 1-based. Ties (e.g. two items each
 * found by one retriever at the same rank) go to the better single rank, then to more
 * retrievers, then to the smaller id — so the order never depends on the database's row order.
 */
export function reciprocalRankFusion<R extends string>(
  lists: readonly RankedList<R>[],
  o: RrfOptions<R>,
): FusedHit<R>[] {
  const byId = new Map<string, FusedHit<R> & { best: number }>();
  for (const list of lists) {
    const w = o.weights?.[list.retriever] ?? 1;
    list.hits.forEach((h, i) => {
      const rank = i + 1;
      let f = byId.get(h.id);
      if (!f) byId.set(h.id, (f = { id: h.id, score: 0, retrievers: [], best: Infinity }));
      f.score += w / (o.k + rank);
      f.best = Math.min(f.best, rank);
      f.retrievers.push({ retriever: list.retriever, rank, score: h.score });
    });
  }
  return [...byId.values()]
    .sort(
      (a, b) =>
        b.score - a.score ||
        a.best - b.best ||
        b.retrievers.length - a.retrievers.length ||
        (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    )
    .map(({ id, score, retrievers }) => ({ id, score, retrievers }));
}
