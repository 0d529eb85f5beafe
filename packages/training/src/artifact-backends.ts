import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Config } from '@recgraph/config';
import type { Database } from '@recgraph/db';
import { readVerifiedArtifact, writeArtifactFile } from './artifact-store.ts';
import { ArtifactIntegrityError } from './errors.ts';

/**
 * Where trained model artifacts live. The trainer puts one per model version;
 * every recommend and updater instance gets the promoted one by the URI the
 * registry recorded (model_versions.artifact_uri), verified against its sha256.
 */
export interface ArtifactStore {
  /** postgres | s3 | file */
  readonly kind: string;
  put(id: string, bytes: Uint8Array): Promise<{ uri: string; sha256: string }>;
  /** The bytes under `uri`, refused (ArtifactIntegrityError) unless their sha256 is `expectedSha256`. */
  get(uri: string, expectedSha256: string): Promise<Uint8Array>;
  remove(uri: string): Promise<void>;
}

type Prisma = Database['prisma'];
const ID = /^[0-9a-f-]{36}$/i;
const hex = (h: ReturnType<typeof createHash>) => h.digest('hex');

function checked(uri: string, actual: string, expected: string): void {
  if (actual !== expected)
    throw new ArtifactIntegrityError(
      `artifact ${uri} has sha256 ${actual}, the registry recorded ${expected}: refusing to load it`,
    );
}

/** Rows of this many bytes: each statement carries one, so neither side holds a whole large artifact in one value. */
export const PG_CHUNK_BYTES = 1024 * 1024;
const PG_SCHEME = 'db:model_artifacts/';

/**
 * Artifacts in the database every role already shares (the default): chunked
 * bytea rows written in one transaction, read back a few chunks at a time while
 * hashing, so a reader never sees half an artifact and never trusts a changed one.
 */
export function postgresArtifactStore(prisma: Prisma): ArtifactStore {
  return {
    kind: 'postgres',
    async put(id, bytes) {
      if (!ID.test(id)) throw new ArtifactIntegrityError(`refusing artifact name for id ${JSON.stringify(id)}`);
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const chunks = Math.max(1, Math.ceil(bytes.length / PG_CHUNK_BYTES));
      await prisma.$transaction(
        async (tx) => {
          for (let seq = 0; seq < chunks; seq++) {
            const part = Buffer.from(
              bytes.buffer,
              bytes.byteOffset + seq * PG_CHUNK_BYTES,
              Math.min(PG_CHUNK_BYTES, bytes.length - seq * PG_CHUNK_BYTES),
            );
            await tx.$executeRaw`INSERT INTO model_artifact_chunks (artifact_id, seq, data) VALUES (${id}::uuid, ${seq}, ${part})`;
          }
          await tx.$executeRaw`INSERT INTO model_artifacts (id, sha256, size_bytes, chunks) VALUES (${id}::uuid, ${sha256}, ${bytes.length}, ${chunks})`;
        },
        { timeout: 120_000 },
      );
      return { uri: `${PG_SCHEME}${id}`, sha256 };
    },
    async get(uri, expectedSha256) {
      const id = uri.slice(PG_SCHEME.length);
      if (!uri.startsWith(PG_SCHEME) || !ID.test(id))
        throw new ArtifactIntegrityError(`not a database artifact: ${uri}`);
      const [head] = await prisma.$queryRaw<{ size_bytes: bigint; chunks: number }[]>`
        SELECT size_bytes, chunks FROM model_artifacts WHERE id = ${id}::uuid`;
      if (!head) throw new ArtifactIntegrityError(`cannot read artifact ${uri}: no such artifact`);
      const out = new Uint8Array(Number(head.size_bytes));
      const hash = createHash('sha256');
      let offset = 0;
      for (let seq = 0; seq < head.chunks; seq += 4) {
        const rows = await prisma.$queryRaw<{ seq: number; data: Uint8Array }[]>`
          SELECT seq, data FROM model_artifact_chunks
          WHERE artifact_id = ${id}::uuid AND seq >= ${seq} AND seq < ${seq + 4} ORDER BY seq`;
        for (const row of rows) {
          if (row.seq !== offset / PG_CHUNK_BYTES || offset + row.data.length > out.length)
            throw new ArtifactIntegrityError(`artifact ${uri} is incomplete or changed (chunk ${row.seq})`);
          out.set(row.data, offset);
          hash.update(row.data);
          offset += row.data.length;
        }
      }
      if (offset !== out.length)
        throw new ArtifactIntegrityError(`artifact ${uri} is incomplete (${offset} of ${out.length} bytes)`);
      checked(uri, hex(hash), expectedSha256);
      return out;
    },
    async remove(uri) {
      const id = uri.slice(PG_SCHEME.length);
      if (!uri.startsWith(PG_SCHEME) || !ID.test(id)) return;
      await prisma.$executeRaw`DELETE FROM model_artifacts WHERE id = ${id}::uuid`;
      await prisma.$executeRaw`DELETE FROM model_artifact_chunks WHERE artifact_id = ${id}::uuid`;
    },
  };
}

