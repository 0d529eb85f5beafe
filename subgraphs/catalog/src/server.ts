import { processOutbox } from '@recgraph/interactions';
import { createSubgraph, readyWhen, type Subgraph, type SubgraphDeps } from '@recgraph/subgraph-kit';
import { catalogChanges } from './catalogChanges.ts';
import { createCatalogLoaders } from './loaders.ts';
import { resolvers, type CatalogContext } from './resolvers.ts';

/** The schema file composition reads too (scripts/compose.ts). */
export const CATALOG_SCHEMA_FILE = new URL('../schema.graphql', import.meta.url);

export function createCatalogSubgraph({ prisma, secret, logger, bus }: SubgraphDeps): Subgraph {
  const outbox = processOutbox(prisma, logger);
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
