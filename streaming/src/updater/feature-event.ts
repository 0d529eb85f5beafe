import type { InteractionEventV1 } from '@recgraph/events';

/**
 * What popularity and co-visitation read from a stored interaction: the online
 * updater passes what it just inserted, the rebuild passes rows read back.
 */
export interface FeatureEvent {
  /** interactions.id (orders events that share a timestamp). */
  id: string;
  occurredAt: Date;
  /** source tells a client-claimed purchase from a recorded one. */
  event: Pick<InteractionEventV1, 'type' | 'value' | 'userId' | 'productId' | 'occurredAt' | 'source'>;
}
