import { createSubgraph, readyWhen, type Subgraph, type SubgraphDeps } from '@recgraph/subgraph-kit';
import { createCatalogLoaders } from './loaders.ts';
import { startOutboxRelay, type OutboxNotifier, type OutboxRelay } from './outboxRelay.ts';
import { resolvers, type CatalogContext } from './resolvers.ts';

/** The schema file composition reads too (scripts/compose.ts). */
export const CATALOG_SCHEMA_FILE = new URL('../schema.graphql', import.meta.url);

export function createCatalogSubgraph({ prisma, secret, logger, bus }: SubgraphDeps): Subgraph {
  // Requests kick whichever relay is running; with no bus, interactions wait in
  // the outbox until a catalog with one starts.
  let relay: OutboxRelay | undefined;
  const outbox: OutboxNotifier = { kick: () => relay?.kick() };
  const subgraph = createSubgraph<CatalogContext>({
    name: 'catalog',
    schemaFile: CATALOG_SCHEMA_FILE,
    resolvers,
    secret,
    logger,
    createContext: (identity) => ({ identity, prisma, loaders: createCatalogLoaders(prisma), outbox }),
    ready: readyWhen({ database: () => prisma.$queryRaw`SELECT 1` }),
  });
  return {
    name: subgraph.name,
    sdl: subgraph.sdl,
    schema: subgraph.schema,
    async start(options) {
      const running = await subgraph.start(options);
      if (bus) relay ??= startOutboxRelay({ prisma, bus, logger });
      else logger.warn('no event bus: tracked interactions stay in the outbox until a catalog with one runs');
      return {
        ...running,
        async close() {
          await running.close();
          await relay?.stop();
          relay = undefined;
        },
      };
    },
  };
}
