export {
  createOnlineFeatureUpdater,
  type BatchSummary,
  type OnlineFeatureUpdater,
  type OnlineFeatureUpdaterOptions,
} from './updater/updater.ts';
export { createWorkerHttpServer, type ObservableWorker } from './worker-http.ts';
export { createUpdaterMetrics, type UpdaterMetrics } from './updater/metrics.ts';
export { pushedList, sameList, type PushedItem, type PushedList } from './updater/pushed-list.ts';
export { mostPopular, type PopularProduct } from './updater/popularity.ts';
export { DEFAULT_CO_VISITATION, type CoVisitationOptions } from './updater/co-visitation.ts';
export type { RejectionCode } from './updater/validate-batch.ts';
export { rebuildOnlineFeatures, type RebuildOptions, type RebuildReport } from './features/rebuild.ts';
export { createPeriodicTrainer, type PeriodicTrainer, type PeriodicTrainerOptions } from './trainer/trainer.ts';
export {
  createEmbeddingPipeline,
  type EmbeddingPipeline,
  type EmbeddingPipelineOptions,
} from './trainer/embedding-pipeline.ts';
export {
  updaterOptionsFromConfig,
  trainerOptionsFromConfig,
  embeddingPipelineOptionsFromConfig,
  knowledgeIndexerOptionsFromConfig,
} from './from-config.ts';