export interface S3StoreOptions {
  bucket: string;
  prefix?: string;
  /** An S3-compatible server; unset → AWS. */
  endpoint?: string;
  region?: string;
  forcePathStyle?: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/**
 * Artifacts in an S3-compatible bucket (@aws-sdk/client-s3). The sha256 goes with the upload
 * (x-amz-checksum-sha256, which the server verifies) and is checked again while streaming it back.
 */
export function s3ArtifactStore(o: S3StoreOptions): ArtifactStore & { client: S3Client } {
  const client = new S3Client({
    region: o.region ?? 'us-east-1',
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    forcePathStyle: o.forcePathStyle ?? false,
    ...(o.credentials ? { credentials: o.credentials } : {}),
  });
  const prefix = o.prefix ?? 'recgraph/models/';
  const parse = (uri: string) => {
    const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
    if (!m) throw new ArtifactIntegrityError(`not an S3 artifact: ${uri}`);
    return { Bucket: m[1]!, Key: m[2]! };
  };
  return {
    kind: 's3',
    client,
    async put(id, bytes) {
      if (!ID.test(id)) throw new ArtifactIntegrityError(`refusing artifact name for id ${JSON.stringify(id)}`);
      const digest = createHash('sha256').update(bytes).digest();
      const Key = `${prefix}${id}.rgrs`;
      await client.send(
        new PutObjectCommand({
          Bucket: o.bucket,
          Key,
          Body: bytes,
          ContentType: 'application/octet-stream',
          ChecksumSHA256: digest.toString('base64'),
          Metadata: { sha256: digest.toString('hex') },
        }),
      );
      return { uri: `s3://${o.bucket}/${Key}`, sha256: digest.toString('hex') };
    },
    async get(uri, expectedSha256) {
      let body: Readable;
      try {
        body = (await client.send(new GetObjectCommand(parse(uri)))).Body as Readable;
      } catch (err) {
        throw new ArtifactIntegrityError(`cannot read artifact ${uri}: ${(err as Error).message}`);
      }
      const hash = createHash('sha256');
      const parts: Buffer[] = [];
      for await (const chunk of body) {
        hash.update(chunk as Buffer);
        parts.push(chunk as Buffer);
      }
      checked(uri, hex(hash), expectedSha256);
      return new Uint8Array(Buffer.concat(parts));
    },
    async remove(uri) {
      await client.send(new DeleteObjectCommand(parse(uri)));
    },
  };
}

/** <dir>/<id>.rgrs on a local disk: one machine only (tests, `npm start`). */
export function fileArtifactStore(dir: string): ArtifactStore {
  return {
    kind: 'file',
    put: (id, bytes) => writeArtifactFile(dir, id, bytes),
    get: (uri, sha) => readVerifiedArtifact(uri, sha),
    remove: (uri) => rm(uri, { force: true }),
  };
}

/** The store an artifact URI names: db:… in Postgres, s3://… in S3 (configured `s3`), else a file. */
export function storeForUri(uri: string, prisma: Prisma, s3?: () => ArtifactStore): ArtifactStore {
  if (uri.startsWith(PG_SCHEME)) return postgresArtifactStore(prisma);
  if (uri.startsWith('s3://')) {
    if (!s3) throw new ArtifactIntegrityError(`artifact ${uri} is in S3, but ARTIFACT_STORE=s3 is not configured here`);
    return s3();
  }
  return fileArtifactStore('.');
}

/** The store ARTIFACT_STORE configures (MODEL_DIR or <RECGRAPH_DATA_DIR>/models for `file`). */
export function artifactStoreFromConfig(
  cfg: Pick<Config, 'ARTIFACT_STORE' | 'MODEL_DIR' | 'RECGRAPH_DATA_DIR'> & Partial<S3Settings>,
  prisma: Prisma,
): ArtifactStore {
  if (cfg.ARTIFACT_STORE === 's3') return s3ArtifactStore(s3Options(cfg));
  if (cfg.ARTIFACT_STORE === 'file') return fileArtifactStore(cfg.MODEL_DIR ?? `${cfg.RECGRAPH_DATA_DIR}/models`);
  return postgresArtifactStore(prisma);
}

type S3Settings = Pick<
  Config,
  | 'ARTIFACT_S3_BUCKET'
  | 'ARTIFACT_S3_PREFIX'
  | 'ARTIFACT_S3_ENDPOINT'
  | 'ARTIFACT_S3_REGION'
  | 'ARTIFACT_S3_FORCE_PATH_STYLE'
  | 'ARTIFACT_S3_ACCESS_KEY_ID'
  | 'ARTIFACT_S3_SECRET_ACCESS_KEY'
>;

export function s3Options(cfg: Partial<S3Settings>): S3StoreOptions {
  if (!cfg.ARTIFACT_S3_BUCKET) throw new ArtifactIntegrityError('ARTIFACT_STORE=s3 needs ARTIFACT_S3_BUCKET');
  return {
    bucket: cfg.ARTIFACT_S3_BUCKET,
    ...(cfg.ARTIFACT_S3_PREFIX !== undefined ? { prefix: cfg.ARTIFACT_S3_PREFIX } : {}),
    ...(cfg.ARTIFACT_S3_REGION ? { region: cfg.ARTIFACT_S3_REGION } : {}),
    ...(cfg.ARTIFACT_S3_FORCE_PATH_STYLE !== undefined ? { forcePathStyle: cfg.ARTIFACT_S3_FORCE_PATH_STYLE } : {}),
    ...(cfg.ARTIFACT_S3_ENDPOINT ? { endpoint: cfg.ARTIFACT_S3_ENDPOINT } : {}),
    ...(cfg.ARTIFACT_S3_ACCESS_KEY_ID && cfg.ARTIFACT_S3_SECRET_ACCESS_KEY
      ? {
          credentials: {
            accessKeyId: cfg.ARTIFACT_S3_ACCESS_KEY_ID,
            secretAccessKey: cfg.ARTIFACT_S3_SECRET_ACCESS_KEY,
          },
        }
      : {}),
  };
}
