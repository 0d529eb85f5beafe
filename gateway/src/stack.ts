import type { PrismaClient } from '@recgraph/db';
import type { RunningServer, Subgraph, SubgraphDeps } from '@recgraph/subgraph-kit';
import { createAssistantSubgraph, type AssistantOptions } from '@recgraph/subgraph-assistant/server';
import { createCatalogSubgraph, type CatalogOptions } from '@recgraph/subgraph-catalog/server';
import { createRecommendSubgraph } from '@recgraph/subgraph-recommend/server';
import { createSearchSubgraph } from '@recgraph/subgraph-search/server';
import { createTokenVerifier, type GatewaySecrets, type TokenVerifier } from '@recgraph/auth';
import { DEV_JWT_SECRET } from '@recgraph/config';
import { createEventBus, STREAMING_TOPICS, type EventBus } from '@recgraph/events';
import { createLogger, type LoggerOptions } from '@recgraph/telemetry';
import { createGateway, type GatewayOptions, type RunningGateway } from './gateway.ts';
import { DEFAULT_PROTECTION, type ProtectionOptions } from './protection/options.ts';
import type { SubgraphName, SubgraphUrls } from './subgraphList.ts';

const FACTORIES: Record<SubgraphName, (deps: SubgraphDeps) => Subgraph> = {
  catalog: (deps) => createCatalogSubgraph(deps),
  recommend: createRecommendSubgraph,
  search: createSearchSubgraph,
  assistant: createAssistantSubgraph,
};

export interface StackOptions {
  prisma: PrismaClient;
  /** The gateway↔subgraph bearer and identity signing key. */
  secret: GatewaySecrets;
  host?: string;
  /** Per-service ports; 0 or absent picks free ones. */
  ports?: Partial<Record<SubgraphName | 'gateway', number>>;
  mode?: 'static' | 'live';
  supergraphSdl?: string;
  imagesDir?: string;
  /** The storefront's build and whether to serve the IDE (createGateway's `web`). */
  web?: GatewayOptions['web'];
  /** Development only: the demo-token endpoint (createGateway's `devTokens`). */
  devTokens?: GatewayOptions['devTokens'];
  logLevel?: LoggerOptions['level'];
  /** Bearer-token verification; defaults to HS256 with the development secret (tests, `npm run token`). */
  verifyToken?: TokenVerifier;
  /** Where subgraphs publish events; its topics must exist. Default: a fresh in-process bus, closed on stop. */
  bus?: EventBus;
  /** Gateway protection (protectionFromConfig); its maxBodyBytes and maxImageUploadBytes apply to the subgraphs too. */
  protection?: Partial<ProtectionOptions>;
  /** The catalog's per-user event rate (default: catalogOptionsFromConfig). */
  catalog?: CatalogOptions;
  /** The assistant's ask limits or agent (defaults from config); its tools call this stack's subgraphs. */
  assistant?: Omit<AssistantOptions, 'serviceUrls'>;
}

export interface RunningStack {
  gateway: RunningGateway;
  subgraphs: Record<SubgraphName, RunningServer>;
  /** The bus the subgraphs publish on (options.bus or the stack's own). */
  bus: EventBus;
  stop(): Promise<void>;
}

/**
 * Every subgraph and the gateway in one process over one database: the
 * embedded quick start (scripts/start.ts) and the integration tests. Each
 * still speaks HTTP on its own port, exactly as when deployed separately.
 */
export async function startStack(options: StackOptions): Promise<RunningStack> {
  const host = options.host ?? '127.0.0.1';
  const level = options.logLevel ?? 'info';
  const started: RunningServer[] = [];
  const ownBus = !options.bus;
  const bus = options.bus ?? createEventBus({ clientId: 'recgraph', topicPrefix: 'recgraph.' });
  try {
    if (ownBus) await bus.ensureTopics(STREAMING_TOPICS);
    const subgraphs = {} as Record<SubgraphName, RunningServer>;
    // One at a time: each start is quick, and the order makes logs readable.
    for (const name of Object.keys(FACTORIES) as SubgraphName[]) {
      const deps: SubgraphDeps = {
        prisma: options.prisma,
        secret: options.secret,
        logger: createLogger(`subgraph-${name}`, { level }),
        bus,
      };
      // The assistant starts last: its tools call the subgraphs started before it.
      const subgraph =
        name === 'catalog' && options.catalog
          ? createCatalogSubgraph(deps, options.catalog)
          : name === 'assistant'
            ? createAssistantSubgraph(deps, {
                ...options.assistant,
                serviceUrls: {
                  catalog: subgraphs.catalog.url,
                  recommend: subgraphs.recommend.url,
                  search: subgraphs.search.url,
                },
              })
            : FACTORIES[name](deps);
      const running = await subgraph.start({
        port: options.ports?.[name] ?? 0,
        host,
        ...(options.protection?.maxBodyBytes ? { maxBodyBytes: options.protection.maxBodyBytes } : {}),
        maxImageUploadBytes: options.protection?.maxImageUploadBytes ?? DEFAULT_PROTECTION.maxImageUploadBytes,
      });
      started.push(running);
      subgraphs[name] = running;
    }
    const subgraphUrls = Object.fromEntries(Object.entries(subgraphs).map(([n, s]) => [n, s.url])) as SubgraphUrls;
    const gateway = await createGateway({
      subgraphUrls,
      secret: options.secret,
      logger: createLogger('gateway', { level }),
      verifyToken: options.verifyToken ?? createTokenVerifier({ hs256Secret: DEV_JWT_SECRET }),
      host,
      port: options.ports?.gateway ?? 0,
      ...(options.mode ? { mode: options.mode } : {}),
      ...(options.supergraphSdl ? { supergraphSdl: options.supergraphSdl } : {}),
      ...(options.imagesDir ? { imagesDir: options.imagesDir } : {}),
      ...(options.web ? { web: options.web } : {}),
      ...(options.devTokens ? { devTokens: options.devTokens } : {}),
      ...(options.protection ? { protection: options.protection } : {}),
      bus,
    });
    return {
      gateway,
      subgraphs,
      bus,
      async stop() {
        await gateway.stop();
        for (const s of started.reverse()) await s.close();
        if (ownBus) await bus.close();
      },
    };
  } catch (err) {
    for (const s of started.reverse()) await s.close().catch(() => undefined);
    if (ownBus) await bus.close().catch(() => undefined);
    throw err;
  }
}
