import type { CsrMatrix } from './csr.ts';

export declare function trainKernelsModule(): object;
export declare const padded: (f: number) => number;
export declare class KernelMemory {
  alloc(bytes: number): number;
  reset(): void;
  f32(off: number, n: number): Float32Array;
  f64(off: number, n: number): Float64Array;
  i32(off: number, n: number): Int32Array;
}
export declare class AlsWasm {
  constructor(f: number, ui: CsrMatrix, iu: CsrMatrix, userRange: [number, number], itemRange: [number, number]);
  update(side: 0 | 1, out: Float32Array, fixed: Float32Array, G32: Float32Array, alpha: number, cgSteps: number): void;
}
export declare function gramWasm(
  mem: KernelMemory,
  F: Float32Array,
  n: number,
  f: number,
  lambda: number,
): Float32Array;
export declare function spdInverseWasm(A: Float64Array, n: number): { row: number; pivot: number } | undefined;
export declare class SmallSpdSolver {
  constructor(maxK: number);
  system(k: number): { A: Float64Array; b: Float64Array };
  solve(k: number): boolean;
}
export declare function sparseEaseSolveWasm(
  G: CsrMatrix,
  diag: Float64Array,
  K: number,
  lambda: number,
): { counts: Int32Array; x: Float32Array; bad?: undefined } | { bad: number };
