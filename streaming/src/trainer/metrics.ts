import client from 'prom-client';
import {
  createConsumerLagGauge,
  createServiceMetrics,
  type ConsumerLagGauge,
  type ServiceMetrics,
} from '@recgraph/telemetry';

/** The trainer's series, named recgraph_trainer_<subject>_<unit>, beside the process metrics. */
export interface TrainerMetrics {
  readonly service: ServiceMetrics;
  /** outcome: promoted | not_promoted | failed | skipped (no new data) | busy (a run in progress here or elsewhere). */
  readonly runs: client.Counter<'outcome' | 'trigger'>;
  readonly lastSuccess: client.Gauge;
  readonly runDuration: client.Histogram<'outcome'>;
  /** The ACTIVE model's offline metrics, e.g. {metric="ndcg@10", model_version="<uuid>"}. */
  readonly modelMetric: client.Gauge<'metric' | 'model_version'>;
  /** 1 for the ACTIVE model, labelled with its version and algorithm (absent while none is). */
  readonly activeModel: client.Gauge<'model_version' | 'algorithm'>;
  /** When the ACTIVE model was trained (registered), seconds since the epoch: "model stale" reads it. */
  readonly activeModelTrained: client.Gauge;
  readonly embeddingsWritten: client.Counter<'kind'>;
  readonly embeddingRuns: client.Counter<'outcome'>;
  readonly embeddingsDuration: client.Histogram;
  readonly running: client.Gauge;
  /** 1, labelled with where ALS trains (device cpu|cuda, backend native|implicit: TRAINER_DEVICE as resolved at start). */
  readonly device: client.Gauge<'device' | 'backend'>;
  /** recgraph_trainer_consumer_lag_messages{group,topic,partition}: the embedding pipeline's group on catalog-changes. */
  readonly consumerLag: ConsumerLagGauge;
}

const RUN_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200];

/** RunOutcome × RunTrigger (trainer.ts): each run counter exists at 0 from the start (below). */
const RUN_OUTCOMES = ['promoted', 'not_promoted', 'failed', 'skipped', 'busy'] as const;
const RUN_TRIGGERS = ['cron', 'interval', 'after_events', 'manual', 'startup'] as const;

export function createTrainerMetrics(): TrainerMetrics {
  const service = createServiceMetrics('trainer');
  const registers = [service.registry];
  const metrics: TrainerMetrics = {
    service,
    runs: new client.Counter({
      name: 'recgraph_trainer_runs_total',
      help: 'Training runs by outcome (promoted, not_promoted, failed, skipped, busy) and trigger.',
      labelNames: ['outcome', 'trigger'] as const,
      registers,
    }),
    lastSuccess: new client.Gauge({
      name: 'recgraph_trainer_last_success_timestamp_seconds',
      help: 'When the last training run completed (promoted or not), seconds since the epoch.',
      registers,
    }),
    runDuration: new client.Histogram({
      name: 'recgraph_trainer_run_duration_seconds',
      help: 'Wall time of training runs (train, evaluate, register, promote), by outcome.',
      labelNames: ['outcome'] as const,
      buckets: RUN_BUCKETS,
      registers,
    }),
    modelMetric: new client.Gauge({
      name: 'recgraph_trainer_model_metric',
      help: "The active model's offline holdout metrics (ndcg@10, recall@20, ...), labelled with its version.",
      labelNames: ['metric', 'model_version'] as const,
      registers,
    }),
    activeModel: new client.Gauge({
      name: 'recgraph_trainer_active_model_info',
      help: 'Always 1, labelled with the ACTIVE model version and its algorithm; absent while no model is active.',
      labelNames: ['model_version', 'algorithm'] as const,
      registers,
    }),
    activeModelTrained: new client.Gauge({
      name: 'recgraph_trainer_active_model_trained_timestamp_seconds',
      help: 'When the ACTIVE model was registered (trained), seconds since the epoch; absent while no model is active.',
      registers,
    }),
    embeddingsWritten: new client.Counter({
      name: 'recgraph_trainer_embeddings_written_total',
      help: 'Product embeddings written by the batch job, by kind.',
      labelNames: ['kind'] as const,
      registers,
    }),
    embeddingRuns: new client.Counter({
      name: 'recgraph_trainer_embedding_runs_total',
      help: 'Embedding generation runs by outcome (ok, failed, aborted).',
      labelNames: ['outcome'] as const,
      registers,
    }),
    embeddingsDuration: new client.Histogram({
      name: 'recgraph_trainer_embeddings_duration_seconds',
      help: 'Wall time of one embedding generation run.',
      buckets: RUN_BUCKETS,
      registers,
    }),
    running: new client.Gauge({
      name: 'recgraph_trainer_running',
      help: '1 while a training or embedding run is in progress in this process.',
      registers,
    }),
    device: new client.Gauge({
      name: 'recgraph_trainer_device_info',
      help: 'Always 1, labelled with where ALS trains: device (cpu, cuda) and backend (native, implicit).',
      labelNames: ['device', 'backend'] as const,
      registers,
    }),
    consumerLag: createConsumerLagGauge(service.registry, 'trainer'),
  };
  // A process's first failed run would otherwise be a series born at 1, which increase() (and so
  // the trainer-failing alert) cannot see.
  for (const outcome of RUN_OUTCOMES) for (const trigger of RUN_TRIGGERS) metrics.runs.inc({ outcome, trigger }, 0);
  return metrics;
}
