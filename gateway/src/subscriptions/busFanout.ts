import { randomBytes } from 'node:crypto';
import {
  assistantReplies,
  modelEvents,
  recommendationsUpdatedEvents,
  STREAMING_TOPIC,
  type ConsumedMessage,
  type EventBus,
  type Subscription,
} from '@recgraph/events';
import type { Logger } from '@recgraph/telemetry';
import type { SubscriptionRouter } from './router.ts';

/**
 * A consumer group of this gateway instance alone: with a shared group the
 * topics' partitions would be split between instances, and a client would
 * miss every update consumed by an instance it is not connected to.
 */
export function instanceGroupId(): string {
  return `gateway-subs-${randomBytes(6).toString('hex')}`;
}

/**
 * Feeds the router from the bus, starting at the latest offset: a live
 * subscription wants changes from now on, not the topic's retained history.
 * A message this gateway cannot read is logged and skipped, never retried:
 * redelivering it would stall every subscriber behind it on that partition.
 */
export async function startBusFanout(options: {
  bus: EventBus;
  router: SubscriptionRouter;
  logger: Logger;
  groupId?: string;
}): Promise<Subscription> {
  const { router, logger } = options;
  const handleOne = (message: ConsumedMessage) => {
    if (message.topic === STREAMING_TOPIC.recommendationUpdates) {
      const decoded = recommendationsUpdatedEvents.decode(message.value);
      if (decoded.ok) return void router.routeRecommendations(decoded.value);
      return logger.warn(
        { topic: message.topic, offset: message.offset, code: decoded.error.code, err: decoded.error },
        'skipping unreadable recommendations update',
      );
    }
    if (message.topic === STREAMING_TOPIC.assistantReplies) {
      const decoded = assistantReplies.decode(message.value);
      if (decoded.ok) return void router.routeAssistantReply(decoded.value);
      return logger.warn(
        { topic: message.topic, offset: message.offset, code: decoded.error.code, err: decoded.error },
        'skipping unreadable assistant reply',
      );
    }
    if (message.topic === STREAMING_TOPIC.modelEvents) {
      const decoded = modelEvents.decode(message.value);
      if (decoded.ok) return void router.routeModelEvent(decoded.value);
      return logger.warn(
        { topic: message.topic, offset: message.offset, code: decoded.error.code, err: decoded.error },
        'skipping unreadable model event',
      );
    }
  };
  return options.bus.subscribe({
    groupId: options.groupId ?? instanceGroupId(),
    topics: [STREAMING_TOPIC.recommendationUpdates, STREAMING_TOPIC.modelEvents, STREAMING_TOPIC.assistantReplies],
    fromBeginning: false,
    handleBatch: async (messages) => {
      for (const message of messages) {
        try {
          handleOne(message);
        } catch (err) {
          logger.error(
            { err, topic: message.topic, offset: message.offset },
            'subscription fan-out failed for a message',
          );
        }
      }
    },
  });
}
