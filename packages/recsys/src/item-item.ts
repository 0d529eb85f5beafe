import { nnz, transpose, type CsrMatrix } from './csr.ts';
import { ArtifactFormatError, EmptyInputError, NotFittedError } from './errors.ts';
import { checkIndex, topKScores, type TopK } from './topk.ts';
import { decodeArtifact, encodeArtifact } from './artifact.ts';
import { recommendFromRow, type FitOptions, type RecommendOptions, type Recommender } from './model.ts';

/**
 * Sparse item-item models: every item keeps a bounded list of weighted neighbours W (CSR, row a =
 * the items a recommends, with weights), and a user's scores are s_u = Σ_{a ∈ N(u)} x_ua · W_a.
 * Fitting and memory are O(Σ_u n_u² + items · neighbours), never O(items²), so these run on any
 * catalog. The concrete models (sparse-ease.ts, rp3beta.ts) only compute W.
 */

/**
 * Row by row co-occurrence sweep: for each item a, visit(a, touched, acc) gets the items b
 * reachable through a's users with acc[b] = Σ_{u ∈ users(a)} left[k_ua] · right[k_ub], where
 * left is aligned with itemUsers' entries and right with userItems' entries. acc is reset after
 * each call. O(Σ_u n_u²) time, O(items) scratch.
 */
export function cooccurrenceSweep(
  userItems: CsrMatrix,
  itemUsers: CsrMatrix,
  left: ArrayLike<number>,
  right: ArrayLike<number>,
  visit: (a: number, touched: Int32Array, count: number, acc: Float64Array) => void,
): void {
  const n = userItems.nCols;
  const acc = new Float64Array(n);
  const seen = new Uint8Array(n);
  const touched = new Int32Array(n);
  for (let a = 0; a < n; a++) {
    let count = 0;
    for (let k = itemUsers.indptr[a]!; k < itemUsers.indptr[a + 1]!; k++) {
      const u = itemUsers.indices[k]!;
      const l = left[k]!;
      for (let q = userItems.indptr[u]!; q < userItems.indptr[u + 1]!; q++) {
        const b = userItems.indices[q]!;
        if (!seen[b]) {
          seen[b] = 1;
          touched[count++] = b;
        }
        acc[b]! += l * right[q]!;
      }
    }
    visit(a, touched, count, acc);
    for (let t = 0; t < count; t++) {
      const b = touched[t]!;
      acc[b] = 0;
      seen[b] = 0;
    }
  }
}

/**
 * Keeps the m largest acc[b] over touched[0..count) (b ≠ skip, value > 0), written to out (items)
 * in decreasing value, ties by lower item index. O(count + m log m): a threshold by quickselect on
 * a copy, then a sort of the survivors. Returns how many were kept.
 */
export function selectTop(
  touched: Int32Array,
  count: number,
  acc: Float64Array,
  m: number,
  skip: number,
  out: Int32Array,
  scratch: Float64Array,
): number {
  let c = 0;
  for (let t = 0; t < count; t++) {
    const b = touched[t]!;
    if (b !== skip && acc[b]! > 0) out[c++] = b;
  }
  if (c > m) {
    // Threshold = the m-th largest value (quickselect on a copy of the values).
    for (let t = 0; t < c; t++) scratch[t] = acc[out[t]!]!;
    const thr = kthLargest(scratch, c, m);
    let w = 0;
    for (let t = 0; t < c; t++) if (acc[out[t]!]! >= thr) out[w++] = out[t]!;
    c = w;
  }
  const sel = out.subarray(0, c);
  sel.sort((x, y) => acc[y]! - acc[x]! || x - y);
  return Math.min(c, m);
}

