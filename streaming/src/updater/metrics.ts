import client from 'prom-client';
import {
  createConsumerLagGauge,
  createServiceMetrics,
  type ConsumerLagGauge,
  type ServiceMetrics,
} from '@recgraph/telemetry';
import { REJECTION_CODES } from './validate-batch.ts';

const BATCH_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** The updater's series, named recgraph_updater_<subject>_<unit>, beside the process metrics. */
export interface UpdaterMetrics {
  readonly service: ServiceMetrics;
  /** outcome: inserted | duplicate | dead_lettered. */
  readonly events: client.Counter<'type' | 'outcome'>;
  readonly deadLetters: client.Counter<'code'>;
  /** Kafka record batches that could not be decompressed: skipped (and dead-lettered) by the bus. */
  readonly undecodableBatches: client.Counter<'codec'>;
  readonly batchDuration: client.Histogram<'outcome'>;
  readonly recommendationUpdates: client.Counter<'source'>;
  /** Users whose lists wait for a refresh (ranking runs beside ingestion). */
  readonly dirtyUsers: client.Gauge;
  /** Age of the newest message of the last batch per partition: how far behind the consumer runs. */
  readonly lag: client.Gauge<'partition'>;
  /** recgraph_updater_consumer_lag_messages{group,topic,partition}: the consumer groups this role runs, in messages. */
  readonly consumerLag: ConsumerLagGauge;
  /** Publication of an event to its user's list re-ranked (or its batch committed, when nothing needed ranking). */
  readonly updateLatency: client.Histogram;
}

const UPDATE_LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

export function createUpdaterMetrics(): UpdaterMetrics {
  const service = createServiceMetrics('updater');
  const registers = [service.registry];
  const metrics: UpdaterMetrics = {
    service,
    events: new client.Counter({
      name: 'recgraph_updater_events_total',
      help: 'Interaction events handled, by type (unknown when undecodable) and outcome.',
      labelNames: ['type', 'outcome'] as const,
      registers,
    }),
    deadLetters: new client.Counter({
      name: 'recgraph_updater_dead_letters_total',
      help: 'Messages sent to the dead-letter topic, by rejection code.',
      labelNames: ['code'] as const,
      registers,
    }),
    undecodableBatches: new client.Counter({
      name: 'recgraph_updater_undecodable_batches_total',
      help: 'Kafka record batches of the interactions topic that could not be decompressed, skipped and dead-lettered, by codec.',
      labelNames: ['codec'] as const,
      registers,
    }),
    batchDuration: new client.Histogram({
      name: 'recgraph_updater_batch_duration_seconds',
      help: 'Time to handle one batch: validate, store, update features, refresh recommendations.',
      labelNames: ['outcome'] as const,
      buckets: BATCH_BUCKETS,
      registers,
    }),
    recommendationUpdates: new client.Counter({
      name: 'recgraph_updater_recommendation_updates_total',
      help: 'RecommendationsUpdatedV1 events published, by list source (model kind or popularity).',
      labelNames: ['source'] as const,
      registers,
    }),
    dirtyUsers: new client.Gauge({
      name: 'recgraph_updater_dirty_users',
      help: 'Users with committed interactions whose recommendation lists wait to be re-ranked.',
      registers,
    }),
    lag: new client.Gauge({
      name: 'recgraph_updater_consumer_lag_seconds',
      help: 'Seconds between publishing and handling the newest message of the last batch, per partition.',
      labelNames: ['partition'] as const,
      registers,
    }),
    consumerLag: createConsumerLagGauge(service.registry, 'updater'),
    updateLatency: new client.Histogram({
      name: 'recgraph_updater_update_latency_seconds',
      help: "Online update latency: from an interaction's publication to its user's recommendations re-ranked.",
      buckets: UPDATE_LATENCY_BUCKETS,
      registers,
    }),
  };
  // Both outcomes exist from the start, so the failed-batch ratio reads 0 rather than "no data";
  // so does every dead-letter code, or the first dead letter of a code would be a series born
  // at 1, which increase() (and the dead-letter alert) cannot see.
  for (const outcome of ['ok', 'error']) metrics.batchDuration.zero({ outcome });
  for (const code of [...REJECTION_CODES, 'UNDECODABLE_BATCH']) metrics.deadLetters.inc({ code }, 0);
  return metrics;
}
