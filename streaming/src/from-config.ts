import { join, resolve } from 'node:path';
import type { Config } from '@recgraph/config';
import type { Database } from '@recgraph/db';
import type { EventBus, EventBusLogger } from '@recgraph/events';
import type { EmbeddingPipelineOptions } from './trainer/embedding-pipeline.ts';
import type { KnowledgeIndexerOptions } from '@recgraph/subgraph-assistant/knowledge/index';
import type { PeriodicTrainerOptions } from './trainer/trainer.ts';
import type { OnlineFeatureUpdaterOptions } from './updater/updater.ts';
import { servingOptionsFromConfig } from '@recgraph/ranking';
import { chooseTextEncoder } from '@recgraph/embeddings';
import { artifactStoreFromConfig } from '@recgraph/training';
import { rankerPython } from '@recgraph/training/reranker/lambdamart';

const textEncoderOption = (configured: string | undefined): { textEncoderDir?: string } => {
  const dir = chooseTextEncoder(configured).dir;
  return dir ? { textEncoderDir: dir } : {};
};

/** The online updater as configured (UPDATER_*, RECOMMENDATIONS_K, and the recommend subgraph's serving settings). */
export function updaterOptionsFromConfig(
  cfg: Config,
  db: Database,
  bus: EventBus,
  log?: EventBusLogger,
): OnlineFeatureUpdaterOptions {
  return {
    bus,
    db,
    groupId: cfg.UPDATER_GROUP_ID,
    batchSize: cfg.UPDATER_BATCH_SIZE,
    k: cfg.RECOMMENDATIONS_K,
    popularityUserDailyCap: cfg.POPULARITY_USER_DAILY_CAP,
    // Ranked as the recommend subgraph ranks (same rules file, ANN threshold, model polling).
    serving: servingOptionsFromConfig(cfg),
    ...(log ? { log } : {}),
  };
}

/** The periodic trainer as configured (TRAINER_*, MODEL_DIR, PROMOTION_MARGIN, MLFLOW_*, EMBEDDINGS_PROVIDER). */
export function trainerOptionsFromConfig(
  cfg: Config,
  db: Database,
  bus: EventBus,
  log?: EventBusLogger,
): PeriodicTrainerOptions {
  const dataDir = resolve(cfg.RECGRAPH_DATA_DIR);
  if (cfg.TRAINER_ALGORITHM === 'als-spark' && !cfg.SPARK_PYTHON)
    throw new Error('TRAINER_ALGORITHM=als-spark needs SPARK_PYTHON: the path of a Python that has pyspark installed');
  if (cfg.TRAINER_DEVICE === 'cuda' && !cfg.IMPLICIT_PYTHON)
    throw new Error(
      'TRAINER_DEVICE=cuda needs IMPLICIT_PYTHON: the path of a Python with implicit and the CUDA runtime (scripts/infra/implicit.sh --gpu)',
    );
  return {
    db,
    bus,
    training: {
      algorithm: cfg.TRAINER_ALGORITHM,
      tuning: { budgetS: cfg.TRAINER_TUNING_BUDGET_S },
      modelDir: cfg.MODEL_DIR ?? join(dataDir, 'models'),
      // Shared with every recommend and updater replica (ARTIFACT_STORE, Postgres by default).
      artifactStore: artifactStoreFromConfig(cfg, db.prisma),
      margin: cfg.PROMOTION_MARGIN,
      // The learned re-ranker: RANKER_PYTHON, else .infra/ranker-venv when scripts/infra/ranker.sh installed it.
      ...(rankerPython(cfg.RANKER_PYTHON) ? { ranker: { python: rankerPython(cfg.RANKER_PYTHON)! } } : {}),
      ...(cfg.SPARK_PYTHON
        ? {
            spark: {
              python: cfg.SPARK_PYTHON,
              master: cfg.SPARK_MASTER,
              driverMemory: cfg.SPARK_DRIVER_MEMORY,
              minInteractions: cfg.SPARK_MIN_INTERACTIONS,
            },
          }
        : {}),
      ...(cfg.MLFLOW_TRACKING_URI
        ? { mlflow: { trackingUri: cfg.MLFLOW_TRACKING_URI, experimentName: cfg.MLFLOW_EXPERIMENT_NAME } }
        : {}),
    },
    // ALS on a CUDA GPU through implicit when TRAINER_DEVICE allows and IMPLICIT_PYTHON has one (resolved at start).
    device: { setting: cfg.TRAINER_DEVICE, python: cfg.IMPLICIT_PYTHON },
    ...(cfg.TRAINER_CRON ? { cron: cfg.TRAINER_CRON, timezone: cfg.TRAINER_TIMEZONE } : {}),
    ...(cfg.TRAINER_INTERVAL_MINUTES ? { intervalMs: cfg.TRAINER_INTERVAL_MINUTES * 60_000 } : {}),
    ...(cfg.TRAINER_AFTER_EVENTS ? { afterEvents: cfg.TRAINER_AFTER_EVENTS } : {}),
    checkIntervalMs: cfg.TRAINER_CHECK_SECONDS * 1000,
    embeddings: cfg.TRAINER_EMBEDDINGS
      ? {
          imagesDir: join(dataDir, 'images'),
          provider: cfg.EMBEDDINGS_PROVIDER,
          // TEXT_ENCODER_DIR, else the fetched all-MiniLM-L6-v2 when present, else the built-in encoder (the job logs which).
          ...textEncoderOption(cfg.TEXT_ENCODER_DIR),
          // IMAGE_ENCODER_DIR, else the shipped trained CNN, else the grid descriptor (the job logs which).
          ...(cfg.IMAGE_ENCODER_DIR ? { imageEncoderDir: cfg.IMAGE_ENCODER_DIR } : {}),
        }
      : false,
    ...(log ? { log } : {}),
  };
}

