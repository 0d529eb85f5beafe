import type { Prisma } from '@recgraph/db';
import { interactionEvents, SCHEMA_IDS, type InteractionEventV1, type InteractionType } from '@recgraph/events';
import { eventKey } from './event-ids.ts';

export type Tx = Prisma.TransactionClient;

export interface NewInteraction {
  eventId: string;
  type: InteractionType;
  userId: string;
  productId: string;
  value: number;
  occurredAt: Date;
  source: string;
}

export function toEnvelope(e: NewInteraction): InteractionEventV1 {
  return {
    schema: SCHEMA_IDS.interaction,
    eventId: e.eventId,
    type: e.type,
    userId: e.userId,
    productId: e.productId,
    value: e.value,
    occurredAt: e.occurredAt.toISOString(),
    source: e.source,
  };
}

/**
 * Stores interactions idempotently on (user, event id) and queues the new ones
 * in the outbox, inside the caller's transaction: either both the interaction
 * and its pending publication are written, or neither. Returns the eventKey()s
 * that were new (an event repeated within `events` counts once).
 *
 * Every envelope is validated before anything is written, so the outbox never
 * holds a row the relay could not publish.
 */
export async function recordInteractions(tx: Tx, events: readonly NewInteraction[]): Promise<Set<string>> {
  if (!events.length) return new Set();
  const envelopes = new Map<string, string>();
  for (const e of events) {
    const key = eventKey(e.userId, e.eventId);
    if (!envelopes.has(key)) envelopes.set(key, interactionEvents.encode(toEnvelope(e)).toString('utf8'));
  }
  const inserted = await tx.$queryRaw<{ event_id: string; user_id: string }[]>`
    INSERT INTO interactions (event_id, user_id, product_id, type, value, occurred_at, source)
    SELECT e.event_id, e.user_id, e.product_id, e.type::"InteractionType", e.value, e.occurred_at, e.source
    FROM unnest(
      ${events.map((e) => e.eventId)}::text[],
      ${events.map((e) => e.userId)}::uuid[],
      ${events.map((e) => e.productId)}::uuid[],
      ${events.map((e) => e.type)}::text[],
      ${events.map((e) => e.value)}::float8[],
      ${events.map((e) => e.occurredAt.toISOString())}::timestamptz[],
      ${events.map((e) => e.source)}::text[]
    ) AS e(event_id, user_id, product_id, type, value, occurred_at, source)
    ON CONFLICT (user_id, event_id) DO NOTHING
    RETURNING event_id, user_id::text AS user_id`;
  const fresh = new Set(inserted.map((r) => eventKey(r.user_id, r.event_id)));
  if (inserted.length) {
    await tx.$executeRaw`
      INSERT INTO interaction_outbox (event_id, payload)
      SELECT * FROM unnest(
        ${inserted.map((r) => r.event_id)}::text[],
        ${inserted.map((r) => envelopes.get(eventKey(r.user_id, r.event_id))!)}::jsonb[])`;
  }
  return fresh;
}
