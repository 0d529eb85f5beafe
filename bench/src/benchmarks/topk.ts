// Exact top-k microbenchmark: the JavaScript scan (plain Float32Array, the previous kernel) versus
// the WebAssembly SIMD prefilter (factors in kernel memory), same queries, results checked equal.
// Run: npm run bench -- topk   (--quick: 10k and 100k items only)
import { availableParallelism, cpus } from 'node:os';
import { Rng, toTopKMemory, topKDot, topKKernelAvailable } from '@recgraph/recsys';
import type { Benchmark } from '../benchmark.ts';
import type { BenchTable } from '../table.ts';

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

function time(reps: number, warmup: number, fn: (r: number) => void): number[] {
  for (let r = 0; r < warmup; r++) fn(r);
  const t: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    fn(r);
    t.push(performance.now() - t0);
  }
  return t.sort((a, b) => a - b);
}

export const benchmark: Benchmark = {
  name: 'topk',
  description: 'Exact top-k (k=10, 100) over 10k/100k/1M items × 64 factors: JS scan vs WebAssembly SIMD prefilter',
  async run({ quick, log }) {
    if (!topKKernelAvailable()) throw new Error('WebAssembly SIMD is not available in this runtime');
    const f = 64;
    const rng = new Rng(3);
    const rows: (string | number)[][] = [];
    for (const n of quick ? [10_000, 100_000] : [10_000, 100_000, 1_000_000]) {
      const Y = new Float32Array(n * f);
      for (let i = 0; i < Y.length; i++) Y[i] = rng.normal();
      const W = toTopKMemory(Y);
      const exclude = Int32Array.from({ length: 50 }, () => rng.int(n));
      const reps = n >= 1_000_000 ? 60 : 300;
      const repsBefore = n >= 1_000_000 ? 15 : n >= 100_000 ? 60 : 200;
      const queries = Array.from({ length: reps }, () => Float32Array.from({ length: f }, () => rng.normal()));
      for (const k of [10, 100]) {
        // Same answer, item for item and score for score, on every query timed before.
        for (let r = 0; r < repsBefore; r++) {
          const a = topKDot(queries[r]!, Y, f, k, { exclude });
          const b = topKDot(queries[r]!, W, f, k, { exclude });
          if (a.items.join() !== b.items.join() || a.scores.join() !== b.scores.join())
            throw new Error(`top-${k} over ${n} items differs for query ${r}`);
        }
        const before = time(repsBefore, 3, (r) => topKDot(queries[r]!, Y, f, k, { exclude }));
        const after = time(reps, 10, (r) => topKDot(queries[r % reps]!, W, f, k, { exclude }));
        const row = [
          n,
          k,
          +pct(before, 50).toFixed(2),
          +pct(before, 99).toFixed(2),
          +pct(after, 50).toFixed(2),
          +pct(after, 99).toFixed(2),
          +(pct(before, 50) / pct(after, 50)).toFixed(1),
        ];
        rows.push(row);
        log(`top-${k} over ${n} items: p50 ${row[2]} → ${row[4]} ms`);
      }
    }
    const table: BenchTable = {
      title: 'Exact top-k, one query (64 factors, 50 excluded items, single thread)',
      columns: ['items', 'k', 'before p50 ms', 'before p99 ms', 'after p50 ms', 'after p99 ms', 'speed-up'],
      rows,
      notes: [
        `${cpus()[0]?.model ?? 'cpu'} × ${availableParallelism()} cores, Node ${process.version}`,
        'before: topKDot on a plain Float32Array (JavaScript scan). after: the same call on the factors in WebAssembly memory (SIMD float32 prefilter + exact float64 rescoring).',
        'Results are checked identical (items, order, scores) on every query of the before run.',
        'Timed runs: after 300 queries (60 at 1M); before 200 / 60 / 15 at 10k / 100k / 1M.',
      ],
    };
    return [table];
  },
};
