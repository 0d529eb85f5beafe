import { once } from 'node:events';
import { config as loadedConfig, type Config } from '@recgraph/config';
import { openDatabase, type Database } from '@recgraph/db';
import { roleEventBus, type EventBus } from '@recgraph/events';
import { createLogger, type Logger } from '@recgraph/telemetry';
import { createWorkerHttpServer, type ObservableWorker } from './worker-http.ts';

export interface StandaloneWorker extends ObservableWorker {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface StandaloneWorkerSpec {
  /** Logger and message name, and the role whose settings it reads. */
  name: 'updater' | 'trainer';
  port: (cfg: Config) => number;
  create: (cfg: Config, db: Database, bus: EventBus, log: Logger) => StandaloneWorker;
  /** Logged on SIGTERM/SIGINT: what stop() lets finish. */
  stopping: string;
}

/**
 * Runs one streaming worker as its own process: health and metrics over HTTP,
 * graceful shutdown on SIGTERM/SIGINT (the worker stops, then bus and database
 * close). Refuses private embedded infrastructure: on its own the worker must
 * share state with the other processes, so it needs DATABASE_URL and
 * KAFKA_BROKERS; `npm start` runs every role in one process instead.
 */
export async function runStandaloneWorker(spec: StandaloneWorkerSpec): Promise<void> {
  const cfg = loadedConfig(spec.name);
  const log = createLogger(spec.name, { level: cfg.LOG_LEVEL });
  if (!cfg.DATABASE_URL || !cfg.KAFKA_BROKERS) {
    log.fatal(
      'this worker runs on its own only with DATABASE_URL and KAFKA_BROKERS set; use `npm start` for the all-in-one embedded mode',
    );
    process.exit(78);
  }
  const db = await openDatabase({ url: cfg.DATABASE_URL, poolSize: cfg.DATABASE_POOL_SIZE, log: (m) => log.info(m) });
  // A worker restarted during a broker outage waits for it instead of crash-looping.
  const bus = roleEventBus(cfg, log);
  const worker = spec.create(cfg, db, bus, log);
  const server = createWorkerHttpServer(worker);
  server.listen(spec.port(cfg), cfg.HOST);
  await once(server, 'listening');
  log.info({ port: spec.port(cfg) }, `${spec.name} health and metrics listening`);
  await worker.start();

  let shuttingDown = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (shuttingDown) return;
    shuttingDown = true;
    log.info({ signal }, `shutting down: ${spec.stopping}`);
    try {
      await worker.stop();
      await bus.close();
      await db.close();
      server.close();
      process.exit(0);
    } catch (err) {
      log.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}
