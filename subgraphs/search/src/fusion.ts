import { reciprocalRankFusion, type FusedHit as Fused, type RankedList as Ranked } from '@recgraph/ranking/fusion';

/** IMAGE: text → image retrieval through a CLIP-style image encoder's text tower. */
export type RetrieverName = 'LEXICAL' | 'SEMANTIC' | 'IMAGE';

export type RankedList = Ranked<RetrieverName>;
export type FusedHit = Fused<RetrieverName>;

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
 * Reciprocal rank fusion (the shared implementation in @recgraph/ranking/fusion) with
 * search's weights: score(d) = Σ_r weight_r / (k + rank_r(d)), ranks 1-based.
 */
export function fuse(lists: readonly RankedList[], o: FusionOptions = DEFAULT_FUSION): FusedHit[] {
  return reciprocalRankFusion<RetrieverName>(lists, { k: o.k, weights: o.weights });
}
