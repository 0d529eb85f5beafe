import { createSubgraph, readyWhen, type Subgraph, type SubgraphDeps } from '@recgraph/subgraph-kit';
import { createCatalogLoaders } from './loaders.ts';
import { resolvers, type CatalogContext } from './resolvers.ts';

/** The schema file composition reads too (scripts/compose.ts). */
export const CATALOG_SCHEMA_FILE = new URL('../schema.graphql', import.meta.url);

export function createCatalogSubgraph({ prisma, secret, logger }: SubgraphDeps): Subgraph {
  return createSubgraph<CatalogContext>({
    name: 'catalog',
    schemaFile: CATALOG_SCHEMA_FILE,
    resolvers,
    secret,
    logger,
    createContext: (identity) => ({ identity, prisma, loaders: createCatalogLoaders(prisma) }),
    ready: readyWhen({ database: () => prisma.$queryRaw`SELECT 1` }),
  });
}
