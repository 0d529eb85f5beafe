// @ts-check
// worker_threads entry for ALS: holds views on the SharedArrayBuffers set up by the main
// thread and runs the kernel on the row block it is told to.
import { parentPort, workerData } from 'node:worker_threads';
import { cgUpdateRows, rowLosses } from './als-kernel.js';
import { AlsWasm } from './train-wasm.js';

const d = workerData;
const f = d.f;
const U = new Float32Array(d.userFactors);
const V = new Float32Array(d.itemFactors);
const G = new Float64Array(d.gram);
const losses = new Float64Array(d.losses);
const ui = {
  indptr: new Int32Array(d.ui.indptr),
  indices: new Int32Array(d.ui.indices),
  data: new Float32Array(d.ui.data),
};
const iu = {
  indptr: new Int32Array(d.iu.indptr),
  indices: new Int32Array(d.iu.indices),
  data: new Float32Array(d.iu.data),
};
const G32 = new Float32Array(d.gram32);
/** @type {AlsWasm | undefined} the WebAssembly kernels over this worker's rows (kernel 'wasm'). */
let wasm;

parentPort?.on('message', (msg) => {
  try {
    if (msg.op === 'wasm-init')
      wasm = new AlsWasm(
        f,
        { ...ui, nRows: d.nUsers, nCols: d.nItems },
        { ...iu, nRows: d.nItems, nCols: d.nUsers },
        msg.userRange,
        msg.itemRange,
      );
    else if (msg.op === 'wasm-user') wasm?.update(0, U, V, G32, msg.alpha, msg.cgSteps);
    else if (msg.op === 'wasm-item') wasm?.update(1, V, U, G32, msg.alpha, msg.cgSteps);
    else if (msg.op === 'user')
      cgUpdateRows(U, V, G, ui.indptr, ui.indices, ui.data, f, msg.alpha, msg.cgSteps, msg.start, msg.end);
    else if (msg.op === 'item')
      cgUpdateRows(V, U, G, iu.indptr, iu.indices, iu.data, f, msg.alpha, msg.cgSteps, msg.start, msg.end);
    else if (msg.op === 'loss')
      rowLosses(U, V, G, ui.indptr, ui.indices, ui.data, f, msg.alpha, msg.start, msg.end, losses);
    parentPort?.postMessage({ ok: true });
  } catch (e) {
    parentPort?.postMessage({ ok: false, error: String(e) });
  }
});
