// One contract for every artifact store: the real Postgres server and embedded PGlite (the
// default store), a real S3-compatible HTTP server (moto's server mode, installed by
// scripts/infra/s3-server.sh), and files.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '@recgraph/db';
import { createTestDatabase, realPostgresUrl } from '../../db/test/real-postgres.ts';
import {
  ArtifactIntegrityError,
  fileArtifactStore,
  PG_CHUNK_BYTES,
  postgresArtifactStore,
  s3ArtifactStore,
  type ArtifactStore,
} from '../src/index.ts';

const serverUrl = await realPostgresUrl();
const MOTO = resolve(import.meta.dirname, '../../../.infra/moto-venv/bin/moto_server');
if (!existsSync(MOTO) && process.env.CI)
  throw new Error(`${MOTO} is missing under CI: run \`npm run infra:up\` (scripts/infra/s3-server.sh installs it)`);

interface Backend {
  name: string;
  open(): Promise<{ store: ArtifactStore; tamper(uri: string): Promise<void>; close(): Promise<void> }>;
  skip?: boolean;
}

const postgres =
  (url?: () => Promise<string>): Backend['open'] =>
  async () => {
    const db: Database = await openDatabase(url ? { url: await url(), poolSize: 2 } : {});
    return {
      store: postgresArtifactStore(db.prisma),
      async tamper(uri) {
        const id = uri.split('/').pop()!;
        await db.prisma
          .$executeRaw`UPDATE model_artifact_chunks SET data = '\\x00' || data WHERE artifact_id = ${id}::uuid AND seq = 1`;
      },
      close: () => db.close(),
    };
  };

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const backends: Backend[] = [
  { name: 'Postgres (real server)', open: postgres(() => createTestDatabase(serverUrl!)), skip: !serverUrl },
  { name: 'Postgres (embedded PGlite)', open: postgres() },
  {
    name: 'S3 (moto server)',
    skip: !existsSync(MOTO),
    async open() {
      const port = await freePort();
      const server: ChildProcess = spawn(MOTO, ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
      const endpoint = `http://127.0.0.1:${port}`;
      for (let i = 0; ; i++) {
        if (
          await fetch(endpoint).then(
            () => true,
            () => false,
          )
        )
          break;
        if (i > 100) throw new Error('moto_server did not start');
        await new Promise((r) => setTimeout(r, 100));
      }
      const store = s3ArtifactStore({
        bucket: 'recgraph-artifacts',
        endpoint,
        forcePathStyle: true,
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      });
      await store.client.send(new CreateBucketCommand({ Bucket: 'recgraph-artifacts' }));
      return {
        store,
        async tamper(uri) {
          const [, bucket, key] = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri)!;
          await store.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: randomBytes(100) }));
        },
        async close() {
          store.client.destroy();
          server.kill();
        },
      };
    },
  },
  {
    name: 'files',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'recgraph-artifacts-'));
      const { writeFile } = await import('node:fs/promises');
      return {
        store: fileArtifactStore(dir),
        tamper: (uri) => writeFile(uri, randomBytes(100)),
        close: async () => undefined,
      };
    },
  },
];

describe.each(backends)('artifact store: $name', (backend) => {
  let t: Awaited<ReturnType<Backend['open']>>;
  beforeAll(async () => {
    if (!backend.skip) t = await backend.open();
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  it.skipIf(backend.skip)('round-trips an artifact larger than a chunk, checksummed', async () => {
    const bytes = new Uint8Array(randomBytes(2 * PG_CHUNK_BYTES + 12_345));
    const id = randomUUID();
    const { uri, sha256 } = await t.store.put(id, bytes);
    expect(sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(uri).toContain(id);
    expect(Buffer.from(await t.store.get(uri, sha256)).equals(Buffer.from(bytes))).toBe(true);
    await expect(t.store.get(uri, '0'.repeat(64))).rejects.toBeInstanceOf(ArtifactIntegrityError);
  });

  it.skipIf(backend.skip)('refuses an artifact changed after it was written, and a removed one', async () => {
    const bytes = new Uint8Array(randomBytes(PG_CHUNK_BYTES + 10));
    const { uri, sha256 } = await t.store.put(randomUUID(), bytes);
    await t.tamper(uri);
    await expect(t.store.get(uri, sha256)).rejects.toBeInstanceOf(ArtifactIntegrityError);
    await t.store.remove(uri);
    await expect(t.store.get(uri, sha256)).rejects.toBeInstanceOf(ArtifactIntegrityError);
  });

  it.skipIf(backend.skip)('refuses ids that are not model version ids', async () => {
    await expect(t.store.put('../../etc/passwd', new Uint8Array(1))).rejects.toBeInstanceOf(ArtifactIntegrityError);
  });
});
