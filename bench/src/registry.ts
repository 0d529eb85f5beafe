import type { Benchmark } from './benchmark.ts';
import { generatorBenchmark } from './benchmarks/generator.ts';
import { importBenchmark } from './benchmarks/import.ts';
import { benchmark as recsysAls } from './benchmarks/recsys-als.ts';
import { benchmark as recsysSpark } from './benchmarks/recsys-spark.ts';
import { benchmark as recsysGpu } from './benchmarks/recsys-gpu.ts';
import { benchmark as recsysMovielens } from './benchmarks/recsys-movielens.ts';
import { benchmark as streamingIngest } from './benchmarks/streaming-ingest.ts';
import { benchmark as recommendLatency } from './benchmarks/recommend-latency.ts';
import { benchmark as gatewayOverhead } from './benchmarks/gateway-overhead.ts';
import { benchmark as trainer } from './benchmarks/trainer.ts';
import { benchmark as topk } from './benchmarks/topk.ts';
import { benchmark as eventToSubscription } from './benchmarks/event-to-subscription.ts';
import { benchmark as servingOpenLoop } from './benchmarks/serving-open-loop.ts';
import { benchmark as searchOpenLoop } from './benchmarks/search-open-loop.ts';
import { benchmark as servingMemory } from './benchmarks/serving-memory.ts';
import { benchmark as soak } from './benchmarks/soak.ts';
import { benchmark as assistant } from './benchmarks/assistant.ts';

/** Every benchmark, in the order `npm run bench` runs them. */
export const benchmarks: Benchmark[] = [
  generatorBenchmark,
  importBenchmark,
  recsysMovielens,
  recsysAls,
  recsysSpark,
  recsysGpu,
  topk,
  streamingIngest,
  gatewayOverhead,
  recommendLatency,
  trainer,
  eventToSubscription,
  servingOpenLoop,
  searchOpenLoop,
  servingMemory,
  soak,
  assistant,
];
