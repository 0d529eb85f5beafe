/** IMAGE: text → image retrieval through a CLIP-style image encoder's text tower. */
export type RetrieverName = 'LEXICAL' | 'SEMANTIC' | 'IMAGE';

export interface RankedList {
  retriever: RetrieverName;
  /** Best first; `score` is the retriever's own score. */
  hits: readonly { id: string; score: number }[];
}

export interface FusedHit {
  id: string;
  score: number;
  retrievers: { retriever: RetrieverName; rank: number; score: number }[];
}

export interface FusionOptions {
  /** RRF's k (60 in the literature and in Elasticsearch, OpenSearch, Supabase). */
  k: number;
  /** IMAGE unset → 1. */
  weights: Record<'LEXICAL' | 'SEMANTIC', number> & { IMAGE?: number };
  /**
   * LEXICAL's weight is multiplied by this when the lexical list holds partial matches only
   * (no product matched every word group, so it fell back to any word): such a list is weak
   * evidence ("navy rucksack for women" with no rucksack in the store lists navy women's
   * products of every kind), and at full weight it pushes the semantic list's good hits
   * down. Typo matches keep the full weight: there the lexical list is the typo tolerance.
   * Unset → 1 (plain weighted RRF).
   */
  partialLexical?: number;
}

export const DEFAULT_FUSION: FusionOptions = { k: 60, weights: { LEXICAL: 1, SEMANTIC: 1 } };

/** The options for one query: LEXICAL weighted down by partialLexical when its list is any-word matches. */
export function fusionFor(o: FusionOptions, lexicalMode: 'all' | 'any' | 'typo' | undefined): FusionOptions {
  if (lexicalMode !== 'any' || o.partialLexical === undefined) return o;
  return { ...o, weights: { ...o.weights, LEXICAL: o.weights.LEXICAL * o.partialLexical } };
}

/**
 * Reciprocal rank fusion: score(d) = Σ_r weight_r / (k + rank_r(d)), ranks 1-based.
 * Ties (e.g. two products each found by one retriever at the same rank) go to the
 * better single rank, then to more retrievers, then to the smaller id — so the order
 * never depends on the database's row order.
 */
export function fuse(lists: readonly RankedList[], o: FusionOptions = DEFAULT_FUSION): FusedHit[] {
  const byId = new Map<string, FusedHit & { best: number }>();
  for (const list of lists) {
    const w = o.weights[list.retriever] ?? 1;
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
