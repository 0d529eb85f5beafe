import { createSubgraph, readyWhen, type Subgraph, type SubgraphDeps } from '@recgraph/subgraph-kit';
import { createSearchLoaders } from './loaders.ts';
import { resolvers, type SearchContext } from './resolvers.ts';

/** The schema file composition reads too (scripts/compose.ts). */
export const SEARCH_SCHEMA_FILE = new URL('../schema.graphql', import.meta.url);

export function createSearchSubgraph({ prisma, secret, logger }: SubgraphDeps): Subgraph {
  return createSubgraph<SearchContext>({
    name: 'search',
    schemaFile: SEARCH_SCHEMA_FILE,
    resolvers,
    secret,
    logger,
    createContext: (identity) => ({ identity, prisma, loaders: createSearchLoaders(prisma) }),
    ready: readyWhen({ database: () => prisma.$queryRaw`SELECT 1` }),
  });
}
