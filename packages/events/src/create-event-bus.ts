import type { Config } from '@recgraph/config';
import { InProcessEventBus } from './in-process-bus.ts';
import { KafkaEventBus, type KafkaTuning } from './kafka-bus.ts';
import { kafkaSecurityFromSettings, type KafkaSecurity, type KafkaSecuritySettings } from './kafka-security.ts';
import { silentLogger, type EventBus, type EventBusLogger } from './types.ts';
import { busConfigSchema } from './validate.ts';
import { EventBusError } from './errors.ts';

export interface EventBusConfig {
  /** Kafka bootstrap brokers (host:port); absent → the in-process bus. */
  brokers?: string[];
  clientId: string;
  /** Prepended to every topic and consumer group name, so deployments can share a cluster. */
  topicPrefix: string;
  log?: EventBusLogger;
  /** Kafka timing knobs; tests shorten them, production keeps the defaults. */
  kafka?: KafkaTuning;
  /** TLS and SASL for the brokers (absent: plaintext, unauthenticated). */
  security?: KafkaSecurity;
}

export function createEventBus(cfg: EventBusConfig): EventBus {
  const parsed = busConfigSchema.safeParse(cfg);
  if (!parsed.success) {
    throw new EventBusError(
      'INVALID_ARGUMENT',
      `invalid event bus config: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  }
  const log = cfg.log ?? silentLogger;
  const { brokers, clientId, topicPrefix } = parsed.data;
  return brokers
    ? new KafkaEventBus({ brokers, clientId, topicPrefix, log, tuning: cfg.kafka ?? {}, security: cfg.security })
    : new InProcessEventBus(topicPrefix, log);
}

/** The bus the application configuration asks for (KAFKA_BROKERS set → Kafka, with its TLS/SASL settings). */
export function eventBusFromConfig(
  config: Pick<Config, 'KAFKA_BROKERS' | 'KAFKA_CLIENT_ID' | 'KAFKA_TOPIC_PREFIX'> & KafkaSecuritySettings,
  log?: EventBusLogger,
): EventBus {
  const security = config.KAFKA_BROKERS ? kafkaSecurityFromSettings(config) : undefined;
  return createEventBus({
    brokers: config.KAFKA_BROKERS,
    clientId: config.KAFKA_CLIENT_ID,
    topicPrefix: config.KAFKA_TOPIC_PREFIX,
    log,
    ...(security ? { security } : {}),
  });
}
