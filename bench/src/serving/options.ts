// What the serving benchmarks share besides the roles and the load: their list options
// (`--rates 50,100,200`, `--size 10k,100k`) and the machine line their tables carry.
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';

/** `--<what> 1,2,4` (a `k` suffix is × 1,000) → positive numbers; `fallback` when absent. */
export function parseList(spec: string | undefined, fallback: number[], what: string): number[] {
  if (!spec) return fallback;
  const xs = spec.split(',').map((x) => Number(x.trim().replace(/k$/i, '000')));
  if (!xs.length || xs.some((x) => !Number.isFinite(x) || x <= 0))
    throw new Error(`--${what} ${spec}: expected e.g. 50,100,200`);
  return xs;
}

/** Cores, CPU model, memory and Node version. */
export const machineNote = () =>
  `${availableParallelism()} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;

/** The 1-minute load average, two decimals. */
export const load1 = () => loadavg()[0]!.toFixed(2);
