import type { Prisma } from '@recgraph/db';
import { interactionEvents, SCHEMA_IDS, type InteractionEventV1, type InteractionType } from '@recgraph/events';

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
 * Stores interactions idempotently on event_id and queues the new ones in the
 * outbox, inside the caller's transaction: either both the interaction and
 * its pending publication are written, or neither. Returns the event ids that
 * were new (an id repeated within `events` counts once).
 *
 * Every envelope is validated before anything is written, so the outbox never
 * holds a row the relay could not publish.
 */
export async function recordInteractions(tx: Tx, events: readonly NewInteraction[]): Promise<Set<string>> {
  if (!events.length) return new Set();
  const envelopes = new Map<string, string>();
  for (const e of events) {
    if (!envelopes.has(e.eventId)) envelopes.set(e.eventId, interactionEvents.encode(toEnvelope(e)).toString('utf8'));
  }
  const inserted = await tx.$queryRaw<{ event_id: string }[]>`
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
    ON CONFLICT (event_id) DO NOTHING
    RETURNING event_id`;
  const fresh = new Set(inserted.map((r) => r.event_id));
  if (fresh.size) {
    const ids = [...fresh];
    await tx.$executeRaw`
      INSERT INTO interaction_outbox (event_id, payload)
      SELECT * FROM unnest(${ids}::text[], ${ids.map((id) => envelopes.get(id)!)}::jsonb[])`;
  }
  return fresh;
}
