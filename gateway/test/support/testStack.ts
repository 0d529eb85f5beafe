import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Database } from '@recgraph/db';
import { startStack, type RunningStack, type StackOptions } from '../../src/stack.ts';
import { seedFixture, type Fixture } from './fixture.ts';
import { countSqlStatements } from './sqlCounter.ts';

import type { GatewaySecrets } from '@recgraph/auth';

/** The gateway↔subgraph bearer and identity signing key the test stacks share. */
export const TEST_SECRET: GatewaySecrets = {
  bearer: 'test-subgraph-secret-0123456789',
  identityKey: 'test-identity-signing-key-0123456789',
};

export interface GraphQLResponse<T = Record<string, unknown>> {
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string; [k: string]: unknown } }[];
}

export interface TestStack {
  db: Database;
  stack: RunningStack;
  fixture: Fixture;
  sql: ReturnType<typeof countSqlStatements>;
  imagesDir: string;
  /** POST a query to the gateway. */
  gql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    options?: { token?: string; headers?: Record<string, string> },
  ): Promise<GraphQLResponse<T> & { status: number }>;
  stop(): Promise<void>;
}

export interface TestStackOptions extends Pick<StackOptions, 'mode' | 'bus' | 'protection' | 'catalog' | 'assistant'> {
  /**
   * A real Postgres database (e.g. createTestDatabase(TEST_DATABASE_URL)) to migrate and
   * seed instead of the in-memory embedded one. It should be fresh: the fixture is inserted as is.
   */
  databaseUrl?: string;
}

/**
 * In-memory embedded Postgres (or the real database in options.databaseUrl), the fixture
 * store, every subgraph and the gateway on free ports.
 */
export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  const { databaseUrl, ...stackOptions } = options;
  const db = await openDatabase(databaseUrl ? { url: databaseUrl, poolSize: 4 } : {});
  const imagesDir = mkdtempSync(join(tmpdir(), 'recgraph-images-'));
  try {
    const fixture = await seedFixture(db.prisma);
    const sql = countSqlStatements(db.pool);
    const stack = await startStack({
      prisma: db.prisma,
      secret: TEST_SECRET,
      logLevel: 'silent',
      imagesDir,
      ...stackOptions,
    });
    return {
      db,
      stack,
      fixture,
      sql,
      imagesDir,
      async gql(query, variables, options = {}) {
        const res = await fetch(stack.gateway.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
            ...options.headers,
          },
          body: JSON.stringify({ query, variables }),
        });
        return { ...((await res.json()) as GraphQLResponse<never>), status: res.status };
      },
      async stop() {
        await stack.stop();
        await db.close();
        rmSync(imagesDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await db.close();
    throw err;
  }
}
