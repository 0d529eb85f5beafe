// Standalone entry: `tsx streaming/src/trainer/index.ts`. Any number of instances may
// run: the training lock (a Postgres advisory lock) lets one train at a time.
import { once } from 'node:events';
import { config as loadedConfig } from '@recgraph/config';
import { openDatabase } from '@recgraph/db';
import { eventBusFromConfig } from '@recgraph/events';
import { createLogger } from '@recgraph/telemetry';
import { trainerOptionsFromConfig } from '../from-config.ts';
import { createTrainerHttpServer } from './http.ts';
import { createPeriodicTrainer } from './trainer.ts';

const config = loadedConfig();
const log = createLogger('trainer', { level: config.LOG_LEVEL });
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
const trainer = createPeriodicTrainer(trainerOptionsFromConfig(config, db, bus, log));
const server = createTrainerHttpServer(trainer);
server.listen(config.TRAINER_PORT, config.HOST);
await once(server, 'listening');
log.info({ port: config.TRAINER_PORT }, 'trainer health and metrics listening');
await trainer.start();

let shuttingDown = false;
async function shutdown(signal: string): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  log.info({ signal }, 'shutting down: a training run in hand finishes, embeddings stop after their batch');
  try {
    await trainer.stop();
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
