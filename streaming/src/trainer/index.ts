// Standalone entry: `tsx streaming/src/trainer/index.ts`. Any number of instances may
// run: the training lock (a Postgres advisory lock) lets one train at a time.
// The embedding pipeline (TEXT vectors: encoder switches, catalog-change re-embedding) runs beside it,
// and so does the assistant's knowledge indexer (documents, product texts and reviews, refreshed through the bus).
import { createKnowledgeIndexer } from '@recgraph/subgraph-assistant/knowledge/index';
import {
  embeddingPipelineOptionsFromConfig,
  knowledgeIndexerOptionsFromConfig,
  trainerOptionsFromConfig,
} from '../from-config.ts';
import { runStandaloneWorker } from '../run-worker.ts';
import { createEmbeddingPipeline } from './embedding-pipeline.ts';
import { createPeriodicTrainer } from './trainer.ts';

await runStandaloneWorker({
  name: 'trainer',
  port: (cfg) => cfg.TRAINER_PORT,
  create: (cfg, db, bus, log) => {
    const trainer = createPeriodicTrainer(trainerOptionsFromConfig(cfg, db, bus, log));
    const options = embeddingPipelineOptionsFromConfig(cfg, db, bus, log);
    const pipeline = options
      ? createEmbeddingPipeline({ ...options, consumerLag: trainer.metrics.consumerLag })
      : undefined;
    const knowledgeOptions = knowledgeIndexerOptionsFromConfig(cfg, db, bus, log);
    const knowledge = knowledgeOptions
      ? createKnowledgeIndexer({ ...knowledgeOptions, consumerLag: trainer.metrics.consumerLag })
      : undefined;
    return {
      metrics: trainer.metrics,
      readiness: () => trainer.readiness() && (pipeline?.readiness() ?? true) && (knowledge?.readiness() ?? true),
      async start() {
        await trainer.start();
        await pipeline?.start();
        await knowledge?.start();
      },
      async stop() {
        await knowledge?.stop();
        await pipeline?.stop();
        await trainer.stop();
      },
    };
  },
  stopping: 'a training run in hand finishes, embeddings stop after their batch',
});
