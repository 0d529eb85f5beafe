import type { RecordProblem } from './errors.ts';

/** Outcome of an upsert batch. `unchanged` rows already held exactly these values (nothing rewritten). */
export interface UpsertCounts {
  inserted: number;
  updated: number;
  unchanged: number;
  /** Later records in the same batch with an earlier record's key; the last one wins. */
  duplicatesInBatch: number;
}

/** Outcome of an insert-only batch (interactions, reviews). */
export interface InsertCounts {
  inserted: number;
  /** Already present (same idempotency key): left untouched. */
  skipped: number;
  /** Records whose user or product does not exist; nothing of them was written. */
  rejected: RecordProblem[];
}

export const emptyUpsertCounts = (): UpsertCounts => ({ inserted: 0, updated: 0, unchanged: 0, duplicatesInBatch: 0 });

export function addUpsertCounts(into: UpsertCounts, more: UpsertCounts): UpsertCounts {
  into.inserted += more.inserted;
  into.updated += more.updated;
  into.unchanged += more.unchanged;
  into.duplicatesInBatch += more.duplicatesInBatch;
  return into;
}

/** Splits `RETURNING (xmax = 0) AS inserted` rows into inserted/updated; rows not returned were unchanged. */
export function countUpserts(
  rows: readonly { inserted: boolean }[],
  attempted: number,
  duplicatesInBatch: number,
): UpsertCounts {
  const inserted = rows.filter((r) => r.inserted).length;
  const updated = rows.length - inserted;
  return { inserted, updated, unchanged: attempted - rows.length, duplicatesInBatch };
}
