import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloGateway, IntrospectAndCompose } from '@apollo/gateway';
import { signForwardedIdentity, type GatewaySecrets, type TokenVerifier } from '@recgraph/auth';
import type { EventBus } from '@recgraph/events';
import { createConsumerLagGauge, createServiceMetrics, type Logger } from '@recgraph/telemetry';
import { gatewayContext, type GatewayContext } from './context.ts';
import { createErrorFormatter, readyWhen, serveGraphQL, type RunningServer } from '@recgraph/subgraph-kit';
import { withSubscriptionsInApiSchema } from './apiGateway.ts';
import { readSupergraphFile } from './composeSupergraph.ts';
import { createCorsHandler } from './protection/cors.ts';
import { DEFAULT_PROTECTION, type ProtectionOptions } from './protection/options.ts';
import { queryLimits } from './protection/queryLimits.ts';
import { withRequestErrors } from './protection/requestErrors.ts';
import { clientAddressResolver } from './protection/clientAddress.ts';
import { createRateLimits } from './protection/rateLimit.ts';
import type { LimiterStore } from '@recgraph/subgraph-kit/rateLimits';
import { SecretDataSource } from './secretDataSource.ts';
import { createSubgraphFetcher } from './subgraphFetcher.ts';
import { staticImages } from './staticImages.ts';
import { devTokens, type DevTokenOptions } from './devTokens.ts';
import { GRAPHIQL_PATH, webApp, type WebAppOptions } from './webApp.ts';
import { IMAGE_UPLOAD, SUBGRAPHS, type SubgraphName, type SubgraphUrls } from './subgraphList.ts';
import { attachSubscriptions, type SubscriptionLimits, type SubscriptionServer } from './subscriptions/index.ts';

export interface GatewayOptions {
  subgraphUrls: SubgraphUrls;
  /** The bearer sent to every subgraph in x-recgraph-gateway, and the key caller identities are signed with. */
  secret: GatewaySecrets;
  logger: Logger;
  /** Verifies `Authorization: Bearer` tokens (createTokenVerifier from @recgraph/auth). */
  verifyToken: TokenVerifier;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Serve /metrics and /health/* on this port only, not beside /graphql (0 picks a free port). */
  opsPort?: number;
  /** static (default): serve gateway/supergraph.graphql (or `supergraphSdl`). live: compose from the running subgraphs. */
  mode?: 'static' | 'live';
  /** Static mode: use this supergraph instead of the checked-in file. */
  supergraphSdl?: string;
  /** Live mode: how often to re-compose (default 10 s; 0 disables polling). */
  pollIntervalMs?: number;
  /** Serve <imagesDir>/<file> at /images/<file>. */
  imagesDir?: string;
  /** Query limits, rate limit, body size, CORS, production hardening (protectionFromConfig); defaults otherwise. */
  protection?: Partial<ProtectionOptions>;
  /** Serve the storefront's build from this origin (and, in development, the IDE at /graphiql). */
  web?: WebAppOptions;
  /** Development only (refused in production): POST /dev/token mints demo tokens for the storefront. */
  devTokens?: DevTokenOptions;
  /**
   * Where rate-limit counters live: { kind: 'postgres', prisma } shares them with every
   * replica on that database (RATE_LIMIT_STORE); default memory (this process).
   */
  rateLimitStore?: LimiterStore;
  /** Serves GraphQL subscriptions over WebSocket on /graphql, fed by this bus's streaming topics. */
  bus?: EventBus;
  /** Per-connection subscription limits (defaults: DEFAULT_SUBSCRIPTION_LIMITS). */
  subscriptionLimits?: Partial<SubscriptionLimits>;
}

export interface RunningGateway {
  /** GraphQL endpoint. */
  url: string;
  origin: string;
  port: number;
  /** Where /metrics and /health/* answer when opsPort was given. */
  opsOrigin?: string;
  /** Present when the gateway was given a bus. */
  subscriptions?: SubscriptionServer;
  stop(): Promise<void>;
}

/** Points a browser that opens /graphql at the bundled, offline GraphiQL. */
const ideLandingPage: ApolloServerPlugin<GatewayContext> = {
  async serverWillStart() {
    return {
      async renderLandingPage() {
        return {
          html: `<!doctype html><html lang="en"><title>Recgraph GraphQL</title><meta http-equiv="refresh" content="0; url=${GRAPHIQL_PATH}"><p><a href="${GRAPHIQL_PATH}">Open GraphiQL</a></p></html>`,
        };
      },
    };
  },
};

function healthUrl(graphqlUrl: string): string {
  return new URL('/health/ready', graphqlUrl).toString();
}

async function probeSubgraph(url: string): Promise<void> {
  const res = await fetch(healthUrl(url), { signal: AbortSignal.timeout(2000) });
  await res.body?.cancel();
  if (!res.ok) throw new Error(`/health/ready answered ${res.status}`);
}

/**
 * The federated entry point: Apollo Gateway on Apollo Server, served by the
 * same node:http layer as the subgraphs. Ready once its supergraph is loaded;
 * /health/subgraphs reports each subgraph.
 */
