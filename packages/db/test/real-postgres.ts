import pg from 'pg';

/**
 * The real Postgres server for tests: TEST_DATABASE_URL (set by scripts/test.sh
 * after `npm run infra:up`). Under CI it must be present; tests fail loudly
 * instead of skipping.
 */
export async function realPostgresUrl(): Promise<string | undefined> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url && process.env.CI)
    throw new Error('TEST_DATABASE_URL is not set under CI: run `npm run infra:up` (scripts/test.sh does).');
  if (!url) return undefined;
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.end();
  return url;
}

/** Creates a fresh, uniquely named database on the real server and returns its URL. */
export async function createTestDatabase(serverUrl: string): Promise<string> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  const name = `recgraph_test_${process.pid}_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
