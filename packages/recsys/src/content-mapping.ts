import { csrFromTriplets, type CsrMatrix } from './csr.ts';
import { ArtifactFormatError, DimensionMismatchError, EmptyInputError } from './errors.ts';
import { choleskyInPlace, choleskySolveInPlace, dot } from './linalg.ts';

/**
 * Content-aware factors for new items: ridge regression from an item's content
 * features to its collaborative item factors (ALS),
 *   W = argmin Σ_{i ∈ fitted items} ‖c_iᵀW − y_i‖² + λ‖W‖²  = (CᵀC + λI)⁻¹ CᵀY,
 * so a product with no interactions gets ŷ_i = c_iᵀW from its first minute and is
 * scored against a user exactly like a trained item (x_uᵀŷ_i). The collaborative
 * signal takes over as interactions arrive through `handoffFactors`.
 * One d×d Cholesky (d = feature count, a few hundred) and f solves: seconds at most.
 */
export class ContentFactorMapping {
  /** Row-major d×f weights. */
  weights: Float64Array = new Float64Array(0);
  features = 0;
  factors = 0;
  /**
   * When the content carries a text embedding (contentFeatureMatrix's `embeddings`): its last
   * `dims` features, which encoder wrote the vectors (a vector of another space must not be
   * fed in), and the weight they were scaled by. Absent: hashed features and bias only.
   */
  embedding: ContentEmbeddingSpec | undefined;

  constructor(readonly regularization = 1) {
    if (!(regularization > 0)) throw new RangeError('regularization must be > 0');
  }

  /**
   * Fits on the items in `fitItems` only (the rest, e.g. held-out cold items, are never read).
   * `content`: items × features; `itemFactors`: row-major items × f.
   */
  fit(content: CsrMatrix, itemFactors: Float32Array, f: number, fitItems: ArrayLike<number>): this {
    const d = content.nCols;
    if (itemFactors.length !== content.nRows * f)
      throw new DimensionMismatchError(`content has ${content.nRows} items, factors ${itemFactors.length / f}`);
    if (fitItems.length === 0) throw new EmptyInputError('no items to fit the content mapping on');
    const A = new Float64Array(d * d);
    const B = new Float64Array(d * f);
    for (let n = 0; n < fitItems.length; n++) {
      const i = fitItems[n]!;
      const s = content.indptr[i]!;
      const e = content.indptr[i + 1]!;
      for (let p = s; p < e; p++) {
        const a = content.indices[p]!;
        const va = content.data[p]!;
        for (let q = s; q < e; q++) A[a * d + content.indices[q]!]! += va * content.data[q]!;
        for (let k = 0; k < f; k++) B[a * f + k]! += va * itemFactors[i * f + k]!;
      }
    }
    for (let a = 0; a < d; a++) A[a * d + a]! += this.regularization;
    choleskyInPlace(A, d);
    const W = new Float64Array(d * f);
    const col = new Float64Array(d);
    for (let k = 0; k < f; k++) {
      for (let a = 0; a < d; a++) col[a] = B[a * f + k]!;
      choleskySolveInPlace(A, d, col);
      for (let a = 0; a < d; a++) W[a * f + k] = col[a]!;
    }
    this.weights = W;
    this.features = d;
    this.factors = f;
    return this;
  }

  /** ŷ = cᵀW for one content row (sparse: feature indices and values). */
  predict(indices: ArrayLike<number>, values: ArrayLike<number>): Float32Array {
    const f = this.factors;
    const out = new Float64Array(f);
    for (let p = 0; p < indices.length; p++) {
      const a = indices[p]!;
      if (a < 0 || a >= this.features) throw new DimensionMismatchError(`feature ${a} outside 0..${this.features - 1}`);
      const v = values[p]!;
      for (let k = 0; k < f; k++) out[k]! += v * this.weights[a * f + k]!;
    }
    return Float32Array.from(out);
  }

  /**
   * Factors of one item from its content, hashed as the fit's contentFeatureMatrix hashed, plus
   * its text embedding when the mapping has one (`vector` from `embedding.model`; without it the
   * item is predicted from its hashed content alone, as a product whose vector is not written yet).
   */
  predictContent(item: ItemContent, vector?: Float32Array): Float32Array {
    const e = this.embedding;
    const row = hashContent(item, this.features - 1 - (e?.dims ?? 0));
    if (e && vector) {
      if (vector.length !== e.dims)
        throw new DimensionMismatchError(`embedding has ${vector.length} dims, not ${e.dims}`);
      const offset = this.features - e.dims;
      for (let j = 0; j < e.dims; j++) {
        row.indices.push(offset + j);
        row.values.push(e.weight * vector[j]!);
      }
    }
    return this.predict(row.indices, row.values);
  }

  /** What an artifact stores: the shape in meta, the weights as one array. */
  toArtifactPart(): {
    meta: { features: number; factors: number; regularization: number; embedding?: ContentEmbeddingSpec };
    weights: Float64Array;
  } {
    return {
      meta: {
        features: this.features,
        factors: this.factors,
        regularization: this.regularization,
        ...(this.embedding ? { embedding: this.embedding } : {}),
      },
      weights: this.weights,
    };
  }

