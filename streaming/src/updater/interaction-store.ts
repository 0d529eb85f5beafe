import type pg from 'pg';
import { eventKey } from '@recgraph/interactions';
import type { AcceptedEvent, Rejection } from './validate-batch.ts';

/** An interaction this batch stored for the first time (its row id orders it within the user's history). */
export interface NewInteraction extends AcceptedEvent {
  id: string;
}

export interface RecordResult {
  /**
   * Only the events not folded before (stored now, or stored by the catalog before it
   * published them): everything derived from events is driven by these.
   */
  inserted: NewInteraction[];
  /** Valid events already stored by an earlier delivery. */
  duplicates: AcceptedEvent[];
  /** Valid envelopes naming a user or product that does not exist. */
  unknown: Rejection[];
}

async function existingIds(client: pg.PoolClient, table: 'users' | 'products', ids: string[]): Promise<Set<string>> {
  const { rows } = await client.query<{ id: string }>(`SELECT id FROM ${table} WHERE id = ANY($1::uuid[])`, [
    [...new Set(ids)],
  ]);
  return new Set(rows.map((r) => r.id));
}

/**
 * Stores the batch's interactions on `client` (inside the caller's transaction) in one
 * multi-row statement and marks them folded. A row may already exist without being folded:
 * the catalog stores a tracked event before publishing it. So "new" means "folded_at set
 * by this statement" (inserted, or updated from null), and RETURNING tells it from replayed.
 * References are checked first, so one unknown product cannot fail the whole batch on its
 * foreign key.
 */
export async function recordInteractions(
  client: pg.PoolClient,
  events: readonly AcceptedEvent[],
): Promise<RecordResult> {
  const users = await existingIds(
    client,
    'users',
    events.map((e) => e.event.userId),
  );
  const products = await existingIds(
    client,
    'products',
    events.map((e) => e.event.productId),
  );
  const unknown: Rejection[] = [];
  const known: AcceptedEvent[] = [];
  // A repeated (user, event id) would make ON CONFLICT DO UPDATE touch one row twice (an error).
  const firstOf = new Set<string>();
  const repeated: AcceptedEvent[] = [];
  for (const e of events) {
    const key = eventKey(e.event.userId, e.event.eventId);
    if (firstOf.has(key)) {
      repeated.push(e);
      continue;
    }
    firstOf.add(key);
    if (!users.has(e.event.userId))
      unknown.push({
        message: e.message,
        code: 'UNKNOWN_USER',
        type: e.event.type,
        reason: `user ${e.event.userId} does not exist`,
      });
    else if (!products.has(e.event.productId))
      unknown.push({
        message: e.message,
        code: 'UNKNOWN_PRODUCT',
        type: e.event.type,
        reason: `product ${e.event.productId} does not exist`,
      });
    else known.push(e);
  }
  if (known.length === 0) return { inserted: [], duplicates: [], unknown };
  const { rows } = await client.query<{ id: string; event_id: string; user_id: string }>(
    `INSERT INTO interactions AS i (event_id, user_id, product_id, type, value, occurred_at, source, folded_at)
     SELECT *, now() FROM unnest($1::text[], $2::uuid[], $3::uuid[], $4::"InteractionType"[], $5::float8[], $6::timestamptz[], $7::text[])
     ON CONFLICT (user_id, event_id) DO UPDATE SET folded_at = now() WHERE i.folded_at IS NULL
     RETURNING id, event_id, user_id::text AS user_id`,
    [
      known.map((e) => e.event.eventId),
      known.map((e) => e.event.userId),
      known.map((e) => e.event.productId),
      known.map((e) => e.event.type),
      known.map((e) => e.event.value),
      known.map((e) => e.event.occurredAt),
      known.map((e) => e.event.source),
    ],
  );
  const newIds = new Map(rows.map((r) => [eventKey(r.user_id, r.event_id), String(r.id)]));
  const inserted: NewInteraction[] = [];
  const duplicates: AcceptedEvent[] = [...repeated];
  for (const e of known) {
    const id = newIds.get(eventKey(e.event.userId, e.event.eventId));
    if (id) inserted.push({ ...e, id });
    else duplicates.push(e);
  }
  return { inserted, duplicates, unknown };
}
