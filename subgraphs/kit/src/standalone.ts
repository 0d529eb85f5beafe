import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { GatewaySecrets } from '@recgraph/auth';
import { config, type Config, type Role } from '@recgraph/config';
import { embeddedDataDir, openDatabase, type PrismaClient } from '@recgraph/db';
import { roleEventBus, type EventBus } from '@recgraph/events';
import { createLogger, initTelemetry, type Logger } from '@recgraph/telemetry';
import type { Subgraph } from './subgraphServer.ts';

/** What every subgraph factory receives. */
export interface SubgraphDeps {
  prisma: PrismaClient;
  /** SUBGRAPH_SECRET (requests without it in x-recgraph-gateway are refused) and IDENTITY_SIGNING_KEY. */
  secret: GatewaySecrets;
  logger: Logger;
  /** Where subgraphs publish domain events (catalog: interactions). Absent: they publish nothing. */
  bus?: EventBus;
}

/**
 * How long a stopping role keeps accepting connections before it closes its listener: closing
 * it resets every connection the kernel has queued but a busy event loop has not accepted yet,
 * whose requests are already sent. After the delay, in-flight requests get serveGraphQL's grace.
 */
export const SHUTDOWN_DELAY_MS = 1_000;
export const drainDelay = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, SHUTDOWN_DELAY_MS));

/** True when `moduleUrl` is the script node/tsx was asked to run. */
export function isMainModule(moduleUrl: string): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}

/**
 * Runs one subgraph as its own process (container/Kubernetes layout). With no
 * DATABASE_URL it opens the embedded database under RECGRAPH_DATA_DIR, which
 * only one process can hold: run `npm start` for the all-in-one setup instead.
 */
export async function runStandaloneSubgraph(
  name: Extract<Role, 'catalog' | 'recommend' | 'search' | 'assistant'>,
  port: (cfg: Config) => number,
  factory: (deps: SubgraphDeps) => Subgraph,
): Promise<void> {
  const cfg = config(name);
  // Before the database opens, so its pool's statements are traced from the first request.
  const telemetry = initTelemetry({
    serviceName: cfg.OTEL_SERVICE_NAME ?? `recgraph-${name}`,
    otlpEndpoint: cfg.OTEL_EXPORTER_OTLP_ENDPOINT,
  });
  const logger = createLogger(`subgraph-${name}`, { level: cfg.LOG_LEVEL });
  if (!cfg.DATABASE_URL)
    logger.warn('DATABASE_URL is unset: opening the embedded database; no other process may use it meanwhile');
  const db = await openDatabase({
    url: cfg.DATABASE_URL,
    dataDir: embeddedDataDir(cfg.RECGRAPH_DATA_DIR),
    poolSize: cfg.DATABASE_POOL_SIZE,
    statementTimeoutMs: cfg.DATABASE_STATEMENT_TIMEOUT_MS,
    poolTimeoutMs: cfg.DATABASE_POOL_TIMEOUT_MS,
    log: (msg) => logger.info(msg),
  });
  // Queries need only the database: the broker is attached in the background, whenever it answers.
  const bus = roleEventBus(cfg, logger);
  const secret = { bearer: cfg.SUBGRAPH_SECRET, identityKey: cfg.IDENTITY_SIGNING_KEY };
  const running = await factory({ prisma: db.prisma, secret, logger, bus }).start({
    port: port(cfg),
    host: cfg.HOST,
    maxBodyBytes: cfg.MAX_BODY_BYTES,
    maxImageUploadBytes: cfg.MAX_IMAGE_UPLOAD_BYTES,
  });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await drainDelay();
    await running.close().catch((err: unknown) => logger.error({ err }, 'server close failed'));
    await bus.close().catch((err: unknown) => logger.error({ err }, 'event bus close failed'));
    await db.close().catch((err: unknown) => logger.error({ err }, 'database close failed'));
    await telemetry.shutdown().catch((err: unknown) => logger.error({ err }, 'telemetry flush failed'));
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}
