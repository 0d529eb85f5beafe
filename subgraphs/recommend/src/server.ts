import client from 'prom-client';
import { config } from '@recgraph/config';
import { processOutbox } from '@recgraph/interactions';
import { createSubgraph, readyWhen, type Subgraph, type SubgraphDeps } from '@recgraph/subgraph-kit';
import {
  createRankingEngine,
  DEFAULT_SERVING_OPTIONS,
  retrievalTotal,
  servingOptionsFromConfig,
  type ServingOptions,
} from '@recgraph/ranking';
import { createConsumerLagGauge } from '@recgraph/telemetry';
import { registerBusinessKpis } from './businessKpis.ts';
import { createRecommendLoaders } from './loaders.ts';
import { resolvers, type RecommendContext } from './resolvers.ts';

/** The schema file composition reads too (scripts/compose.ts). */
export const RECOMMEND_SCHEMA_FILE = new URL('../schema.graphql', import.meta.url);

/**
 * The recommend subgraph and its serving engine. The active model is loaded
 * when the server starts (a failure leaves it serving popularity, never
 * down), then kept current by model events on the bus, by polling the
 * registry and by this process's own promote/rollback mutations.
 * `serving` defaults to the configuration (servingOptionsFromConfig).
 */
export function createRecommendSubgraph(
  { prisma, secret, logger, bus }: SubgraphDeps,
  serving?: Partial<ServingOptions>,
): Subgraph {
  const options: ServingOptions = {
    ...(serving ? DEFAULT_SERVING_OPTIONS : servingOptionsFromConfig(config())),
    ...serving,
  };
  // The caches are kept true by bus events; with no bus there is nothing to invalidate them, so none.
  const ranking = createRankingEngine(
    prisma,
    logger,
    bus ? options : { ...options, userCacheSize: 0, factsInMemory: false },
  );
  const engine = ranking.recommender;
  const outbox = processOutbox(prisma, logger);
  const untrackLag: (() => void)[] = [];
  const subgraph = createSubgraph<RecommendContext>({
    name: 'recommend',
    registerMetrics: (registry) => {
      registerRetrievalMetric(registry);
      // The engine's groups (joined in start(), before the server) as recgraph_recommend_consumer_lag_messages.
      const lag = createConsumerLagGauge(registry, 'recommend');
      for (const g of ranking.consumerGroups()) untrackLag.push(lag.track(g.group, g.subscription));
      registerBusinessKpis(registry, prisma, { warn: (message, err) => logger.warn({ err }, message) });
    },
    schemaFile: RECOMMEND_SCHEMA_FILE,
    resolvers,
    secret,
    logger,
    createContext: (identity) => ({
      identity,
      prisma,
      loaders: createRecommendLoaders(prisma, engine.facts),
      engine,
      ranking,
      bus,
      outbox: outbox.notifier,
      logger,
    }),
    ready: readyWhen({ database: () => prisma.$queryRaw`SELECT 1` }),
  });
  return {
    name: subgraph.name,
    sdl: subgraph.sdl,
    schema: subgraph.schema,
    async start(startOptions) {
      await ranking.start(bus);
      let running;
      try {
        running = await subgraph.start(startOptions);
      } catch (err) {
        await ranking.stop();
        throw err;
      }
      const server = running;
      outbox.start(bus);
      return {
        ...server,
        async close() {
          await server.close();
          for (const untrack of untrackLag.splice(0)) untrack();
          await Promise.all([ranking.stop(), outbox.stop()]);
        },
      };
    },
  };
}

/** recgraph_recommend_retrieval_total{path}: which retrieval path served personal candidates. */
function registerRetrievalMetric(registry: client.Registry): void {
  new client.Counter({
    name: 'recgraph_recommend_retrieval_total',
    help: 'Personal candidate retrievals by path: exact (in-memory top-k) or hnsw (pgvector).',
    labelNames: ['path'] as const,
    registers: [registry],
    // The engine counts in process (retrievalTotal); the series mirrors it at scrape time.
    collect() {
      this.reset();
      for (const path of ['exact', 'hnsw'] as const) this.inc({ path }, retrievalTotal[path]);
    },
  });
}
