import { DimensionMismatchError, IndexOutOfRangeError } from './errors.ts';

/**
 * Compressed sparse row matrix. Row r's entries are indices[indptr[r] .. indptr[r+1])
 * (column indices, sorted ascending, no duplicates) with values in data.
 * Used for user×item confidence (rows = users) and its transpose (rows = items).
 */
export interface CsrMatrix {
  readonly nRows: number;
  readonly nCols: number;
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly data: Float32Array;
}

/** Number of stored entries. */
export const nnz = (m: CsrMatrix): number => m.indptr[m.nRows]!;

/**
 * Builds a CSR matrix from coordinate triplets; duplicates (same row, col) are summed.
 * O(nnz + nRows) counting sort by row, then a per-row sort by column.
 */
export function csrFromTriplets(
  nRows: number,
  nCols: number,
  rows: ArrayLike<number>,
  cols: ArrayLike<number>,
  vals: ArrayLike<number>,
): CsrMatrix {
  const n = rows.length;
  if (cols.length !== n || vals.length !== n) throw new DimensionMismatchError('rows/cols/vals lengths differ');
  const counts = new Int32Array(nRows + 1);
  for (let e = 0; e < n; e++) {
    const r = rows[e]!;
    const c = cols[e]!;
    if (!(r >= 0 && r < nRows) || !Number.isInteger(r)) throw new IndexOutOfRangeError('row', r, nRows);
    if (!(c >= 0 && c < nCols) || !Number.isInteger(c)) throw new IndexOutOfRangeError('column', c, nCols);
    counts[r + 1]!++;
  }
  for (let r = 0; r < nRows; r++) counts[r + 1]! += counts[r]!;
  const pos = counts.slice(0, nRows);
  const tmpCols = new Int32Array(n);
  const tmpVals = new Float64Array(n);
  for (let e = 0; e < n; e++) {
    const p = pos[rows[e]!]!++;
    tmpCols[p] = cols[e]!;
    tmpVals[p] = vals[e]!;
  }
  // Sort each row by column and sum duplicates.
  const indptr = new Int32Array(nRows + 1);
  const outCols = new Int32Array(n);
  const outVals = new Float64Array(n);
  let w = 0;
  let order = new Int32Array(16);
  for (let r = 0; r < nRows; r++) {
    const s = counts[r]!;
    const e = counts[r + 1]!;
    const len = e - s;
    if (order.length < len) order = new Int32Array(len * 2);
    const ord = order.subarray(0, len);
    for (let k = 0; k < len; k++) ord[k] = s + k;
    ord.sort((a, b) => tmpCols[a]! - tmpCols[b]! || a - b);
    let last = -1;
    for (let k = 0; k < len; k++) {
      const idx = ord[k]!;
      const c = tmpCols[idx]!;
      if (c === last) outVals[w - 1]! += tmpVals[idx]!;
      else {
        outCols[w] = c;
        outVals[w] = tmpVals[idx]!;
        w++;
        last = c;
      }
    }
    indptr[r + 1] = w;
  }
  return { nRows, nCols, indptr, indices: outCols.slice(0, w), data: Float32Array.from(outVals.subarray(0, w)) };
}

/** Transpose in O(nnz + nCols); rows of the result are sorted because we scan rows in order. */
export function transpose(m: CsrMatrix): CsrMatrix {
  const total = nnz(m);
  const indptr = new Int32Array(m.nCols + 1);
  for (let k = 0; k < total; k++) indptr[m.indices[k]! + 1]!++;
  for (let c = 0; c < m.nCols; c++) indptr[c + 1]! += indptr[c]!;
  const pos = indptr.slice(0, m.nCols);
  const indices = new Int32Array(total);
  const data = new Float32Array(total);
  for (let r = 0; r < m.nRows; r++) {
    for (let k = m.indptr[r]!; k < m.indptr[r + 1]!; k++) {
      const p = pos[m.indices[k]!]!++;
      indices[p] = r;
      data[p] = m.data[k]!;
    }
  }
  return { nRows: m.nCols, nCols: m.nRows, indptr, indices, data };
}

/** Column indices of row r (a view, no copy). */
export function rowIndices(m: CsrMatrix, r: number): Int32Array {
  if (!(r >= 0 && r < m.nRows)) throw new IndexOutOfRangeError('row', r, m.nRows);
  return m.indices.subarray(m.indptr[r]!, m.indptr[r + 1]!);
}

/** Values of row r (a view, no copy). */
export function rowData(m: CsrMatrix, r: number): Float32Array {
  if (!(r >= 0 && r < m.nRows)) throw new IndexOutOfRangeError('row', r, m.nRows);
  return m.data.subarray(m.indptr[r]!, m.indptr[r + 1]!);
}

/** Same sparsity pattern, values replaced by f(value, row, col). */
export function mapValues(m: CsrMatrix, f: (v: number, row: number, col: number) => number): CsrMatrix {
  const data = new Float32Array(m.data.length);
  for (let r = 0; r < m.nRows; r++)
    for (let k = m.indptr[r]!; k < m.indptr[r + 1]!; k++) data[k] = f(m.data[k]!, r, m.indices[k]!);
  return { ...m, data };
}

/** Number of non-zeros per column (e.g. users per item: the popularity count). */
export function columnCounts(m: CsrMatrix): Int32Array {
  const out = new Int32Array(m.nCols);
  for (let k = 0; k < nnz(m); k++) out[m.indices[k]!]!++;
  return out;
}

/** Keeps only the given columns, renumbered 0..keep.length-1 in the given order. Returns the sub-matrix. */
export function selectColumns(m: CsrMatrix, keep: ArrayLike<number>): CsrMatrix {
  const map = new Int32Array(m.nCols).fill(-1);
  for (let j = 0; j < keep.length; j++) map[keep[j]!] = j;
  const rows: number[] = [];
  const cols: number[] = [];
  const vals: number[] = [];
  for (let r = 0; r < m.nRows; r++)
    for (let k = m.indptr[r]!; k < m.indptr[r + 1]!; k++) {
      const c = map[m.indices[k]!]!;
      if (c >= 0) {
        rows.push(r);
        cols.push(c);
        vals.push(m.data[k]!);
      }
    }
  return csrFromTriplets(m.nRows, keep.length, rows, cols, vals);
}
