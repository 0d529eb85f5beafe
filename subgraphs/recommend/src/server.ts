import { createSubgraph, readyWhen, type Subgraph, type SubgraphDeps } from '@recgraph/subgraph-kit';
import { createRecommendLoaders } from './loaders.ts';
import { resolvers, type RecommendContext } from './resolvers.ts';

/** The schema file composition reads too (scripts/compose.ts). */
export const RECOMMEND_SCHEMA_FILE = new URL('../schema.graphql', import.meta.url);

export function createRecommendSubgraph({ prisma, secret, logger }: SubgraphDeps): Subgraph {
  return createSubgraph<RecommendContext>({
    name: 'recommend',
    schemaFile: RECOMMEND_SCHEMA_FILE,
    resolvers,
    secret,
    logger,
    createContext: (identity) => ({ identity, prisma, loaders: createRecommendLoaders(prisma) }),
    ready: readyWhen({ database: () => prisma.$queryRaw`SELECT 1` }),
  });
}
