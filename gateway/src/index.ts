import { config } from '@recgraph/config';
import { openDatabase } from '@recgraph/db';
import { roleEventBus } from '@recgraph/events';
import { drainDelay, isMainModule } from '@recgraph/subgraph-kit';
import { createLogger, initTelemetry } from '@recgraph/telemetry';
import { createGateway } from './gateway.ts';
import { protectionFromConfig } from './protection/options.ts';
import { tokenVerifierFromConfig } from './tokenVerifier.ts';
import { subgraphUrlsFromConfig } from './subgraphList.ts';

export { createGateway, type GatewayOptions, type RunningGateway } from './gateway.ts';
export { tokenVerifierFromConfig } from './tokenVerifier.ts';
export { protectionFromConfig, DEFAULT_PROTECTION, type ProtectionOptions } from './protection/options.ts';
export { startStack, type StackOptions, type RunningStack } from './stack.ts';
export { composeSupergraph, readSupergraphFile, SUPERGRAPH_FILE, CompositionError } from './composeSupergraph.ts';
export { SUBGRAPHS, subgraphUrlsFromConfig, type SubgraphName, type SubgraphUrls } from './subgraphList.ts';

/** `tsx gateway/src/index.ts`: the gateway alone, in front of separately running subgraphs. */
async function main(): Promise<void> {
  const cfg = config('gateway');
  // Before anything else, so the first request already runs in a trace.
  const telemetry = initTelemetry({
    serviceName: cfg.OTEL_SERVICE_NAME ?? 'recgraph-gateway',
    otlpEndpoint: cfg.OTEL_EXPORTER_OTLP_ENDPOINT,
  });
  const logger = createLogger('gateway', { level: cfg.LOG_LEVEL });
  // Subscriptions need the updates other processes publish, so only a shared
  // broker makes sense here; an in-process bus would never receive any.
  // Attached in the background: the API serves while the broker is away, subscriptions follow when it answers.
  const bus = cfg.KAFKA_BROKERS ? roleEventBus(cfg, logger) : undefined;
  if (!bus)
    logger.warn(
      'KAFKA_BROKERS is unset: subscriptions are off in a gateway run on its own (npm start serves them in-process)',
    );
  // Rate-limit counters every replica shares, in the database (RATE_LIMIT_STORE; default: postgres
  // when DATABASE_URL is set). Only the rate_limits table is used; migrations are the migrate role's.
  const store = cfg.RATE_LIMIT_STORE ?? (cfg.DATABASE_URL ? 'postgres' : 'memory');
  if (store === 'postgres' && !cfg.DATABASE_URL) {
    console.error('RATE_LIMIT_STORE: postgres needs DATABASE_URL (the database every gateway replica shares)');
    process.exit(78); // EX_CONFIG, as for any invalid setting
  }
  const limitsDb =
    store === 'postgres'
      ? await openDatabase({
          url: cfg.DATABASE_URL,
          migrate: false,
          poolSize: 2,
          statementTimeoutMs: cfg.DATABASE_STATEMENT_TIMEOUT_MS,
          poolTimeoutMs: cfg.DATABASE_POOL_TIMEOUT_MS,
        })
      : undefined;
  const gateway = await createGateway({
    subgraphUrls: subgraphUrlsFromConfig(cfg),
    secret: { bearer: cfg.SUBGRAPH_SECRET, identityKey: cfg.IDENTITY_SIGNING_KEY },
    logger,
    verifyToken: tokenVerifierFromConfig(cfg),
    host: cfg.HOST,
    port: cfg.GATEWAY_PORT,
    ...(cfg.GATEWAY_OPS_PORT !== undefined ? { opsPort: cfg.GATEWAY_OPS_PORT } : {}),
    mode: cfg.SUPERGRAPH_MODE,
    protection: protectionFromConfig(cfg),
    ...(limitsDb ? { rateLimitStore: { kind: 'postgres' as const, prisma: limitsDb.prisma } } : {}),
    ...(bus ? { bus } : {}),
  });
  const stop = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    drainDelay()
      .then(() => gateway.stop())
      .then(() => bus?.close())
      .then(() => limitsDb?.close())
      .then(() => telemetry.shutdown())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

if (isMainModule(import.meta.url)) await main();
