// Standalone entry: `tsx streaming/src/updater/index.ts`. Scale out by starting more
// instances with the same UPDATER_GROUP_ID (up to the interactions topic's partitions).
import { once } from 'node:events';
import { config as loadedConfig } from '@recgraph/config';
import { openDatabase } from '@recgraph/db';
import { eventBusFromConfig } from '@recgraph/events';
import { createLogger } from '@recgraph/telemetry';
import { updaterOptionsFromConfig } from '../from-config.ts';
import { createUpdaterHttpServer } from './http.ts';
import { createOnlineFeatureUpdater } from './updater.ts';

const config = loadedConfig();
const log = createLogger('updater', { level: config.LOG_LEVEL });
// On its own the worker must share state with the other processes: an embedded
// database or an in-process bus would be private to this one. `npm start` runs
// every role in one process on embedded infrastructure instead.
if (!config.DATABASE_URL || !config.KAFKA_BROKERS) {
  log.fatal(
    'this worker runs on its own only with DATABASE_URL and KAFKA_BROKERS set; use `npm start` for the all-in-one embedded mode',
  );
  process.exit(78);
}
const db = await openDatabase({
  url: config.DATABASE_URL,
  poolSize: config.DATABASE_POOL_SIZE,
  log: (m) => log.info(m),
});
const bus = eventBusFromConfig(config, log);
const updater = createOnlineFeatureUpdater(updaterOptionsFromConfig(config, db, bus, log));
const server = createUpdaterHttpServer(updater);
server.listen(config.UPDATER_PORT, config.HOST);
await once(server, 'listening');
log.info({ port: config.UPDATER_PORT }, 'updater health and metrics listening');
await updater.start();

let shuttingDown = false;
async function shutdown(signal: string): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  log.info({ signal }, 'shutting down: finishing the batch in hand');
  try {
    await updater.stop();
    await bus.close();
    await db.close();
    server.close();
    process.exit(0);
  } catch (err) {
    log.error({ err }, 'shutdown failed');
    process.exit(1);
  }
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