export async function createGateway(options: GatewayOptions): Promise<RunningGateway> {
  const { subgraphUrls, secret, logger } = options;
  const mode = options.mode ?? 'static';
  const protection: ProtectionOptions = { ...DEFAULT_PROTECTION, ...options.protection };
  const metrics = createServiceMetrics('gateway');
  const limits = queryLimits(protection);
  if (protection.production && options.devTokens) {
    throw new Error('The development token endpoint (/dev/token) cannot be served in production');
  }
  if (protection.production && options.web?.graphiql) {
    throw new Error('The GraphQL IDE (/graphiql) is for development only; production serves no IDE');
  }
  const routes = [
    ...(options.devTokens ? [devTokens(options.devTokens)] : []),
    ...(options.imagesDir ? [staticImages(options.imagesDir)] : []),
    ...(options.web ? [webApp(options.web)] : []),
  ];
  const clientAddress = clientAddressResolver(protection.trustedProxies);
  const rateLimits = createRateLimits({
    requests: protection.rateLimit,
    authFailures: protection.authFailureLimit,
    store: options.rateLimitStore ?? { kind: 'memory' },
    clientAddress,
  });
  const urlFor = (name: string, fallback?: string) => subgraphUrls[name as SubgraphName] ?? fallback;
  const http = createSubgraphFetcher({ timeoutMs: protection.subgraphTimeoutMs });
  const gateway = new ApolloGateway({
    supergraphSdl:
      mode === 'live'
        ? new IntrospectAndCompose({
            subgraphs: SUBGRAPHS.map((s) => ({ name: s.name, url: subgraphUrls[s.name] })),
            pollIntervalInMs: options.pollIntervalMs ?? 10_000,
          })
        : (options.supergraphSdl ?? readSupergraphFile()),
    // The supergraph's routing URLs are placeholders; where subgraphs really
    // listen (ports chosen at start-up included) is decided here.
    buildService: ({ name, url }) => {
      const target = urlFor(name, url);
      if (!target) throw new Error(`No URL for subgraph ${name}`);
      return new SecretDataSource({ name, url: target, secret: secret.bearer, metrics, fetcher: http.fetcher });
    },
    logger,
  });
  const apollo = new ApolloServer<GatewayContext>({
    // The API schema clients validate against and introspect includes the Subscription type.
    gateway: withSubscriptionsInApiSchema(gateway),
    includeStacktraceInErrorResponses: false,
    // gateway/src/index.ts owns SIGTERM (drain, then exit); Apollo's handler would re-raise it mid-drain.
    stopOnTerminationSignals: false,
    introspection: !protection.production,
    // Batched operations would multiply every per-request limit below.
    allowBatchedHttpRequests: false,
    // Automatic persisted queries (hash-only requests) are Apollo Server's default,
    // with an in-memory LRU cache; stated here because clients rely on them.
    persistedQueries: {},
    validationRules: limits.validationRules,
    parseOptions: limits.parseOptions,
    plugins: [
      ...limits.plugins,
      metrics.graphqlPlugin,
      // A browser opening /graphql gets the bundled IDE, not Apollo's landing page from a CDN.
      ...(options.web?.graphiql ? [ideLandingPage] : []),
    ],
    logger,
    formatError: withRequestErrors(
      createErrorFormatter((error) => logger.error({ err: error }, 'unexpected gateway error')),
    ),
  });
  const running: RunningServer = await serveGraphQL({
    apollo,
    service: 'gateway',
    metrics,
    logger,
    cors: createCorsHandler(protection.corsOrigins, protection.production),
    maxBodyBytes: protection.maxBodyBytes,
    ...(IMAGE_UPLOAD ? { imageUpload: { ...IMAGE_UPLOAD, maxBytes: protection.maxImageUploadBytes } } : {}),
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    ...(options.opsPort !== undefined ? { opsPort: options.opsPort } : {}),
    context: gatewayContext(options.verifyToken, secret.identityKey, rateLimits),
    // Ready once the supergraph is loaded: a subgraph that is down fails only the fields it
    // serves, so it must not take the whole API out of service. Each subgraph: /health/subgraphs.
    ready: async () => {
      const loaded = gateway.schema !== undefined;
      return { ready: loaded, checks: { supergraph: { ok: loaded } } };
    },
    health: {
      subgraphs: readyWhen(
        Object.fromEntries(SUBGRAPHS.map((s) => [s.name, () => probeSubgraph(subgraphUrls[s.name])])),
        2500,
      ),
    },
    onError: (err) => logger.error({ err }, 'request failed'),
    ...(routes.length
      ? {
          routes: async (req: IncomingMessage, res: ServerResponse) => {
            for (const route of routes) if (await route(req, res)) return true;
            return false;
          },
        }
      : {}),
  });
  let subscriptions: SubscriptionServer | undefined;
  if (options.bus) {
    try {
      subscriptions = await attachSubscriptions({
        server: running.server,
        // In-process, as the subscriber: the context an HTTP request of theirs would get,
        // without charging the HTTP rate limit.
        execute: async (request, identity) => {
          const forwardedIdentity = await signForwardedIdentity(identity, secret.identityKey);
          const response = await apollo.executeOperation(request, { contextValue: { identity, forwardedIdentity } });
          if (response.body.kind !== 'single') throw new Error('expected a single result');
          return response.body.singleResult;
        },
        bus: options.bus,
        consumerLag: createConsumerLagGauge(metrics.registry, 'gateway'),
        verifyToken: options.verifyToken,
        clientAddress,
        authFailures: rateLimits,
        apiSchema: () => gateway.schema,
        logger,
        maxTokens: protection.maxTokens,
        maxCost: protection.maxCost,
        validationRules: limits.validationRules,
        production: protection.production,
        ...(options.subscriptionLimits ? { limits: options.subscriptionLimits } : {}),
      });
    } catch (err) {
      await running.close();
      throw err;
    }
  }
  logger.info({ url: running.url, mode, subscriptions: Boolean(subscriptions) }, 'gateway listening');
  return {
    url: running.url,
    origin: running.origin,
    port: running.port,
    ...(running.opsOrigin ? { opsOrigin: running.opsOrigin } : {}),
    ...(subscriptions ? { subscriptions } : {}),
    async stop() {
      await subscriptions?.close();
      await running.close();
      await http.close();
    },
  };
}
