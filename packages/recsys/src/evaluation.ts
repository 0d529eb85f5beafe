import { columnCounts, type CsrMatrix } from './csr.ts';
import { DimensionMismatchError, EmptyInputError } from './errors.ts';
import { subsetInteractions, type Interactions } from './interactions.ts';
import type { RecommendOptions, Recommender } from './model.ts';
import { PopularityModel } from './popularity.ts';
import { Rng } from './rng.ts';
import type { Exclusion, TopK } from './topk.ts';

export interface Split {
  train: Interactions;
  test: Interactions;
}

/** Groups event indices by user and, within a user, by distinct item (item order: first seen). */
function groupByUserItem(x: Interactions): Map<number, Map<number, number[]>> {
  const by = new Map<number, Map<number, number[]>>();
  for (let e = 0; e < x.user.length; e++) {
    let m = by.get(x.user[e]!);
    if (!m) by.set(x.user[e]!, (m = new Map()));
    let l = m.get(x.item[e]!);
    if (!l) m.set(x.item[e]!, (l = []));
    l.push(e);
  }
  return by;
}

function assemble(x: Interactions, trainIdx: number[], testIdx: number[]): Split {
  trainIdx.sort((a, b) => a - b);
  testIdx.sort((a, b) => a - b);
  return { train: subsetInteractions(x, trainIdx), test: subsetInteractions(x, testIdx) };
}

export interface StratifiedSplitOptions {
  /** Fraction of each user's distinct items held out (default 0.25). */
  testFraction?: number;
  seed?: number;
  /** Users with fewer distinct items stay entirely in train (default 4). */
  minItems?: number;
}

/**
 * Per-user stratified random split: for each user (ascending index) with ≥ minItems distinct
 * items, the items (sorted by index) are shuffled by one seeded stream and round(n·fraction)
 * (at least 1, at most n−1) are held out with all their events. Deterministic in the seed;
 * independent of the input's row order per user.
 */
export function stratifiedSplit(x: Interactions, o: StratifiedSplitOptions = {}): Split {
  if (x.user.length === 0) throw new EmptyInputError('no interactions to split');
  const frac = o.testFraction ?? 0.25;
  const minItems = o.minItems ?? 4;
  const rng = new Rng(o.seed ?? 42);
  const by = groupByUserItem(x);
  const trainIdx: number[] = [];
  const testIdx: number[] = [];
  for (const user of Array.from(by.keys()).sort((a, b) => a - b)) {
    const m = by.get(user)!;
    const items = Int32Array.from(m.keys()).sort();
    if (items.length < minItems) {
      for (const l of m.values()) trainIdx.push(...l);
      continue;
    }
    rng.shuffle(items);
    const nTest = Math.min(items.length - 1, Math.max(1, Math.round(items.length * frac)));
    items.forEach((it, j) => (j < nTest ? testIdx : trainIdx).push(...m.get(it)!));
  }
  return assemble(x, trainIdx, testIdx);
}

export interface TemporalSplitOptions {
  /** Hold out each user's last n distinct items … */
  lastN?: number;
  /** … or this fraction of them (rounded, ≥ 1). */
  fraction?: number;
  minItems?: number;
}

/**
 * Temporal split: each user's distinct items ordered by their latest event (ties: item index);
 * the last n (or last fraction) go to test. Users with < minItems items stay in train.
 */
export function temporalSplit(x: Interactions, o: TemporalSplitOptions): Split {
  if (x.user.length === 0) throw new EmptyInputError('no interactions to split');
  const minItems = o.minItems ?? 2;
  const by = groupByUserItem(x);
  const trainIdx: number[] = [];
  const testIdx: number[] = [];
  for (const m of by.values()) {
    const entries = Array.from(m.entries()).map(([item, l]) => ({
      item,
      l,
      t: Math.max(...l.map((e) => x.timestamp[e]!)),
    }));
    if (entries.length < minItems) {
      for (const { l } of entries) trainIdx.push(...l);
      continue;
    }
    entries.sort((a, b) => a.t - b.t || a.item - b.item);
    const n = entries.length;
    const want = o.lastN ?? Math.max(1, Math.round(n * (o.fraction ?? 0.2)));
    const nTest = Math.min(n - 1, Math.max(0, want));
    entries.forEach((en, j) => (j >= n - nTest ? testIdx : trainIdx).push(...en.l));
  }
  return assemble(x, trainIdx, testIdx);
}

