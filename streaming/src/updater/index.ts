// Standalone entry: `tsx streaming/src/updater/index.ts`. Scale out by starting more
// instances with the same UPDATER_GROUP_ID (up to the interactions topic's partitions).
import { updaterOptionsFromConfig } from '../from-config.ts';
import { runStandaloneWorker } from '../run-worker.ts';
import { createOnlineFeatureUpdater } from './updater.ts';

await runStandaloneWorker({
  name: 'updater',
  port: (cfg) => cfg.UPDATER_PORT,
  create: (cfg, db, bus, log) => createOnlineFeatureUpdater(updaterOptionsFromConfig(cfg, db, bus, log)),
  stopping: 'finishing the batch in hand',
});
