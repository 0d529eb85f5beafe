import type pg from 'pg';
import { withTransaction } from '@recgraph/db';

/** What the writers need from an open database: its pg pool (see @recgraph/db openDatabase). */
export interface WriteTarget {
  readonly pool: pg.Pool;
}

/** A batch as one transaction on the target's pool: all-or-nothing. */
export function inTransaction<T>(db: WriteTarget, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return withTransaction(db.pool, fn);
}
