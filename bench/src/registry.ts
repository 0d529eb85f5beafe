import type { Benchmark } from './benchmark.ts';
import { generatorBenchmark } from './benchmarks/generator.ts';

/** Every benchmark, in the order `npm run bench` runs them. */
export const benchmarks: Benchmark[] = [generatorBenchmark];
