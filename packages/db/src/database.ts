import { join } from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { instrumentPgPool } from '@recgraph/telemetry';
import { PrismaClient } from './generated/prisma/client.ts';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded.ts';
import { migrate } from './migrate.ts';

export type Db = PrismaClient;

export interface Database {
  /** Prisma Client: how services read and write. */
  readonly prisma: PrismaClient;
  /** The pg pool under Prisma, for the few raw vector queries and COPY-style bulk writes. */
  readonly pool: pg.Pool;
  readonly url: string;
  readonly mode: 'embedded' | 'external';
  close(): Promise<void>;
}

export interface OpenOptions {
  /** A real Postgres; undefined starts the embedded one. */
  url?: string | undefined;
  /** Embedded only: persist here; undefined keeps it in memory. */
  dataDir?: string | undefined;
  embeddedPort?: number;
  poolSize?: number;
  /**
   * A real server only: Postgres statement_timeout of every pooled connection, ms
   * (serving roles: DATABASE_STATEMENT_TIMEOUT_MS). Unset or 0: none (batch jobs).
   */
  statementTimeoutMs?: number;
  /** A real server only: longest wait for a free pooled connection, ms (DATABASE_POOL_TIMEOUT_MS). Unset or 0: forever. */
  poolTimeoutMs?: number;
  /** Apply pending migrations before returning (default true). */
  migrate?: boolean;
  log?: (msg: string) => void;
}

/**
 * Opens the database: a real Postgres when a URL is given, otherwise embedded
 * PGlite (+pgvector) served on loopback. Either way Prisma talks to it over
 * the Postgres wire protocol through the same adapter.
 */
export async function openDatabase(options: OpenOptions = {}): Promise<Database> {
  let embedded: EmbeddedPostgres | undefined;
  let url = options.url;
  if (!url) {
    embedded = await startEmbeddedPostgres({
      ...(options.dataDir ? { dataDir: options.dataDir } : {}),
      port: options.embeddedPort ?? 0,
    });
    url = embedded.url;
    options.log?.(
      `embedded Postgres (PGlite + pgvector) at ${url}${options.dataDir ? ` data ${options.dataDir}` : ' (in memory)'}`,
    );
  }
  try {
    if (options.migrate !== false) {
      const r = await migrate(url, options.log ? { log: options.log } : {});
      if (r.applied.length) options.log?.(`migrations applied: ${r.applied.join(', ')}`);
    }
    // PGlite has a single backend: one connection keeps transactions from interleaving.
    // The embedded server is one backend that serialises everything: waiting is its normal state.
    const timeouts = embedded
      ? {}
      : {
          ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
          ...(options.poolTimeoutMs ? { connectionTimeoutMillis: options.poolTimeoutMs } : {}),
        };
    const pool = new pg.Pool({ connectionString: url, max: embedded ? 1 : (options.poolSize ?? 10), ...timeouts });
    // Every statement becomes a span under the request that ran it (a no-op outside requests).
    instrumentPgPool(pool);
    // A server restart or failover drops idle pooled connections, and the pool reports each as an
    // 'error' event, which would end the process unheard. The pool replaces them on next use.
    pool.on('error', (err) => options.log?.(`an idle database connection was lost: ${err.message}`));
    const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
    return {
      prisma,
      pool,
      url,
      mode: embedded ? 'embedded' : 'external',
      async close() {
        await prisma.$disconnect();
        await pool.end().catch(() => undefined);
        await embedded?.stop();
      },
    };
  } catch (err) {
    await embedded?.stop();
    throw err;
  }
}

/** Default embedded data directory under the configured data dir. */
export const embeddedDataDir = (dataDir: string): string => join(dataDir, 'pg');
