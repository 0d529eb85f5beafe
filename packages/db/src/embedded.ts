import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedPostgres {
  /** A postgres:// URL any Postgres client (pg, Prisma, psql) can use. */
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Directory to persist into; undefined keeps the database in memory (tests). */
  dataDir?: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /**
   * PGlite has one backend, so connections share it query by query. Clients
   * must keep one connection each (our pool does) so transactions never interleave.
   */
  maxConnections?: number;
}

/**
 * Starts PGlite (Postgres compiled to WASM, with pgvector) behind a real
 * Postgres wire-protocol socket, so the rest of Recgraph talks to it exactly
 * as it talks to a real server: one code path, only the URL differs.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions = {}): Promise<EmbeddedPostgres> {
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const db = await PGlite.create({
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    // pg_trgm: typo tolerance and autocomplete in text search (a contrib extension shipped with PGlite).
    extensions: { vector, pg_trgm },
  });
  const host = options.host ?? '127.0.0.1';
  const server = new PGLiteSocketServer({
    db,
    host,
    port: options.port ?? 0,
    maxConnections: options.maxConnections ?? 16,
  });
  await server.start();
  // getServerConn() reports the requested port; read the bound one for port 0.
  const bound = (server as unknown as { server?: { address(): { port: number } | string | null } }).server?.address();
  const port = bound && typeof bound === 'object' ? bound.port : Number(server.getServerConn().split(':').pop());
  return {
    url: `postgresql://postgres:postgres@${host}:${port}/postgres?sslmode=disable`,
    port,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