  static fromArtifactPart(meta: unknown, weights: unknown): ContentFactorMapping {
    const m = meta as
      { features?: unknown; factors?: unknown; regularization?: unknown; embedding?: unknown } | undefined;
    const d = m?.features;
    const f = m?.factors;
    const lambda = m?.regularization;
    if (typeof d !== 'number' || typeof f !== 'number' || typeof lambda !== 'number' || d < 2 || f < 1)
      throw new ArtifactFormatError('content mapping: features, factors and regularization must be numbers');
    if (!(weights instanceof Float64Array) || weights.length !== d * f)
      throw new ArtifactFormatError(`content mapping: expected ${d}×${f} float64 weights`);
    const e = m?.embedding as Partial<ContentEmbeddingSpec> | undefined;
    if (
      e !== undefined &&
      (typeof e?.model !== 'string' ||
        typeof e.dims !== 'number' ||
        !(e.dims >= 1 && e.dims < d - 1) ||
        typeof e.weight !== 'number' ||
        !Number.isFinite(e.weight))
    )
      throw new ArtifactFormatError('content mapping: embedding needs model, dims (< features − 1) and weight');
    const out = new ContentFactorMapping(lambda);
    out.weights = weights;
    out.features = d;
    out.factors = f;
    out.embedding = e as ContentEmbeddingSpec | undefined;
    return out;
  }

  /** Predicted factors of every item of `content` (row-major items × f). */
  predictAll(content: CsrMatrix): Float32Array {
    if (content.nCols !== this.features)
      throw new DimensionMismatchError(`content has ${content.nCols} features, the mapping ${this.features}`);
    const f = this.factors;
    const out = new Float32Array(content.nRows * f);
    for (let i = 0; i < content.nRows; i++) {
      const s = content.indptr[i]!;
      const e = content.indptr[i + 1]!;
      out.set(this.predict(content.indices.subarray(s, e), content.data.subarray(s, e)), i * f);
    }
    return out;
  }
}

/**
 * The hand-off rule: an item with n interactions is served with
 *   y = (n / (n + k))·y_collaborative + (k / (n + k))·y_content,
 * so a brand-new item (n = 0) is pure content and its own signal dominates once
 * n ≫ k (default k = 5: at 5 interactions they weigh the same). Without trained
 * factors (the item arrived after the model was fitted) it is content alone.
 */
export function handoffFactors(
  content: Float32Array,
  collaborative: Float32Array | undefined,
  interactions: number,
  k = 5,
): Float32Array {
  if (!collaborative || interactions <= 0) return content;
  if (collaborative.length !== content.length) throw new DimensionMismatchError('factor lengths differ');
  const w = interactions / (interactions + k);
  return content.map((c, j) => w * collaborative[j]! + (1 - w) * c);
}

/** One item's content: weighted string features ("genre:Drama", "tag:pixar", "year:1990s"). */
export type ItemContent = ReadonlyMap<string, number> | Iterable<readonly [string, number]>;

export interface ContentFeatureOptions {
  /** Hashed feature space (default 1024): unseen tokens of a new product still land somewhere. */
  dims?: number;
  /**
   * Each item's text embedding (undefined: none yet), appended after the bias column times
   * `weight` (the vectors are L2-normalised, as the hashed rows are).
   */
  embeddings?: { vectors: readonly (Float32Array | undefined)[]; dims: number; weight: number };
}

/** A mapping's text-embedding part: the encoder (product_embeddings.model), its dimensions and weight. */
export interface ContentEmbeddingSpec {
  model: string;
  dims: number;
  weight: number;
}

/** FNV-1a 32-bit: stable across processes, so a feature hashed at training is the same one at serving. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Hashes every item's content into one sparse items × (dims + 1) matrix, each row
 * L2-normalised, plus a constant bias column (the last) that the ridge fit turns
 * into the average item's factors.
 */
export function contentFeatureMatrix(items: readonly ItemContent[], o: ContentFeatureOptions = {}): CsrMatrix {
  const dims = o.dims ?? 1024;
  const e = o.embeddings;
  const rows: number[] = [];
  const cols: number[] = [];
  const vals: number[] = [];
  items.forEach((item, i) => {
    const row = hashContent(item, dims);
    for (let p = 0; p < row.indices.length; p++) {
      rows.push(i);
      cols.push(row.indices[p]!);
      vals.push(row.values[p]!);
    }
    const v = e?.vectors[i];
    if (!e || !v) return;
    if (v.length !== e.dims)
      throw new DimensionMismatchError(`item ${i}'s embedding has ${v.length} dims, not ${e.dims}`);
    for (let j = 0; j < e.dims; j++) {
      rows.push(i);
      cols.push(dims + 1 + j);
      vals.push(e.weight * v[j]!);
    }
  });
  return csrFromTriplets(items.length, dims + 1 + (e?.dims ?? 0), rows, cols, vals);
}

/** One item's hashed, L2-normalised feature row plus the bias column `dims` (contentFeatureMatrix's row). */
export function hashContent(item: ItemContent, dims: number): { indices: number[]; values: number[] } {
  const acc = new Map<number, number>();
  for (const [name, w] of item instanceof Map ? item.entries() : (item as Iterable<readonly [string, number]>)) {
    if (!Number.isFinite(w)) throw new RangeError(`feature ${name} has a non-finite weight`);
    const c = fnv1a(name) % dims;
    acc.set(c, (acc.get(c) ?? 0) + w);
  }
  let norm = 0;
  for (const v of acc.values()) norm += v * v;
  norm = Math.sqrt(norm) || 1;
  const indices: number[] = [];
  const values: number[] = [];
  for (const [c, v] of acc) {
    indices.push(c);
    values.push(v / norm);
  }
  indices.push(dims);
  values.push(1);
  return { indices, values };
}

/** x_uᵀŷ_i for each listed item (item-major predicted factors). */
export function scoreWithFactors(
  user: Float32Array,
  itemFactors: Float32Array,
  items: ArrayLike<number>,
): Float64Array {
  const f = user.length;
  return Float64Array.from(Array.from(items, (i) => dot(user, 0, itemFactors, i * f, f)));
}
