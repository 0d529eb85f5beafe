import { config, subgraphUrlsFromConfig } from '@recgraph/config';
import { createSubgraph, readyWhen, type Subgraph, type SubgraphDeps } from '@recgraph/subgraph-kit';
import {
  chatModelFromConfig,
  createAssistantAgent,
  createServiceClient,
  limitsFromConfig,
  type ServiceUrls,
} from './agent/index.ts';
import type { AssistantAgent } from './agent/types.ts';
import { createKnowledgeRetriever } from './knowledge/index.ts';
import { createAskLimiter, type AskLimits } from './limits.ts';
import { resolvers, type AssistantContext, type AssistantServices } from './resolvers.ts';
import { createThreadStore, threadTokens } from './threads.ts';

/** The schema file composition reads too (scripts/compose.ts). */
export const ASSISTANT_SCHEMA_FILE = new URL('../schema.graphql', import.meta.url);

export interface AssistantOptions {
  /** Message size and asks per caller per minute (default: ASSISTANT_MAX_MESSAGE_CHARS, ASSISTANT_ASKS_PER_MINUTE). */
  limits?: AskLimits;
  /**
   * Where the agent's tools reach the catalog, search and recommend subgraphs (default:
   * CATALOG_URL, SEARCH_URL, RECOMMEND_URL, else HOST and their ports). The embedded stack
   * passes the ports it started them on.
   */
  serviceUrls?: ServiceUrls;
  /** The agent `ask` runs (tests); default: the LangGraph agent with the configured model and knowledge retrieval. */
  agent?: AssistantAgent;
}

export function askLimitsFromConfig(): AskLimits {
  const cfg = config();
  return { maxMessageChars: cfg.ASSISTANT_MAX_MESSAGE_CHARS, asksPerMinute: cfg.ASSISTANT_ASKS_PER_MINUTE };
}

export function createAssistantSubgraph(
  { prisma, secret, logger, bus }: SubgraphDeps,
  options: AssistantOptions = {},
): Subgraph {
  const cfg = config();
  const limits = options.limits ?? askLimitsFromConfig();
  // The encoder loads on the first question, not at start-up (it is large, and most requests never ask).
  const retriever = options.agent
    ? undefined
    : createKnowledgeRetriever({
        db: { prisma },
        ...(cfg.TEXT_ENCODER_DIR ? { textEncoderDir: cfg.TEXT_ENCODER_DIR } : {}),
        log: logger,
      });
  const model = chatModelFromConfig(cfg);
  const agent =
    options.agent ??
    createAssistantAgent({
      prisma,
      services: createServiceClient({ urls: options.serviceUrls ?? subgraphUrlsFromConfig(cfg), secrets: secret }),
      ...(retriever ? { retriever } : {}),
      ...(model ? { model } : {}),
      limits: limitsFromConfig(cfg),
      logger,
    });
  const assistant: AssistantServices = {
    agent,
    retrieval: Boolean(retriever),
    threads: createThreadStore(prisma, threadTokens(secret.identityKey)),
    limits,
    askLimiter: createAskLimiter(prisma, limits),
    ...(bus ? { bus } : {}),
    logger,
    running: new Set(),
  };
  const subgraph = createSubgraph<AssistantContext>({
    name: 'assistant',
    schemaFile: ASSISTANT_SCHEMA_FILE,
    resolvers,
    secret,
    logger,
    createContext: (identity) => ({ identity, prisma, assistant }),
    ready: readyWhen({ database: () => prisma.$queryRaw`SELECT 1` }),
  });
  return {
    name: subgraph.name,
    sdl: subgraph.sdl,
    schema: subgraph.schema,
    async start(startOptions) {
      const running = await subgraph.start(startOptions);
      return {
        ...running,
        async close() {
          await running.close();
          await retriever?.close();
        },
      };
    },
  };
}
