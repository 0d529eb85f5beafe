export { createEventBus, eventBusFromConfig, type EventBusConfig } from './create-event-bus.ts';
export { attachWhenReachable, roleEventBus, type AttachingEventBus, type AttachOptions } from './attaching-bus.ts';
export { EventBusError, type EventBusErrorCode } from './errors.ts';
export type { KafkaTuning } from './kafka-bus.ts';
export {
  kafkaSecurityFromSettings,
  SASL_MECHANISMS,
  type KafkaSecurity,
  type KafkaSecuritySettings,
  type KafkaTls,
  type SaslMechanism,
} from './kafka-security.ts';
export {
  silentLogger,
  type BusMessage,
  type ConsumedMessage,
  type EventBus,
  type EventBusLogger,
  type PartitionLag,
  type SubscribeOptions,
  type Subscription,
  type TopicSpec,
  type UndecodableBatch,
} from './types.ts';
export * from './envelopes.ts';
export { changedProductIds } from './catalog-changes.ts';