export interface Metrics {
  k: number;
  users: number;
  precision: number;
  recall: number;
  map: number;
  ndcg: number;
  hitRate: number;
  coverage: number;
  novelty: number;
  /** Intra-list diversity 1 − mean pairwise cosine of item vectors (NaN without vectors). */
  diversity: number;
  /** 1 − fraction of same-category pairs (NaN without categories). */
  categoryDiversity: number;
}

/** Ranking metrics for one user's list against a relevant set. */
export function userRankingMetrics(recs: ArrayLike<number>, relevant: Set<number>, k: number) {
  const n = Math.min(k, recs.length);
  let hits = 0;
  let apSum = 0;
  let dcg = 0;
  for (let j = 0; j < n; j++) {
    if (relevant.has(recs[j]!)) {
      hits++;
      apSum += hits / (j + 1);
      dcg += 1 / Math.log2(j + 2);
    }
  }
  const ideal = Math.min(k, relevant.size);
  let idcg = 0;
  for (let j = 0; j < ideal; j++) idcg += 1 / Math.log2(j + 2);
  return {
    precision: hits / k,
    recall: relevant.size ? hits / relevant.size : 0,
    ap: ideal ? apSum / ideal : 0,
    ndcg: idcg ? dcg / idcg : 0,
    hit: hits > 0 ? 1 : 0,
  };
}

/** 1 − mean pairwise cosine of the listed items' vectors. */
export function intraListDiversity(items: ArrayLike<number>, vectors: Float32Array, dim: number): number {
  const n = items.length;
  if (n < 2) return NaN;
  let sum = 0;
  let pairs = 0;
  for (let a = 0; a < n; a++)
    for (let b = a + 1; b < n; b++) {
      const ia = items[a]! * dim;
      const ib = items[b]! * dim;
      let ab = 0;
      let aa = 0;
      let bb = 0;
      for (let d = 0; d < dim; d++) {
        ab += vectors[ia + d]! * vectors[ib + d]!;
        aa += vectors[ia + d]! ** 2;
        bb += vectors[ib + d]! ** 2;
      }
      sum += aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
      pairs++;
    }
  return 1 - sum / pairs;
}

/** 1 − fraction of pairs in the same category. */
export function categoryDiversity(items: ArrayLike<number>, categories: Int32Array): number {
  const n = items.length;
  if (n < 2) return NaN;
  let same = 0;
  let pairs = 0;
  for (let a = 0; a < n; a++)
    for (let b = a + 1; b < n; b++) {
      if (categories[items[a]!] === categories[items[b]!]) same++;
      pairs++;
    }
  return 1 - same / pairs;
}

export interface EvaluateOptions {
  k?: number;
  /** Remove train items from the recommendations (default true). */
  excludeSeen?: boolean;
  /** Vectors for intra-list diversity (default: the model's own item vectors, if any). */
  itemVectors?: { vectors: Float32Array; dim: number };
  categories?: Int32Array;
  /** Extra per-user exclusions (e.g. disliked). */
  exclude?: (user: number) => Exclusion;
  batchSize?: number;
}

/**
 * Evaluates a fitted model: for every user with test items, top-k from `model` (train items
 * excluded unless excludeSeen=false) scored against the user's test items.
 *  - precision@k = hits/k; recall@k = hits/|T_u|
 *  - MAP@k: AP = (1/min(k,|T_u|)) Σ_{hit at rank j} hits_≤j / j
 *  - NDCG@k: binary gains, DCG = Σ 1/log2(j+1), IDCG over min(k,|T_u|) hits
 *  - hit rate: share of users with ≥ 1 hit
 *  - coverage: distinct recommended items / catalog size
 *  - novelty: mean −log2(pop_i) over all recommended items, pop_i = train users with i / train users
 *    (items unseen in train count as 1 user)
 *  - diversity: mean intra-list diversity (vectors and/or categories)
 */
