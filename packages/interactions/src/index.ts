export * from './weights.ts';
export * from './popularity-windows.ts';
export { deploymentPopularityCap, deploymentWeights } from './deployment.ts';
export { weightSql } from './weight-sql.ts';
export { isInternalEventId, eventKey } from './event-ids.ts';
export { recordInteractions, toEnvelope, type NewInteraction, type Tx } from './interaction-log.ts';
export { startOutboxRelay, type OutboxNotifier, type OutboxRelay, type OutboxRelayOptions } from './outbox-relay.ts';
export { processOutbox, type ProcessOutbox } from './subgraph-outbox.ts';
