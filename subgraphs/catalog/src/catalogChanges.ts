import { catalogChangedEvents, SCHEMA_IDS, STREAMING_TOPIC, type EventBus } from '@recgraph/events';
import type { Logger } from '@recgraph/telemetry';

/** Tells serving caches (the recommend engine's product facts and user state) what changed. */
export interface CatalogChanges {
  products(ids: readonly string[]): void;
  users(ids: readonly string[]): void;
}

/**
 * Announces committed catalog changes on the bus, after the commit and without
 * making the request wait. A lost announcement costs freshness, not
 * correctness: readers re-read rows whose updated_at moved every few seconds,
 * and cached user state expires. Without a bus there is nobody to tell.
 */
export function catalogChanges(bus: EventBus | undefined, logger: Logger): CatalogChanges {
  const publish = (productIds: readonly string[], userIds: readonly string[]) => {
    if (!bus || (!productIds.length && !userIds.length)) return;
    const message = catalogChangedEvents.toMessage({
      schema: SCHEMA_IDS.catalogChanged,
      productIds: [...productIds],
      userIds: [...userIds],
      at: new Date().toISOString(),
    });
    bus
      .publish(STREAMING_TOPIC.catalogChanges, [message])
      .catch((err: unknown) => logger.warn({ err, productIds, userIds }, 'announcing a catalog change failed'));
  };
  return { products: (ids) => publish(ids, []), users: (ids) => publish([], ids) };
}
