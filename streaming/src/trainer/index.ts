// Standalone entry: `tsx streaming/src/trainer/index.ts`. Any number of instances may
// run: the training lock (a Postgres advisory lock) lets one train at a time.
import { trainerOptionsFromConfig } from '../from-config.ts';
import { runStandaloneWorker } from '../run-worker.ts';
import { createPeriodicTrainer } from './trainer.ts';

await runStandaloneWorker({
  name: 'trainer',
  port: (cfg) => cfg.TRAINER_PORT,
  create: (cfg, db, bus, log) => createPeriodicTrainer(trainerOptionsFromConfig(cfg, db, bus, log)),
  stopping: 'a training run in hand finishes, embeddings stop after their batch',
});
