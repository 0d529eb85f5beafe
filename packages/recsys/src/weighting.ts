import { columnCounts, type CsrMatrix } from './csr.ts';
import { ArtifactFormatError } from './errors.ts';

/**
 * How a user×item matrix of summed event confidences is re-weighted before a
 * model sees it (the confidence weighting of implicit-feedback models):
 *   linear  w = x                                  (Hu, Koren & Volinsky 2008, c = 1 + αx)
 *   log     w = log(1 + x)                         (the same paper's log scaling, ε = 1)
 *   bm25    w = x(K1+1) / (K1((1−B) + B·len_u/avglen) + x) · idf_i   (implicit's bm25_weight)
 *   tfidf   w = √x · idf_i                         (implicit's tfidf_weight)
 * with idf_i = log N − log(1 + df_i) over the users of the matrix it was fitted on.
 */
export const WEIGHTING_SCHEMES = ['linear', 'log', 'bm25', 'tfidf'] as const;
export type WeightingScheme = (typeof WEIGHTING_SCHEMES)[number];

/**
 * A weighting fitted on a training matrix: the scheme and the corpus statistics
 * it needs (idf per item, the mean row length). Serving re-weights a folded-in
 * user with these same numbers, so a user's row is weighted exactly as training
 * weighted it, whatever has happened to the data since.
 */
export interface FittedWeighting {
  scheme: WeightingScheme;
  K1: number;
  B: number;
  /** Per item (bm25, tfidf); undefined for linear and log. */
  idf: Float64Array | undefined;
  /** Mean row sum of the fitted matrix (bm25's avglen). */
  avgRowSum: number;
}

export const DEFAULT_BM25 = { K1: 100, B: 0.8 } as const;

export function isWeightingScheme(s: unknown): s is WeightingScheme {
  return typeof s === 'string' && (WEIGHTING_SCHEMES as readonly string[]).includes(s);
}

/** The identity weighting (what a model trained before weightings were recorded used). */
export function linearWeighting(): FittedWeighting {
  return { scheme: 'linear', K1: DEFAULT_BM25.K1, B: DEFAULT_BM25.B, idf: undefined, avgRowSum: 1 };
}

/** idf_j = log(N) − log1p(df_j) with N = rows, df_j = non-zeros in column j (implicit's convention). */
function idf(m: CsrMatrix): Float64Array {
  const df = columnCounts(m);
  const out = new Float64Array(m.nCols);
  const logN = Math.log(m.nRows);
  for (let j = 0; j < m.nCols; j++) out[j] = logN - Math.log1p(df[j]!);
  return out;
}

/** The statistics `scheme` needs, from the matrix it will weight. */
export function fitWeighting(
  m: CsrMatrix,
  scheme: WeightingScheme,
  bm25: { K1?: number; B?: number } = {},
): FittedWeighting {
  const K1 = bm25.K1 ?? DEFAULT_BM25.K1;
  const B = bm25.B ?? DEFAULT_BM25.B;
  let total = 0;
  for (let k = 0; k < m.indptr[m.nRows]!; k++) total += m.data[k]!;
  return {
    scheme,
    K1,
    B,
    idf: scheme === 'bm25' || scheme === 'tfidf' ? idf(m) : undefined,
    avgRowSum: m.nRows > 0 && total > 0 ? total / m.nRows : 1,
  };
}

/**
 * One user's row re-weighted: `values[k]` is the summed confidence of `items[k]`.
 * The single definition both the whole matrix (training) and a fold-in (serving) use.
 */
export function weightRow(values: ArrayLike<number>, items: ArrayLike<number>, w: FittedWeighting): Float64Array {
  const n = values.length;
  const out = new Float64Array(n);
  if (w.scheme === 'linear') {
    for (let k = 0; k < n; k++) out[k] = values[k]!;
    return out;
  }
  if (w.scheme === 'log') {
    for (let k = 0; k < n; k++) out[k] = Math.log1p(values[k]!);
    return out;
  }
  const idf = w.idf!;
  const idfOf = (i: number) => (i >= 0 && i < idf.length ? idf[i]! : 0);
  if (w.scheme === 'tfidf') {
    for (let k = 0; k < n; k++) out[k] = Math.sqrt(values[k]!) * idfOf(items[k]!);
    return out;
  }
  let len = 0;
  for (let k = 0; k < n; k++) len += values[k]!;
  const lengthNorm = 1 - w.B + (w.B * len) / w.avgRowSum;
  for (let k = 0; k < n; k++) {
    const v = values[k]!;
    out[k] = ((v * (w.K1 + 1)) / (w.K1 * lengthNorm + v)) * idfOf(items[k]!);
  }
  return out;
}

/** Every row of `m` through weightRow (same sparsity pattern). */
export function applyWeighting(m: CsrMatrix, w: FittedWeighting): CsrMatrix {
  if (w.scheme === 'linear') return m;
  const data = new Float32Array(m.data.length);
  for (let r = 0; r < m.nRows; r++) {
    const s = m.indptr[r]!;
    const e = m.indptr[r + 1]!;
    data.set(weightRow(m.data.subarray(s, e), m.indices.subarray(s, e), w), s);
  }
  return { ...m, data };
}

/** BM25 weighting as in implicit.nearest_neighbours.bm25_weight (Robertson & Zaragoza 2009). */
export function bm25Weight(m: CsrMatrix, K1: number = DEFAULT_BM25.K1, B: number = DEFAULT_BM25.B): CsrMatrix {
  return applyWeighting(m, fitWeighting(m, 'bm25', { K1, B }));
}

/** TF-IDF as in implicit.nearest_neighbours.tfidf_weight: w_rj = sqrt(x_rj) · idf_j. */
export function tfidfWeight(m: CsrMatrix): CsrMatrix {
  return applyWeighting(m, fitWeighting(m, 'tfidf'));
}

/** The weighting as artifact header fields and arrays (see artifact.ts). */
export function weightingToArtifact(w: FittedWeighting): {
  meta: { scheme: WeightingScheme; K1: number; B: number; avgRowSum: number };
  arrays: Record<string, Float64Array>;
} {
  return {
    meta: { scheme: w.scheme, K1: w.K1, B: w.B, avgRowSum: w.avgRowSum },
    arrays: w.idf ? { weightingIdf: w.idf } : {},
  };
}

export function weightingFromArtifact(meta: unknown, arrays: Record<string, unknown>): FittedWeighting {
  const m = meta as { scheme?: unknown; K1?: unknown; B?: unknown; avgRowSum?: unknown } | undefined;
  if (!m || !isWeightingScheme(m.scheme)) throw new ArtifactFormatError('artifact weighting has no known scheme');
  const num = (v: unknown, name: string) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new ArtifactFormatError(`artifact weighting ${name}`);
    return v;
  };
  const idf = arrays.weightingIdf;
  const needsIdf = m.scheme === 'bm25' || m.scheme === 'tfidf';
  if (needsIdf && !(idf instanceof Float64Array))
    throw new ArtifactFormatError(`artifact weighting ${m.scheme} has no idf`);
  return {
    scheme: m.scheme,
    K1: num(m.K1, 'K1'),
    B: num(m.B, 'B'),
    avgRowSum: num(m.avgRowSum, 'avgRowSum'),
    idf: needsIdf ? (idf as Float64Array) : undefined,
  };
}
