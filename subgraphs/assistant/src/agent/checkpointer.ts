// LangGraph's checkpoint saver over our own database through Prisma raw SQL, so
// the assistant's thread memory lives in the same Postgres on both backends
// (embedded PGlite and a real server). @langchain/langgraph-checkpoint-postgres
// needs a pg.Pool of its own, which the embedded database is not.
import { Prisma, type PrismaClient } from '@recgraph/db';
import {
  BaseCheckpointSaver,
  compareWritesSortKeys,
  copyCheckpoint,
  maxChannelVersion,
  TASKS,
  getCheckpointId,
  WRITES_IDX_MAP,
  writesSortKey,
  type ChannelVersions,
  type Checkpoint,
  type CheckpointListOptions,
  type CheckpointMetadata,
  type CheckpointPendingWrite,
  type CheckpointTuple,
  type PendingWrite,
  type SerializerProtocol,
} from '@langchain/langgraph-checkpoint';
import type { RunnableConfig } from '@langchain/core/runnables';

interface CheckpointRow {
  thread_id: string;
  checkpoint_ns: string;
  checkpoint_id: string;
  parent_checkpoint_id: string | null;
  type: string;
  checkpoint: Uint8Array;
  metadata: CheckpointMetadata;
}

interface WriteRow {
  task_id: string;
  idx: number;
  channel: string;
  type: string;
  value: Uint8Array;
  task_path: string;
}

const missingThread = (what: string) =>
  new Error(`${what}: the config has no configurable.thread_id (every assistant turn names its thread)`);

interface BlobRow {
  channel: string;
  type: string;
  blob: Uint8Array | null;
}

/** A blob row for a channel that has no value at that version. */
const EMPTY = 'empty';

/**
 * Checkpoints (assistant_checkpoints), their channel values
 * (assistant_checkpoint_blobs, one row per channel and version, so a step stores
 * only what it changed: a thread's messages are not re-stored at every step) and
 * their pending writes (assistant_checkpoint_writes), serialised with
 * LangGraph's serde. The layout of LangGraph's own Postgres saver.
 */
export class PrismaCheckpointSaver extends BaseCheckpointSaver {
  constructor(
    private readonly prisma: PrismaClient,
    serde?: SerializerProtocol,
  ) {
    super(serde);
  }

  async getTuple(config: RunnableConfig): Promise<CheckpointTuple | undefined> {
    const threadId = config.configurable?.thread_id as string | undefined;
    if (threadId === undefined) return undefined;
    const ns = (config.configurable?.checkpoint_ns as string | undefined) ?? '';
    const checkpointId = getCheckpointId(config);
    const rows = checkpointId
      ? await this.prisma.$queryRaw<CheckpointRow[]>`
          SELECT thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint, metadata
          FROM assistant_checkpoints
          WHERE thread_id = ${threadId} AND checkpoint_ns = ${ns} AND checkpoint_id = ${checkpointId}`
      : await this.prisma.$queryRaw<CheckpointRow[]>`
          SELECT thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint, metadata
          FROM assistant_checkpoints
          WHERE thread_id = ${threadId} AND checkpoint_ns = ${ns}
          ORDER BY checkpoint_id DESC LIMIT 1`;
    return (await this.toTuples(rows))[0];
  }

  async *list(config: RunnableConfig, options: CheckpointListOptions = {}): AsyncGenerator<CheckpointTuple> {
    const { before, limit, filter } = options;
    const where: Prisma.Sql[] = [];
    const threadId = config.configurable?.thread_id as string | undefined;
    const ns = config.configurable?.checkpoint_ns as string | undefined;
    const checkpointId = config.configurable?.checkpoint_id as string | undefined;
    if (threadId !== undefined) where.push(Prisma.sql`thread_id = ${threadId}`);
    if (ns !== undefined) where.push(Prisma.sql`checkpoint_ns = ${ns}`);
    if (checkpointId) where.push(Prisma.sql`checkpoint_id = ${checkpointId}`);
    const beforeId = before?.configurable?.checkpoint_id as string | undefined;
    if (beforeId) where.push(Prisma.sql`checkpoint_id < ${beforeId}`);
    if (filter && Object.keys(filter).length > 0) {
      // Containment matches a key's value exactly, as the in-memory saver compares them.
      where.push(Prisma.sql`metadata @> ${JSON.stringify(filter)}::jsonb`);
    }
    if (limit !== undefined && limit <= 0) return;
    const rows = await this.prisma.$queryRaw<CheckpointRow[]>`
      SELECT thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint, metadata
      FROM assistant_checkpoints
      ${where.length ? Prisma.sql`WHERE ${Prisma.join(where, ' AND ')}` : Prisma.empty}
      ORDER BY thread_id, checkpoint_ns, checkpoint_id DESC
      ${limit !== undefined ? Prisma.sql`LIMIT ${limit}` : Prisma.empty}`;
    // Pages of rows, each page's writes and channel values read in one statement each.
    for (let i = 0; i < rows.length; i += LIST_PAGE) yield* await this.toTuples(rows.slice(i, i + LIST_PAGE));
  }

