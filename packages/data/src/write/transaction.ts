import type pg from 'pg';

/** What the writers need from an open database: its pg pool (see @recgraph/db openDatabase). */
export interface WriteTarget {
  readonly pool: pg.Pool;
}

/**
 * Runs `fn` on one pooled connection inside BEGIN/COMMIT, so a batch is
 * all-or-nothing. One connection at a time: embedded PGlite has a single
 * backend, and its pool holds exactly one client.
 */
export async function inTransaction<T>(db: WriteTarget, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await db.pool.connect();
  try {
    await client.query('BEGIN');
    try {
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  } finally {
    client.release();
  }
}
