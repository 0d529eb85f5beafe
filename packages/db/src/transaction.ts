import type pg from 'pg';

/**
 * Runs `fn` inside BEGIN/COMMIT on one pooled connection, so a batch's writes
 * land together or not at all (ROLLBACK on any error, then re-thrown). One
 * connection at a time: embedded PGlite has a single backend.
 */
export async function withTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
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