  async put(
    config: RunnableConfig,
    checkpoint: Checkpoint,
    metadata: CheckpointMetadata,
    newVersions: ChannelVersions,
  ): Promise<RunnableConfig> {
    const threadId = config.configurable?.thread_id as string | undefined;
    if (threadId === undefined) throw missingThread('Cannot save a checkpoint');
    const ns = (config.configurable?.checkpoint_ns as string | undefined) ?? '';
    const parentId = (config.configurable?.checkpoint_id as string | undefined) ?? null;
    const stored = copyCheckpoint(checkpoint);
    const values = stored.channel_values;
    stored.channel_values = {};
    const blobs: Prisma.Sql[] = [];
    for (const [channel, version] of Object.entries(newVersions)) {
      const [blobType, blob] =
        channel in values ? await this.serde.dumpsTyped(values[channel]) : [EMPTY, null as Uint8Array | null];
      blobs.push(
        Prisma.sql`(${threadId}, ${ns}, ${channel}, ${String(version)}, ${blobType}, ${blob ? Buffer.from(blob) : null})`,
      );
    }
    if (blobs.length)
      await this.prisma.$executeRaw`
        INSERT INTO assistant_checkpoint_blobs (thread_id, checkpoint_ns, channel, version, type, blob)
        VALUES ${Prisma.join(blobs)}
        ON CONFLICT (thread_id, checkpoint_ns, channel, version) DO NOTHING`;
    const [type, bytes] = await this.serde.dumpsTyped(stored);
    await this.prisma.$executeRaw`
      INSERT INTO assistant_checkpoints
        (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint, metadata)
      VALUES (${threadId}, ${ns}, ${checkpoint.id}, ${parentId}, ${type}, ${Buffer.from(bytes)},
              ${jsonText(metadata)}::jsonb)
      ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id) DO UPDATE
        SET parent_checkpoint_id = EXCLUDED.parent_checkpoint_id, type = EXCLUDED.type,
            checkpoint = EXCLUDED.checkpoint, metadata = EXCLUDED.metadata`;
    return { configurable: { thread_id: threadId, checkpoint_ns: ns, checkpoint_id: checkpoint.id } };
  }

  async putWrites(config: RunnableConfig, writes: PendingWrite[], taskId: string, taskPath = ''): Promise<void> {
    const threadId = config.configurable?.thread_id as string | undefined;
    const checkpointId = config.configurable?.checkpoint_id as string | undefined;
    if (threadId === undefined) throw missingThread('Cannot save writes');
    if (checkpointId === undefined) throw new Error('Cannot save writes: the config has no configurable.checkpoint_id');
    const ns = (config.configurable?.checkpoint_ns as string | undefined) ?? '';
    const kept: Prisma.Sql[] = [];
    const replaced: Prisma.Sql[] = [];
    for (const [i, [channel, value]] of writes.entries()) {
      // Special channels (errors, interrupts, ...) have fixed negative slots that a
      // retry overwrites; ordinary writes keep the first value stored (idempotent).
      const idx = WRITES_IDX_MAP[channel] ?? i;
      const [type, bytes] = await this.serde.dumpsTyped(value);
      (idx < 0 ? replaced : kept).push(
        Prisma.sql`(${threadId}, ${ns}, ${checkpointId}, ${taskId}, ${idx}, ${channel}, ${type}, ${Buffer.from(bytes)}, ${taskPath})`,
      );
    }
    if (replaced.length)
      await this.prisma.$executeRaw`
        INSERT INTO assistant_checkpoint_writes
          (thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, value, task_path)
        VALUES ${Prisma.join(replaced)}
        ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id, task_id, idx) DO UPDATE
          SET channel = EXCLUDED.channel, type = EXCLUDED.type, value = EXCLUDED.value, task_path = EXCLUDED.task_path`;
    if (kept.length)
      await this.prisma.$executeRaw`
        INSERT INTO assistant_checkpoint_writes
          (thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, value, task_path)
        VALUES ${Prisma.join(kept)}
        ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id, task_id, idx) DO NOTHING`;
  }

  async deleteThread(threadId: string): Promise<void> {
    await this.prisma.$executeRaw`DELETE FROM assistant_checkpoint_writes WHERE thread_id = ${threadId}`;
    await this.prisma.$executeRaw`DELETE FROM assistant_checkpoint_blobs WHERE thread_id = ${threadId}`;
    await this.prisma.$executeRaw`DELETE FROM assistant_checkpoints WHERE thread_id = ${threadId}`;
  }