/**
 * The embedding pipeline the trainer role runs (TEXT_ENCODER_DIR, EMBEDDINGS_PROVIDER);
 * undefined when TRAINER_EMBEDDINGS is off.
 */
export function embeddingPipelineOptionsFromConfig(
  cfg: Config,
  db: Database,
  bus: EventBus,
  log?: EventBusLogger,
): EmbeddingPipelineOptions | undefined {
  if (!cfg.TRAINER_EMBEDDINGS) return undefined;
  return {
    db,
    bus,
    provider: cfg.EMBEDDINGS_PROVIDER,
    ...textEncoderOption(cfg.TEXT_ENCODER_DIR),
    // Product photos, and the IMAGE encoder switched to the same way (IMAGE_ENCODER_DIR, else the shipped CNN).
    imagesDir: join(resolve(cfg.RECGRAPH_DATA_DIR), 'images'),
    ...(cfg.IMAGE_ENCODER_DIR ? { imageEncoderDir: cfg.IMAGE_ENCODER_DIR } : {}),
    ...(log ? { log } : {}),
  };
}

/**
 * The assistant's knowledge indexer as configured (TRAINER_KNOWLEDGE, ASSISTANT_KNOWLEDGE_DIR,
 * KNOWLEDGE_SWEEP_INTERVAL_S, and TEXT_ENCODER_DIR: the search issue's encoder); undefined when off.
 */
export function knowledgeIndexerOptionsFromConfig(
  cfg: Config,
  db: Database,
  bus: EventBus,
  log?: EventBusLogger,
): KnowledgeIndexerOptions | undefined {
  if (!cfg.TRAINER_KNOWLEDGE) return undefined;
  return {
    db,
    bus,
    sweepIntervalMs: cfg.KNOWLEDGE_SWEEP_INTERVAL_S * 1000,
    ...(cfg.ASSISTANT_KNOWLEDGE_DIR ? { documentsDir: resolve(cfg.ASSISTANT_KNOWLEDGE_DIR) } : {}),
    ...textEncoderOption(cfg.TEXT_ENCODER_DIR),
    ...(log ? { log } : {}),
  };
}