export function evaluate(model: Recommender, train: CsrMatrix, test: CsrMatrix, o: EvaluateOptions = {}): Metrics {
  const k = o.k ?? 10;
  if (train.nCols !== test.nCols)
    throw new DimensionMismatchError(`train has ${train.nCols} items, test ${test.nCols}`);
  const users: number[] = [];
  for (let u = 0; u < Math.min(test.nRows, train.nRows); u++) if (test.indptr[u + 1]! > test.indptr[u]!) users.push(u);
  if (users.length === 0) throw new EmptyInputError('no test users');
  const counts = columnCounts(train);
  let trainUsers = 0;
  for (let u = 0; u < train.nRows; u++) if (train.indptr[u + 1]! > train.indptr[u]!) trainUsers++;
  const vec = o.itemVectors ?? model.itemVectors?.();
  const recOpts: RecommendOptions = { filterSeen: o.excludeSeen ?? true };
  const acc = { precision: 0, recall: 0, map: 0, ndcg: 0, hit: 0, nov: 0, novN: 0, div: 0, divN: 0, cdiv: 0, cdivN: 0 };
  const recommended = new Uint8Array(train.nCols);
  const bs = o.batchSize ?? 256;
  for (let b0 = 0; b0 < users.length; b0 += bs) {
    const batch = users.slice(b0, b0 + bs);
    let lists: TopK[];
    if (o.exclude) lists = batch.map((u) => model.recommend(u, train, k, { ...recOpts, exclude: o.exclude!(u) }));
    else lists = model.recommendBatch(batch, train, k, recOpts);
    batch.forEach((u, j) => {
      const recs = lists[j]!.items;
      const rel = new Set(test.indices.subarray(test.indptr[u]!, test.indptr[u + 1]!));
      const m = userRankingMetrics(recs, rel, k);
      acc.precision += m.precision;
      acc.recall += m.recall;
      acc.map += m.ap;
      acc.ndcg += m.ndcg;
      acc.hit += m.hit;
      for (const i of recs) {
        recommended[i] = 1;
        acc.nov += -Math.log2(Math.max(counts[i]!, 1) / trainUsers);
        acc.novN++;
      }
      if (vec && recs.length >= 2) {
        acc.div += intraListDiversity(recs, vec.vectors, vec.dim);
        acc.divN++;
      }
      if (o.categories && recs.length >= 2) {
        acc.cdiv += categoryDiversity(recs, o.categories);
        acc.cdivN++;
      }
    });
  }
  let covered = 0;
  for (const r of recommended) covered += r;
  const n = users.length;
  return {
    k,
    users: n,
    precision: acc.precision / n,
    recall: acc.recall / n,
    map: acc.map / n,
    ndcg: acc.ndcg / n,
    hitRate: acc.hit / n,
    coverage: covered / train.nCols,
    novelty: acc.novN ? acc.nov / acc.novN : NaN,
    diversity: acc.divN ? acc.div / acc.divN : NaN,
    categoryDiversity: acc.cdivN ? acc.cdiv / acc.cdivN : NaN,
  };
}

/**
 * Evaluates `model` and a popularity baseline fitted on the same train matrix, with the same
 * diversity vectors (the model's), so the baseline is always reported beside the model.
 */
export async function evaluateWithBaseline(
  model: Recommender,
  train: CsrMatrix,
  test: CsrMatrix,
  o: EvaluateOptions = {},
): Promise<{ model: Metrics; baseline: Metrics }> {
  const baseline = new PopularityModel();
  await baseline.fit(train);
  const itemVectors = o.itemVectors ?? model.itemVectors?.();
  return {
    model: evaluate(model, train, test, { ...o, itemVectors }),
    baseline: evaluate(baseline, train, test, { ...o, itemVectors }),
  };
}

export const RANKING_METRICS = ['precision', 'recall', 'map', 'ndcg', 'hitRate'] as const;

/** Rows for a report table: one per model, metric columns in a fixed order. */
export function metricsTable(results: Record<string, Metrics>): { columns: string[]; rows: (string | number)[][] } {
  const k = Object.values(results)[0]?.k ?? 10;
  const columns = ['model', `P@${k}`, `R@${k}`, `MAP@${k}`, `NDCG@${k}`, `HR@${k}`, 'coverage', 'novelty', 'ILD'];
  const r4 = (v: number) => (Number.isNaN(v) ? 'n/a' : Math.round(v * 10000) / 10000);
  const rows = Object.entries(results).map(([name, m]) => [
    name,
    r4(m.precision),
    r4(m.recall),
    r4(m.map),
    r4(m.ndcg),
    r4(m.hitRate),
    r4(m.coverage),
    r4(m.novelty),
    r4(m.diversity),
  ]);
  return { columns, rows };
}
