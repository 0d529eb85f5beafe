import { config } from '@recgraph/config';
import { processOutbox } from '@recgraph/interactions';
import { createSubgraph, readyWhen, type Subgraph, type SubgraphDeps } from '@recgraph/subgraph-kit';
import { createLimiter, type FixedWindow } from '@recgraph/subgraph-kit/rateLimits';
import { catalogChanges } from './catalogChanges.ts';
import { createCatalogLoaders } from './loaders.ts';
import { resolvers, type CatalogContext } from './resolvers.ts';

/** The schema file composition reads too (scripts/compose.ts). */
export const CATALOG_SCHEMA_FILE = new URL('../schema.graphql', import.meta.url);

export interface CatalogOptions {
  /** Tracked events per user per window; false: unlimited. Default: TRACK_EVENTS_PER_MINUTE. */
  eventRate?: FixedWindow | false;
}

export function catalogOptionsFromConfig(): CatalogOptions {
  const perMinute = config().TRACK_EVENTS_PER_MINUTE;
  return { eventRate: perMinute > 0 ? { points: perMinute, durationS: 60 } : false };
}

export function createCatalogSubgraph(
  { prisma, secret, logger, bus }: SubgraphDeps,
  options: CatalogOptions = catalogOptionsFromConfig(),
): Subgraph {
  const outbox = processOutbox(prisma, logger);
  // Counted in the database the catalog writes to, so every replica shares one budget per user.
  const eventRate = options.eventRate
    ? createLimiter({ kind: 'postgres', prisma }, 'track-events', options.eventRate)
    : undefined;
  const changes = catalogChanges(bus, logger);
  const subgraph = createSubgraph<CatalogContext>({
    name: 'catalog',
    schemaFile: CATALOG_SCHEMA_FILE,
    resolvers,
    secret,
    logger,
    createContext: (identity) => ({
      identity,
      prisma,
      loaders: createCatalogLoaders(prisma),
      outbox: outbox.notifier,
      changes,
      ...(eventRate ? { eventRate } : {}),
    }),
    ready: readyWhen({ database: () => prisma.$queryRaw`SELECT 1` }),
  });
  return {
    name: subgraph.name,
    sdl: subgraph.sdl,
    schema: subgraph.schema,
    async start(options) {
      const running = await subgraph.start(options);
      outbox.start(bus);
      return {
        ...running,
        async close() {
          await running.close();
          await outbox.stop();
        },
      };
    },
  };
}