  /** Checkpoints' pending writes by JSON [thread, namespace, checkpoint], each in LangGraph's one replay order (writesSortKey). */
  private async writesOf(keys: [string, string, string][]): Promise<Map<string, CheckpointPendingWrite[]>> {
    const out = new Map<string, CheckpointPendingWrite[]>();
    if (keys.length === 0) return out;
    const writes = await this.prisma.$queryRaw<
      (WriteRow & { thread_id: string; checkpoint_ns: string; checkpoint_id: string })[]
    >`
      SELECT thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, value, task_path
      FROM assistant_checkpoint_writes
      WHERE (thread_id, checkpoint_ns, checkpoint_id) IN (${Prisma.join(keys.map((k) => Prisma.sql`(${k[0]}, ${k[1]}, ${k[2]})`))})`;
    writes.sort((a, b) =>
      compareWritesSortKeys(writesSortKey(a.task_path, a.task_id, a.idx), writesSortKey(b.task_path, b.task_id, b.idx)),
    );
    for (const w of writes) {
      const k = JSON.stringify([w.thread_id, w.checkpoint_ns, w.checkpoint_id]);
      const list = out.get(k) ?? [];
      list.push([w.task_id, w.channel, await this.serde.loadsTyped(w.type, new Uint8Array(w.value))]);
      out.set(k, list);
    }
    return out;
  }

  /** Rows of one thread namespace or several, with their writes and channel values (three statements in all). */
  private async toTuples(rows: CheckpointRow[]): Promise<CheckpointTuple[]> {
    if (rows.length === 0) return [];
    const key = (r: { thread_id: string; checkpoint_ns: string }, id: string) =>
      JSON.stringify([r.thread_id, r.checkpoint_ns, id]);
    const checkpoints = await Promise.all(
      rows.map(async (r) => (await this.serde.loadsTyped(r.type, new Uint8Array(r.checkpoint))) as Checkpoint),
    );
    // Old-format checkpoints (< 4) read their pending sends from the parent's writes.
    const wanted: [string, string, string][] = [];
    rows.forEach((r, i) => {
      wanted.push([r.thread_id, r.checkpoint_ns, r.checkpoint_id]);
      if (checkpoints[i]!.v < 4 && r.parent_checkpoint_id !== null)
        wanted.push([r.thread_id, r.checkpoint_ns, r.parent_checkpoint_id]);
    });
    const writesByKey = await this.writesOf(wanted);
    const pairs = rows.flatMap((r, i) =>
      Object.entries(checkpoints[i]!.channel_versions ?? {}).map(
        ([channel, version]) => Prisma.sql`(${r.thread_id}, ${r.checkpoint_ns}, ${channel}, ${String(version)})`,
      ),
    );
    const blobs = pairs.length
      ? await this.prisma.$queryRaw<(BlobRow & { thread_id: string; checkpoint_ns: string; version: string })[]>`
          SELECT thread_id, checkpoint_ns, channel, version, type, blob FROM assistant_checkpoint_blobs
          WHERE (thread_id, checkpoint_ns, channel, version) IN (${Prisma.join(pairs)})`
      : [];
    const blobByKey = new Map(
      blobs.map((b) => [JSON.stringify([b.thread_id, b.checkpoint_ns, b.channel, b.version]), b]),
    );
    const tuples: CheckpointTuple[] = [];
    for (const [i, row] of rows.entries()) {
      const checkpoint = checkpoints[i]!;
      checkpoint.channel_values = {};
      for (const [channel, version] of Object.entries(checkpoint.channel_versions ?? {})) {
        const b = blobByKey.get(JSON.stringify([row.thread_id, row.checkpoint_ns, channel, String(version)]));
        if (b && b.type !== EMPTY && b.blob)
          checkpoint.channel_values[channel] = await this.serde.loadsTyped(b.type, new Uint8Array(b.blob));
      }
      if (checkpoint.v < 4 && row.parent_checkpoint_id !== null) {
        const sends = (writesByKey.get(key(row, row.parent_checkpoint_id)) ?? [])
          .filter(([, channel]) => channel === TASKS)
          .map(([, , value]) => value);
        checkpoint.channel_values[TASKS] = sends;
        checkpoint.channel_versions[TASKS] =
          Object.keys(checkpoint.channel_versions).length > 0
            ? maxChannelVersion(...Object.values(checkpoint.channel_versions))
            : this.getNextVersion(undefined);
      }
      const tuple: CheckpointTuple = {
        config: {
          configurable: {
            thread_id: row.thread_id,
            checkpoint_ns: row.checkpoint_ns,
            checkpoint_id: row.checkpoint_id,
          },
        },
        checkpoint,
        metadata: row.metadata,
        pendingWrites: writesByKey.get(key(row, row.checkpoint_id)) ?? [],
      };
      if (row.parent_checkpoint_id !== null)
        tuple.parentConfig = {
          configurable: {
            thread_id: row.thread_id,
            checkpoint_ns: row.checkpoint_ns,
            checkpoint_id: row.parent_checkpoint_id,
          },
        };
      tuples.push(tuple);
    }
    return tuples;
  }
}

/** Rows read per statement when listing. */
const LIST_PAGE = 100;

/** JSON for a jsonb column: Postgres refuses the NUL character in jsonb text. */
const jsonText = (value: unknown): string => JSON.stringify(value ?? {}).replaceAll('\\u0000', '');
