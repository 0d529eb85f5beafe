import type { Database } from '@recgraph/db';

/**
 * "New data" is counted from the interactions table, not from the topic: the
 * table is what training reads, it dedupes replays (event_id is unique), and it
 * survives restarts and consumer-group resets. The watermark is the highest
 * interactions.id a completed run had seen. Ids come from a sequence, so a row
 * committing late with a smaller id can be missed by the count; it is still
 * trained on by the next run.
 */
export async function maxInteractionId(db: Pick<Database, 'pool'>): Promise<bigint> {
  const { rows } = await db.pool.query<{ id: string | null }>('SELECT max(id)::text AS id FROM interactions');
  return BigInt(rows[0]?.id ?? 0);
}

export async function interactionsAfter(db: Pick<Database, 'pool'>, watermark: bigint): Promise<number> {
  const { rows } = await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM interactions WHERE id > $1', [
    watermark.toString(),
  ]);
  return Number(rows[0]!.n);
}

/**
 * The watermark the registry implies: the newest interaction stored before the
 * newest completed (non-FAILED) model version was registered. It lets a restarted
 * trainer, or another instance, see that the current data was already trained on.
 * Walks the primary key backwards, so only rows newer than that version are read.
 */
export async function registryWatermark(db: Pick<Database, 'pool'>): Promise<bigint | undefined> {
  const { rows } = await db.pool.query<{ id: string | null }>(
    `SELECT (SELECT i.id FROM interactions i WHERE i.created_at <= mv.created_at ORDER BY i.id DESC LIMIT 1)::text AS id
     FROM model_versions mv WHERE mv.status <> 'FAILED' ORDER BY mv.created_at DESC LIMIT 1`,
  );
  if (rows.length === 0) return undefined;
  return BigInt(rows[0]!.id ?? 0);
}
