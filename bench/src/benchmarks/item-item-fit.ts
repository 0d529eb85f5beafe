// Child process of recsys-als: fits one item-item model on one matrix and prints its fit time and
// memory as JSON, so each fit's peak RSS is its own (not the benchmark's, nor an earlier fit's).
// Usage: tsx item-item-fit.ts <sparse-ease|rp3beta|ease|ease-js> <source JSON>
//   source: {"synthetic": {nUsers, nItems, nnz, seed}} or {"movielens": path, "topItems": n}
import {
  EaseModel,
  Rp3betaModel,
  SparseEaseModel,
  buildInteractionMatrix,
  columnCounts,
  gramianXtX,
  nnz,
  readRatingsFile,
  selectColumns,
  spdInverseInPlace,
  syntheticInteractions,
  topKScores,
  type CsrMatrix,
} from '@recgraph/recsys';

const [kind, sourceJson] = process.argv.slice(2) as [string, string];
const source = JSON.parse(sourceJson) as {
  synthetic?: { nUsers: number; nItems: number; nnz: number; seed: number };
  movielens?: string;
  topItems?: number;
};

let m: CsrMatrix;
if (source.synthetic) {
  const s = source.synthetic;
  m = buildInteractionMatrix(syntheticInteractions(s), { nUsers: s.nUsers, nItems: s.nItems }).userItems;
} else {
  const { interactions, users, items } = readRatingsFile(source.movielens!);
  m = buildInteractionMatrix(interactions, { nUsers: users.size, nItems: items.size }).userItems;
  if (source.topItems) {
    const keep = Int32Array.from(topKScores(columnCounts(m), source.topItems).items).sort();
    m = selectColumns(m, keep);
  }
}
const mb = (b: number) => b / 2 ** 20;
const rssBefore = process.memoryUsage().rss;
const t0 = performance.now();
let modelBytes = 0;
if (kind === 'ease-js') {
  // Dense EASE as it was before the WebAssembly inverse: the readable JavaScript Cholesky inverse.
  const n = m.nCols;
  const P = gramianXtX(m, true);
  for (let i = 0; i < n; i++) P[i * n + i]! += 250;
  spdInverseInPlace(P, n);
  modelBytes = n * n * 4;
} else {
  const model =
    kind === 'sparse-ease'
      ? new SparseEaseModel()
      : kind === 'rp3beta'
        ? new Rp3betaModel()
        : new EaseModel({ maxItems: 20_000 });
  await model.fit(m);
  modelBytes =
    model instanceof EaseModel ? model.B.byteLength : model.W.indices.byteLength * 2 + model.W.indptr.byteLength;
}
const seconds = (performance.now() - t0) / 1000;
console.log(
  JSON.stringify({
    kind,
    users: m.nRows,
    items: m.nCols,
    nnz: nnz(m),
    seconds,
    peakRssMb: mb(process.resourceUsage().maxRSS * 1024),
    rssBeforeFitMb: mb(rssBefore),
    modelMb: mb(modelBytes),
  }),
);
