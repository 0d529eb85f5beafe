import type { BenchTable } from './table.ts';

export interface BenchContext {
  /** Smaller sizes for a fast smoke run (CI uses it to keep benchmarks working). */
  quick: boolean;
  /** ../shared/data when present (the project never needs it to run). */
  sharedDataDir: string | undefined;
  log: (msg: string) => void;
  /** Options some benchmarks read (`--size`, `--rates`, `--seconds`, `--layouts`, `--fresh`); others ignore them. */
  options: BenchOptions;
}

export interface BenchOptions {
  size?: string | undefined;
  rates?: string | undefined;
  seconds?: string | undefined;
  layouts?: string | undefined;
  fresh?: boolean | undefined;
  /** serving-open-loop `--ranker`: the served model carries the learned re-ranker. */
  ranker?: boolean | undefined;
  /** `--cpu-prof <dir>`: role processes write V8 CPU profiles there (serving benchmarks). */
  cpuProf?: string | undefined;
  /** search-open-loop: `--encoder minilm|builtin|<dir>`, `--images <dir>`, `--kinds text,image`. */
  encoder?: string | undefined;
  images?: string | undefined;
  kinds?: string | undefined;
}

/** One benchmark: registered in ./registry.ts, run by `npm run bench -- <name>`. */
export interface Benchmark {
  name: string;
  description: string;
  run(ctx: BenchContext): Promise<BenchTable[]>;
}
