/**
 * Issue 12, finding "the trainer's lock connection has no error listener (a Postgres restart
 * kills a run with an uncaught error), the migration runner likewise": on the real server, each
 * one's session is terminated under it (what a restart or failover does to every session) and
 * the process lives on — an unheard 'error' event would fail this file with an uncaught error.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { migrate, MigrationError, openDatabase, type Database } from '@recgraph/db';
import { withTrainingLock } from '../src/index.ts';
import { createTestDatabase, realPostgresUrl } from '../../db/test/real-postgres.ts';

const serverUrl = await realPostgresUrl();

/** Terminates the backends whose application_name or running query matches, once one exists. */
async function terminate(admin: pg.Client, where: string, param: string): Promise<void> {
  await vi.waitFor(
    async () => {
      const { rows } = await admin.query<{ ok: boolean }>(
        `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE ${where} AND pid <> pg_backend_pid()`,
        [param],
      );
      expect(rows.some((r) => r.ok)).toBe(true);
    },
    { timeout: 10_000, interval: 50 },
  );
}

describe.skipIf(!serverUrl)('connections lost under the trainer lock and the migration runner (issue 12)', () => {
  let url: string;
  let db: Database;
  let admin: pg.Client;

  beforeAll(async () => {
    url = await createTestDatabase(serverUrl!);
    db = await openDatabase({ url, poolSize: 2 });
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
    await db?.close();
  });

  it("the trainer's lock connection has no error listener: its session ends mid-run, the run finishes, the lock is free", async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const run = withTrainingLock(db, async () => {
      await released;
      return 'trained';
    });
    // Only once the session holds the lock: terminated between connect and the lock query, the run
    // rightly fails (it never had the lock), which is not the finding.
    await terminate(
      admin,
      "application_name = $1 AND pid IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted)",
      'recgraph-training-lock',
    );
    // Give the dropped socket's 'error' event time to be emitted while the run is still going.
    await new Promise((r) => setTimeout(r, 300));
    release();
    await expect(run).resolves.toBe('trained');
    await expect(withTrainingLock(db, async () => 'again')).resolves.toBe('again');
  });

  it('the migration runner has no error listener: its session ends mid-migration, which fails with MigrationError', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slow-migration-'));
    mkdirSync(join(dir, '29990101000000_slow'));
    writeFileSync(join(dir, '29990101000000_slow', 'migration.sql'), 'SELECT pg_sleep(20);');
    const running = migrate(url, { dir });
    const failure = expect(running).rejects.toBeInstanceOf(MigrationError);
    await terminate(admin, 'query LIKE $1', 'SELECT pg_sleep(20)%');
    await failure;
    await new Promise((r) => setTimeout(r, 300));
  });
});