/** The k-th largest of v[0..n) (1-based k ≤ n); v is reordered. */
function kthLargest(v: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  const target = k - 1;
  while (lo < hi) {
    const pivot = v[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (v[i]! > pivot) i++;
      while (v[j]! < pivot) j--;
      if (i <= j) {
        const t = v[i]!;
        v[i] = v[j]!;
        v[j] = t;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return v[target]!;
  }
  return v[target]!;
}

/** Collects per-target rows (row j = the sources that score j) and returns W with rows = sources. */
export class NeighbourRows {
  private readonly indptr: Int32Array;
  private indices: Int32Array;
  private data: Float32Array;
  private size = 0;
  private row = 0;
  constructor(
    private readonly n: number,
    capacity: number,
  ) {
    this.indptr = new Int32Array(n + 1);
    this.indices = new Int32Array(Math.max(16, capacity));
    this.data = new Float32Array(Math.max(16, capacity));
  }
  /** Appends row `row` (rows must come in order 0, 1, …). */
  push(row: number, items: ArrayLike<number>, values: ArrayLike<number>, count: number): void {
    while (this.row < row) this.indptr[++this.row] = this.size;
    if (this.size + count > this.indices.length) {
      const cap = Math.max(this.size + count, this.indices.length * 2);
      const i2 = new Int32Array(cap);
      i2.set(this.indices.subarray(0, this.size));
      const d2 = new Float32Array(cap);
      d2.set(this.data.subarray(0, this.size));
      this.indices = i2;
      this.data = d2;
    }
    for (let t = 0; t < count; t++) {
      this.indices[this.size] = items[t]!;
      this.data[this.size++] = values[t]!;
    }
    this.indptr[row + 1] = this.size;
    this.row = row + 1;
  }
  /** The rows as a CSR (rows = what was pushed), optionally transposed. */
  build(transposed: boolean): CsrMatrix {
    while (this.row < this.n) this.indptr[++this.row] = this.size;
    const m: CsrMatrix = {
      nRows: this.n,
      nCols: this.n,
      indptr: this.indptr,
      indices: this.indices.slice(0, this.size),
      data: this.data.slice(0, this.size),
    };
    return transposed ? transpose(m) : m;
  }
}

/** Base of the sparse item-item models: scoring, recommend, similar items, artifact. */
export abstract class SparseItemItemModel implements Recommender {
  abstract readonly kind: string;
  nUsers = 0;
  nItems = 0;
  /** W: row a = (item b, weight) pairs a contributes to b's score. */
  W: CsrMatrix = {
    nRows: 0,
    nCols: 0,
    indptr: new Int32Array(1),
    indices: new Int32Array(0),
    data: new Float32Array(0),
  };

  protected abstract binarize(): boolean;
  /** Computes W from the users×items matrix and its transpose. */
  protected abstract weights(userItems: CsrMatrix, itemUsers: CsrMatrix): CsrMatrix;
  protected abstract meta(): Record<string, unknown>;

  async fit(userItems: CsrMatrix, _options?: FitOptions): Promise<void> {
    if (nnz(userItems) === 0) throw new EmptyInputError('user-items matrix has no entries');
    for (let k = 0; k < userItems.data.length; k++)
      if (!(userItems.data[k]! >= 0))
        throw new RangeError(`negative or NaN weight at entry ${k}: ${userItems.data[k]}`);
    this.W = this.weights(userItems, transpose(userItems));
    this.nUsers = userItems.nRows;
    this.nItems = userItems.nCols;
  }

  protected check(): void {
    if (this.nItems === 0) throw new NotFittedError(this.kind);
  }

  /** s = Σ_a x_a W_a over the given items (weights ignored when binarized). */
  scores(items: ArrayLike<number>, weights: ArrayLike<number>): Float64Array {
    this.check();
    const s = new Float64Array(this.nItems);
    const { indptr, indices, data } = this.W;
    for (let t = 0; t < items.length; t++) {
      const a = items[t]!;
      checkIndex('item', a, this.nItems);
      const x = this.binarize() ? 1 : weights[t]!;
      for (let k = indptr[a]!; k < indptr[a + 1]!; k++) s[indices[k]!]! += x * data[k]!;
    }
    return s;
  }

  recommend(user: number, userItems: CsrMatrix, k: number, options: RecommendOptions = {}): TopK {
    this.check();
    return recommendFromRow(user, userItems, this.nItems, k, options, (items, w) => this.scores(items, w));
  }

  recommendBatch(users: ArrayLike<number>, userItems: CsrMatrix, k: number, options: RecommendOptions = {}): TopK[] {
    return Array.from(users, (u) => this.recommend(u, userItems, k, options));
  }

  /** The items `item` scores highest (its row of W), itself excluded. */
  similarItems(item: number, k: number): TopK {
    this.check();
    checkIndex('item', item, this.nItems);
    const { indptr, indices, data } = this.W;
    const s = indptr[item]!;
    const e = indptr[item + 1]!;
    const cand: number[] = [];
    const vals: number[] = [];
    for (let q = s; q < e; q++)
      if (indices[q] !== item) {
        cand.push(indices[q]!);
        vals.push(data[q]!);
      }
    const top = topKScores(vals, k);
    return { items: Int32Array.from(top.items, (j) => cand[j]!), scores: top.scores };
  }

  save(): Uint8Array {
    this.check();
    return encodeArtifact({
      kind: this.kind,
      meta: { ...this.meta(), nUsers: this.nUsers, nItems: this.nItems },
      arrays: { indptr: this.W.indptr, indices: this.W.indices, data: this.W.data },
    });
  }

  /** Restores W and sizes from an artifact of this kind; returns its meta. */
  protected restore(bytes: Uint8Array): Record<string, unknown> {
    const a = decodeArtifact(bytes);
    if (a.kind !== this.kind) throw new ArtifactFormatError(`expected kind ${this.kind}, got ${a.kind}`);
    const meta = a.meta as { nUsers: number; nItems: number };
    const indptr = a.arrays.indptr as Int32Array;
    const indices = a.arrays.indices as Int32Array;
    const data = a.arrays.data as Float32Array;
    if (indptr.length !== meta.nItems + 1 || indices.length !== data.length || indptr[meta.nItems] !== indices.length)
      throw new ArtifactFormatError('item-item weights disagree with the header');
    this.W = { nRows: meta.nItems, nCols: meta.nItems, indptr, indices, data };
    this.nUsers = meta.nUsers;
    this.nItems = meta.nItems;
    return a.meta as Record<string, unknown>;
  }
}
