import pg from 'pg';
import type { Database } from '@recgraph/db';
import { TrainingLockBusyError } from './errors.ts';

/** Advisory lock key of training runs ("rgr\x02"); registry transactions use ...01. */
export const TRAINING_LOCK_KEY = 0x7267_7202;

// Embedded PGlite has one backend, so every connection is the same session and
// session-level advisory locks are re-entrant across them: the database cannot
// tell two runs apart. Only this process can open that database, so a
// per-process guard is the complete lock there.
const embeddedHolders = new Set<string>();

/**
 * Runs `fn` while holding the training lock, so two training runs never
 * overlap. A second run is REFUSED (TrainingLockBusyError) rather than queued:
 * it would train on the same data and race the first to promotion; the caller
 * (a schedule, the streaming trainer) simply tries again later.
 *
 * On a real server the lock is pg_try_advisory_lock on a dedicated connection
 * held for the whole run, so it also excludes other processes and hosts, and the
 * server frees it if this process dies.
 */
export async function withTrainingLock<T>(db: Pick<Database, 'url' | 'mode'>, fn: () => Promise<T>): Promise<T> {
  if (db.mode === 'embedded') {
    if (embeddedHolders.has(db.url)) throw new TrainingLockBusyError();
    embeddedHolders.add(db.url);
    try {
      return await fn();
    } finally {
      embeddedHolders.delete(db.url);
    }
  }
  const client = new pg.Client({ connectionString: db.url, application_name: 'recgraph-training-lock' });
  // A server restart ends this idle session, which pg reports as an 'error' event: unheard, it
  // would kill the process mid-run. The server has released the lock with the session; the run's
  // own queries fail on the same outage and the run is recorded as failed, so only note it.
  let lost: Error | undefined;
  client.on('error', (err) => (lost ??= err));
  await client.connect();
  try {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS locked', [
      TRAINING_LOCK_KEY,
    ]);
    if (!rows[0]?.locked) throw new TrainingLockBusyError();
    try {
      return await fn();
    } finally {
      if (!lost)
        await client.query('SELECT pg_advisory_unlock($1::bigint)', [TRAINING_LOCK_KEY]).catch(() => undefined);
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}
