import type { GraphQLFieldResolver } from 'graphql';
import type { ModelEventV1, RecommendationsUpdatedV1 } from '@recgraph/events';
import type { Logger } from '@recgraph/telemetry';
import type { ConnectionState } from './connection.ts';
import { createEventQueue } from './eventQueue.ts';
import { gql } from './graphqlRuntime.ts';
import { ProductLookup, type GatewayFetch } from './productLookup.ts';
import type { SubscriptionRouter } from './router.ts';

/** The execution context of one subscription. */
export interface SubscriptionContext {
  connection: ConnectionState;
  router: SubscriptionRouter;
  fetchGateway: GatewayFetch;
  maxAliases: number;
  maxBufferedEvents: number;
  logger: Logger;
  /** Closes the connection because its token expired while subscribed. */
  expire: () => void;
}

/** Marks objects built here from an envelope, as opposed to objects from the gateway's answer. */
const BUILT = Symbol('built from an envelope');

function built<T extends object>(value: T): T {
  return Object.assign(value, { [BUILT]: true });
}

interface ItemPayload {
  productId: string;
  score: number;
  source: string;
  lookup: ProductLookup;
}

/**
 * Registers the subscription in the router and hands graphql-js a stream of
 * bus envelopes; ending the stream (client complete, socket close, shutdown)
 * removes the routing entry.
 */
export const subscribeFieldResolver: GraphQLFieldResolver<unknown, SubscriptionContext, Record<string, unknown>> = (
  _root,
  args,
  ctx,
  info,
) => {
  const { connection, router, logger } = ctx;
  let remove = () => {};
  const queue = createEventQueue<RecommendationsUpdatedV1 | ModelEventV1>({
    maxBuffered: ctx.maxBufferedEvents,
    onEnd: () => {
      remove();
      connection.endings.delete(queue.end);
    },
    onDrop: () => logger.warn({ field: info.fieldName }, 'slow subscriber: dropped an older update'),
  });
  connection.endings.add(queue.end);
  const deliver = (event: RecommendationsUpdatedV1 | ModelEventV1) => {
    // Tokens are checked once at connect; a long-lived socket must not outlive its token.
    if (Date.now() >= connection.expiresAt) return ctx.expire();
    queue.push(event);
  };
  if (info.fieldName === 'recommendationsUpdated') {
    remove = router.addRecommendations(String(args.userId), deliver);
  } else {
    remove = router.addModelEvents((event) => {
      if (event.kind === 'promoted') deliver(event);
    });
  }
  return queue;
};

function recommendationsPayload(event: RecommendationsUpdatedV1, ctx: SubscriptionContext) {
  // One lookup per delivered event: the products of all its items in one request.
  const lookup = new ProductLookup(ctx.fetchGateway, ctx.connection.authorization, ctx.maxAliases);
  return built({
    userId: event.userId,
    modelVersionId: event.modelVersionId ?? null,
    at: event.at,
    items: event.items.map((item): ItemPayload => built({ ...item, lookup })),
  });
}

function modelEventPayload(event: ModelEventV1) {
  return built({
    modelVersionId: event.modelVersionId,
    at: event.at,
    metrics: Object.entries(event.metrics ?? {})
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, value]) => built({ name, value })),
  });
}

/**
 * Objects built from the envelope resolve by field name; everything below
 * `product` is the gateway's answer, already shaped by the subscriber's
 * selection, so it is read by response key (aliases included).
 */
export const fieldResolver: GraphQLFieldResolver<unknown, SubscriptionContext> = (source, args, ctx, info) => {
  if (info.parentType.name === 'Subscription') {
    return info.fieldName === 'recommendationsUpdated'
      ? recommendationsPayload(source as RecommendationsUpdatedV1, ctx)
      : modelEventPayload(source as ModelEventV1);
  }
  const object = source as Record<PropertyKey, unknown> | null;
  if (!object?.[BUILT]) return object?.[String(info.path.key)];
  if (info.parentType.name === 'RecommendedItemUpdate' && info.fieldName === 'product') {
    const item = source as ItemPayload;
    return item.lookup.load(item.productId, info);
  }
  return gql.defaultFieldResolver(source, args, ctx, info);
};
