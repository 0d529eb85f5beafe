// A turn's events on the bus (topic assistant-replies, keyed by thread), for the
// gateway to stream to the thread's assistantReplies subscribers.
import { assistantReplies, STREAMING_TOPIC, type BusMessage, type EventBus } from '@recgraph/events';
import type { Logger } from '@recgraph/telemetry';
import type { TurnEvent } from './agent/types.ts';

export interface ReplyStream {
  /** Queues one event; never throws (a subscriber's stream must not fail the turn). */
  push(event: TurnEvent): void;
  /** Resolves once every queued event has been published (or given up on). */
  flushed(): Promise<void>;
}

/**
 * Events of one turn, published in order: one publish in flight at a time,
 * carrying every event queued meanwhile, so a fast producer (tokens) costs a
 * few broker round trips, not one each. Without a bus nothing is published.
 */
export function replyStream(bus: EventBus | undefined, threadId: string, logger: Logger): ReplyStream {
  let seq = 0;
  let pending: BusMessage[] = [];
  let flushing: Promise<void> = Promise.resolve();
  let running = false;
  const drain = async () => {
    running = true;
    try {
      while (pending.length) {
        const batch = pending;
        pending = [];
        await bus!
          .publish(STREAMING_TOPIC.assistantReplies, batch)
          .catch((err: unknown) => logger.warn({ err, threadId }, 'assistant replies: publishing failed'));
      }
    } finally {
      running = false;
    }
  };
  return {
    push(event) {
      if (!bus) return;
      try {
        pending.push(
          assistantReplies.toMessage({
            schema: 'recgraph.assistant-reply.v1',
            threadId,
            seq: seq++,
            at: new Date().toISOString(),
            event,
          }),
        );
      } catch (err) {
        logger.error({ err, threadId, type: event.type }, 'assistant replies: an event failed validation');
        return;
      }
      if (!running) flushing = drain();
    },
    flushed: () => flushing,
  };
}
