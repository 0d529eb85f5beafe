import type { Benchmark } from './benchmark.ts';

/** Every benchmark, in the order `npm run bench` runs them. */
export const benchmarks: Benchmark[] = [];
