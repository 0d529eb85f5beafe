import { EMBEDDING_DIMS } from './contract.ts';

export interface ItemFactors {
  /** Recorded as product_embeddings.model (e.g. "als:<modelVersionId>"). */
  name: string;
  /** Row-major item factors, `dim` values per item. */
  vectors: Float32Array;
  dim: number;
  /** Product id of each row. */
  productIds: readonly string[];
}

export type CollaborativeRows =
  { ok: true; rows: { productId: string; vector: Float32Array }[]; note?: string } | { ok: false; reason: string };

/**
 * Item factors as 64-dim COLLABORATIVE embeddings. Fewer factors are zero-padded:
 * inner products — what nearestProducts ranks COLLABORATIVE by — are unchanged.
 * More factors are skipped rather than projected: no projection keeps every inner
 * product, and a silently distorted "similar by behaviour" list is worse than none.
 */
export function collaborativeRows(f: ItemFactors): CollaborativeRows {
  if (!Number.isInteger(f.dim) || f.dim < 1) return { ok: false, reason: `invalid factor count ${f.dim}` };
  if (f.vectors.length !== f.dim * f.productIds.length)
    return {
      ok: false,
      reason: `${f.vectors.length} values do not make ${f.productIds.length} items of ${f.dim} factors`,
    };
  if (f.dim > EMBEDDING_DIMS)
    return {
      ok: false,
      reason: `the model has ${f.dim} factors; only up to ${EMBEDDING_DIMS} fit the indexed vectors without distorting inner products`,
    };
  const rows = f.productIds.map((productId, i) => {
    const vector = new Float32Array(EMBEDDING_DIMS);
    vector.set(f.vectors.subarray(i * f.dim, (i + 1) * f.dim));
    return { productId, vector };
  });
  return f.dim === EMBEDDING_DIMS
    ? { ok: true, rows }
    : { ok: true, rows, note: `${f.dim} factors zero-padded to ${EMBEDDING_DIMS}` };
}
