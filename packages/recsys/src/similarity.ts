import { topKDot, checkIndex, type TopK } from './topk.ts';

/** Rows scaled to unit L2 norm (zero rows stay zero). */
export function normalizeRows(F: Float32Array, f: number): Float32Array {
  const out = new Float32Array(F.length);
  for (let o = 0; o < F.length; o += f) {
    let s = 0;
    for (let a = 0; a < f; a++) s += F[o + a]! * F[o + a]!;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let a = 0; a < f; a++) out[o + a] = F[o + a]! * inv;
  }
  return out;
}

/** Cosine similarity of rows a and b of F. */
export function cosine(F: Float32Array, f: number, a: number, b: number): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let k = 0; k < f; k++) {
    const x = F[a * f + k]!;
    const y = F[b * f + k]!;
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
}

/**
 * Top-k items by cos(y_item, y_j) = y_item·y_j / (‖y_item‖‖y_j‖), given row-normalized factors
 * (so cosine is a dot product and the exact top-k scan applies). The item itself is excluded.
 */
export function cosineSimilarItems(normalized: Float32Array, f: number, item: number, k: number): TopK {
  const n = Math.floor(normalized.length / f);
  checkIndex('item', item, n);
  const q = normalized.slice(item * f, item * f + f);
  return topKDot(q, normalized, f, k, { exclude: [item] });
}
