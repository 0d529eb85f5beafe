import { config } from '@recgraph/config';
import { createSubgraph, readyWhen, type Subgraph, type SubgraphDeps } from '@recgraph/subgraph-kit';
import type { AssistantAgent } from './agent/types.ts';
import { createAskLimiter, type AskLimits } from './limits.ts';
import { resolvers, type AssistantContext, type AssistantServices } from './resolvers.ts';
import { createThreadStore, threadTokens } from './threads.ts';

/** The schema file composition reads too (scripts/compose.ts). */
export const ASSISTANT_SCHEMA_FILE = new URL('../schema.graphql', import.meta.url);

export interface AssistantOptions {
  /** Message size and asks per caller per minute (default: ASSISTANT_MAX_MESSAGE_CHARS, ASSISTANT_ASKS_PER_MINUTE). */
  limits?: AskLimits;
  /** The agent `ask` runs; absent: `ask` is unavailable (assistantInfo says so). */
  agent?: AssistantAgent;
  /** Whether the agent retrieves from the knowledge base (reported by assistantInfo). */
  retrieval?: boolean;
}

export function askLimitsFromConfig(): AskLimits {
  const cfg = config();
  return { maxMessageChars: cfg.ASSISTANT_MAX_MESSAGE_CHARS, asksPerMinute: cfg.ASSISTANT_ASKS_PER_MINUTE };
}

export function createAssistantSubgraph(
  { prisma, secret, logger, bus }: SubgraphDeps,
  options: AssistantOptions = {},
): Subgraph {
  const limits = options.limits ?? askLimitsFromConfig();
  const assistant: AssistantServices = {
    ...(options.agent ? { agent: options.agent } : {}),
    retrieval: options.retrieval ?? false,
    threads: createThreadStore(prisma, threadTokens(secret.identityKey)),
    limits,
    askLimiter: createAskLimiter(prisma, limits),
    ...(bus ? { bus } : {}),
    logger,
    running: new Set(),
  };
  return createSubgraph<AssistantContext>({
    name: 'assistant',
    schemaFile: ASSISTANT_SCHEMA_FILE,
    resolvers,
    secret,
    logger,
    createContext: (identity) => ({ identity, prisma, assistant }),
    ready: readyWhen({ database: () => prisma.$queryRaw`SELECT 1` }),
  });
}
