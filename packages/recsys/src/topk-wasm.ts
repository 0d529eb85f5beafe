// WebAssembly SIMD prefilter for exact top-k over item factors (kernels/topk-dot.wat).
//
// Why hand-written: no JavaScript library does "f32 dot products of one query against a big
// row-major Float32Array, keep the k best, bit-identical to our float64 reference". BLAS/ONNX
// bindings are native add-ons (install-time toolchain, a copy of the matrix per call through N-API,
// and different summation orders, so different ties); ANN libraries (hnswlib, faiss) are
// approximate; TensorFlow.js is a 100 MB dependency with float32 results. V8 does not vectorise
// JavaScript loops, so the scan itself is ~100 lines of WAT and this file only places the matrix
// in WebAssembly memory and drives the kernel block by block.
//
// Measured on the 2-core dev machine, 100k items × 64 factors, one query, kernel alone: JavaScript
// scan (the reference loop) ~11 ms; WebAssembly f64x2 with the reference's exact operation order
// (bit-identical scores, no bound needed) 1.45–1.5 ms; f32x4 without norms 0.88 ms; f32x4 with the
// in-kernel norms used here 1.1 ms (the whole topKDot: 1.2 ms at k=10, 1.35–1.5 ms at k=100).
// The norms are computed in the scan rather than stored, so there is no derived state that could go
// stale when the factors are written in place.
import { topkDotWasm } from './kernels/topk-dot.wasm.ts';

// The project's lib (ES2023, no DOM) has no WebAssembly types; the part used here, module-local.
type WasmModule = object;
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
declare const WebAssembly: {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum?: number }) => WasmMemory;
};

/** Largest factor count the kernel's scratch area holds (q is staged there, zero-padded). */
export const TOPK_KERNEL_MAX_FACTORS = 4096;
/** Rows emitted per kernel call at most (the candidate buffer's size). */
export const TOPK_KERNEL_BLOCK = 8192;

const Q_BYTES = TOPK_KERNEL_MAX_FACTORS * 4;
const OUT_BYTES = TOPK_KERNEL_BLOCK * 4;
/** Slack after the scratch area: the kernel's last 4-row group may read up to 3 rows (+16 B) past the data. */
const PAD_BYTES = 65536;
const PAGE = 65536;

type ScanFn = (
  q: number,
  y: number,
  f: number,
  i: number,
  end: number,
  thr: number,
  c: number,
  e: number,
  d: number,
  out: number,
) => number;

/** A WebAssembly memory holding one factor matrix at offset 0, then the kernel's scratch. */
export interface ScanContext {
  readonly scan: ScanFn;
  /** Byte offset where the factor data ends (views must lie in [0, dataEnd)). */
  readonly dataEnd: number;
  readonly qOff: number;
  readonly outOff: number;
  readonly f32: Float32Array;
  readonly i32: Int32Array;
}

const contexts = new WeakMap<ArrayBuffer, ScanContext>();
let module: WasmModule | null | undefined;

function kernelModule(): WasmModule | null {
  if (module !== undefined) return module;
  try {
    const bytes = Uint8Array.from(atob(topkDotWasm), (ch) => ch.charCodeAt(0));
    // Small enough (< 4 KB) for synchronous compilation everywhere; null without SIMD support.
    module = WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  } catch {
    module = null;
  }
  return module;
}

/** Whether topKDot can use the SIMD kernel in this runtime. */
export function topKKernelAvailable(): boolean {
  return kernelModule() !== null;
}

/**
 * A zeroed Float32Array of `length` floats placed in its own WebAssembly memory, so that topKDot
 * scans it with the SIMD kernel (zero-copy: the kernel reads these very bytes, so writes to the
 * array are always seen). Falls back to an ordinary Float32Array when WebAssembly SIMD is
 * unavailable or the memory cannot be reserved; topKDot then uses its JavaScript loop.
 * The memory is never grown, so the view stays valid; the array cannot be transferred to a worker.
 */
export function topKFloat32Array(length: number): Float32Array {
  const mod = kernelModule();
  const dataBytes = length * 4;
  const qOff = Math.ceil(dataBytes / 64) * 64;
  const outOff = qOff + Q_BYTES;
  const pages = Math.ceil((outOff + OUT_BYTES + PAD_BYTES) / PAGE);
  if (mod === null || pages > 65536) return new Float32Array(length);
  let memory: WasmMemory;
  let scan: ScanFn;
  try {
    memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    scan = new WebAssembly.Instance(mod, { env: { memory } }).exports.scan as ScanFn;
  } catch {
    return new Float32Array(length);
  }
  const buffer = memory.buffer;
  contexts.set(buffer, {
    scan,
    dataEnd: dataBytes,
    qOff,
    outOff,
    f32: new Float32Array(buffer),
    i32: new Int32Array(buffer),
  });
  return new Float32Array(buffer, 0, length);
}

/** A copy of `src` in WebAssembly memory (see topKFloat32Array). */
export function toTopKMemory(src: ArrayLike<number>): Float32Array {
  const out = topKFloat32Array(src.length);
  out.set(src);
  return out;
}

/**
 * Item factors as a model should hold them: in kernel memory when the catalog is big enough for
 * the scan to matter (≥ minFloats floats, 1024 items × 64 factors by default), else a plain copy.
 * Small models stay off WebAssembly memory, each of which reserves gigabytes of address space.
 */
export function itemFactorStorage(src: ArrayLike<number>, minFloats = 1 << 16): Float32Array {
  return src.length >= minFloats ? toTopKMemory(src) : Float32Array.from(src);
}

/** The kernel context when Y lives in kernel memory (from topKFloat32Array), else undefined. */
export function scanContext(Y: Float32Array): ScanContext | undefined {
  const ctx = contexts.get(Y.buffer as ArrayBuffer);
  return ctx !== undefined && Y.byteOffset + Y.byteLength <= ctx.dataEnd ? ctx : undefined;
}

/** Whether topKDot will scan Y with the SIMD kernel. */
export function inTopKMemory(Y: Float32Array): boolean {
  return scanContext(Y) !== undefined && topKKernelAvailable();
}

const U32 = 2 ** -24;
const TINY = 2 ** -149;

/**
 * Stage q in scratch and return the prefilter's bound constants (see topk-dot.wat):
 * a row is skipped only if s32 + c·sqrt(nn32 + e) + d < threshold.
 *
 * Why that is safe: with u = 2^-24, every float32 product and sum along one term's path is at
 * most f + 3 roundings, so |s32 − q·y| ≤ γ(f+3)·Σ|q_a y_a| + f·2^-150 (underflow of products),
 * and the float64 reference is within γ64(f+3)·Σ|q_a y_a| of q·y (its products are exact).
 * Σ|q_a y_a| ≤ |q|·|y| (Cauchy–Schwarz) and |y|² ≤ (nn32 + f·2^-149)/(1 − γ(f+3)). c takes twice
 * (f + 3)·u·|q|, which covers γ's denominator, the float64 error and the rounding of the bound
 * itself for any f ≤ TOPK_KERNEL_MAX_FACTORS.
 */
export function stageQuery(ctx: ScanContext, q: Float32Array, f: number): { c: number; e: number; d: number } {
  const base = ctx.qOff >> 2;
  ctx.f32.set(q, base);
  const padded = (f + 3) & ~3;
  for (let a = f; a < padded; a++) ctx.f32[base + a] = 0;
  let qq = 0;
  for (let a = 0; a < f; a++) qq += q[a]! * q[a]!;
  return { c: 2 * (f + 3) * U32 * Math.sqrt(qq), e: f * TINY, d: 2 * f * TINY };
}
