import { createSubgraph, readyWhen, type Subgraph, type SubgraphDeps } from '@recgraph/subgraph-kit';
import { resolvers, type AssistantContext } from './resolvers.ts';

/** The schema file composition reads too (scripts/compose.ts). */
export const ASSISTANT_SCHEMA_FILE = new URL('../schema.graphql', import.meta.url);

export function createAssistantSubgraph({ prisma, secret, logger }: SubgraphDeps): Subgraph {
  return createSubgraph<AssistantContext>({
    name: 'assistant',
    schemaFile: ASSISTANT_SCHEMA_FILE,
    resolvers,
    secret,
    logger,
    createContext: (identity) => ({ identity, prisma }),
    ready: readyWhen({ database: () => prisma.$queryRaw`SELECT 1` }),
  });
}
