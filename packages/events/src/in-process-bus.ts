import { EventBusError } from './errors.ts';
import { partitionForKey } from './key-partition.ts';
import { handleWithRedelivery } from './retry.ts';
import type {
  BusMessage,
  ConsumedMessage,
  EventBus,
  EventBusLogger,
  PartitionLag,
  SubscribeOptions,
  Subscription,
  TopicSpec,
} from './types.ts';
import { prefixed, validatePublish, validateSubscribe, validateTopicSpecs } from './validate.ts';

interface StoredMessage {
  key: string;
  value: Buffer;
  headers: Record<string, string>;
  timestamp: number;
}

/** A partition's retained messages: offsets below `base` were trimmed. */
interface PartitionLog {
  base: number;
  messages: StoredMessage[];
}

interface Topic {
  /** The name the application uses (without prefix), reported on consumed messages. */
  name: string;
  partitions: PartitionLog[];
}

/**
 * Retention. Messages every subscribed group has committed past are dropped (in steps of at
 * least TRIM_STEP, so trimming stays cheap); a partition never holds more than MAX_RETAINED
 * (Kafka's retention, by count: a topic nobody reads, such as dead letters, cannot grow forever).
 */
const TRIM_STEP = 1_000;
export const MAX_RETAINED_PER_PARTITION = 100_000;

/** "topic\0partition": identifies one partition inside a group's bookkeeping. */
type PartitionId = string;
const partitionId = (topic: string, partition: number): PartitionId => `${topic}\0${partition}`;

class Member {
  readonly abort = new AbortController();
  /** Partitions this member owns after the last rebalance, in a stable order. */
  assigned: { topic: string; partition: number }[] = [];
  /** Where this member starts on partitions its group never committed (Kafka's auto.offset.reset). */
  readonly resetPositions = new Map<PartitionId, number>();
  /** Round-robin cursor so one busy partition cannot starve the others. */
  cursor = 0;
  loop: Promise<void> = Promise.resolve();
  private wakeUp: (() => void) | undefined;

  constructor(
    readonly topics: string[],
    readonly options: ReturnType<typeof validateSubscribe>,
  ) {}

  wake(): void {
    const w = this.wakeUp;
    this.wakeUp = undefined;
    w?.();
  }

  sleep(): Promise<void> {
    return new Promise((resolve) => {
      this.wakeUp = resolve;
    });
  }
}

/** The partition's end offset (the next message's). */
function partitionLength(topics: Map<string, Topic>, topic: string, partition: number): number {
  const log = topics.get(topic)?.partitions[partition];
  return log ? log.base + log.messages.length : 0;
}

class Group {
  readonly members: Member[] = [];
  /** Next offset to consume per partition: advanced only after a handler resolves. */
  readonly committed = new Map<PartitionId, number>();
  /** Partitions with a batch in a handler right now; a rebalance must not hand them to a second member. */
  readonly busy = new Set<PartitionId>();

  rebalance(topics: Map<string, Topic>): void {
    for (const m of this.members) m.assigned = [];
    const subscribed = [...new Set(this.members.flatMap((m) => m.topics))].sort();
    for (const topic of subscribed) {
      const takers = this.members.filter((m) => m.topics.includes(topic));
      const log = topics.get(topic)?.partitions ?? [];
      for (let p = 0; p < log.length; p++) takers[p % takers.length]!.assigned.push({ topic, partition: p });
    }
    for (const m of this.members) {
      const owned = new Set(m.assigned.map((a) => partitionId(a.topic, a.partition)));
      for (const id of m.resetPositions.keys()) if (!owned.has(id)) m.resetPositions.delete(id);
      // Fixed at assignment, so "only new messages" means those published after subscribe resolved.
      for (const a of m.assigned) {
        const id = partitionId(a.topic, a.partition);
        if (!this.committed.has(id) && !m.resetPositions.has(id)) {
          m.resetPositions.set(id, m.options.fromBeginning ? 0 : partitionLength(topics, a.topic, a.partition));
        }
      }
    }
    this.wakeAll();
  }

  wakeAll(): void {
    for (const m of this.members) m.wake();
  }
}

/**
 * The event bus for a single process (KAFKA_BROKERS unset): partitions, consumer groups
 * and committed offsets live in memory for the lifetime of this instance, with the
 * same delivery contract as Kafka.
 */
export class InProcessEventBus implements EventBus {
  private readonly topics = new Map<string, Topic>();
  private readonly groups = new Map<string, Group>();
  private readonly members = new Set<Member>();
  private closed = false;

  constructor(
    private readonly topicPrefix: string,
    private readonly log: EventBusLogger,
  ) {}

  async ensureTopics(specs: TopicSpec[]): Promise<void> {
    this.assertOpen();
    for (const spec of validateTopicSpecs(specs)) {
      const full = prefixed(this.topicPrefix, spec.name);
      const existing = this.topics.get(full);
      if (existing) {
        if (existing.partitions.length !== spec.partitions) {
          throw new EventBusError(
            'TOPIC_CONFLICT',
            `topic "${full}" exists with ${existing.partitions.length} partitions, not ${spec.partitions}`,
          );
        }
        continue;
      }
      this.topics.set(full, {
        name: spec.name,
        partitions: Array.from({ length: spec.partitions }, () => ({ base: 0, messages: [] })),
      });
      this.log.debug({ topic: full, partitions: spec.partitions }, 'created in-process topic');
      for (const g of this.groups.values())
        if (g.members.some((m) => m.topics.includes(full))) g.rebalance(this.topics);
    }
  }

  async publish(topic: string, messages: BusMessage[]): Promise<void> {
    this.assertOpen();
    const v = validatePublish(topic, messages);
    const t = this.topicOrThrow(prefixed(this.topicPrefix, v.topic));
    const now = Date.now();
    for (const m of v.messages) {
      // Copies: a producer reusing its buffer must not change what consumers see.
      const log = t.partitions[partitionForKey(m.key, t.partitions.length)]!;
      log.messages.push({
        key: m.key,
        value: Buffer.from(m.value),
        headers: { ...m.headers },
        timestamp: m.timestamp ?? now,
      });
      if (log.messages.length > MAX_RETAINED_PER_PARTITION + TRIM_STEP) {
        const dropped = log.messages.length - MAX_RETAINED_PER_PARTITION;
        log.messages.splice(0, dropped);
        log.base += dropped;
        this.log.warn({ topic: t.name, dropped }, 'in-process topic over its retention: oldest messages dropped');
      }
    }
    // Delivery happens on a later turn of the event loop, never inside publish.
    setImmediate(() => {
      for (const g of this.groups.values()) g.wakeAll();
    });
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    this.assertOpen();
    const o = validateSubscribe(options);
    const topics = o.topics.map((t) => prefixed(this.topicPrefix, t));
    for (const t of topics) this.topicOrThrow(t);
    const groupKey = prefixed(this.topicPrefix, o.groupId);
    let group = this.groups.get(groupKey);
    if (!group) this.groups.set(groupKey, (group = new Group()));

    const member = new Member(topics, o);
    group.members.push(member);
    this.members.add(member);
    group.rebalance(this.topics);
    member.loop = this.run(group, member);

    let stopping: Promise<void> | undefined;
    const stop = () =>
      (stopping ??= (async () => {
        member.abort.abort();
        member.wake();
        await member.loop;
        group.members.splice(group.members.indexOf(member), 1);
        this.members.delete(member);
        group.rebalance(this.topics);
      })());
    const lag = async (): Promise<PartitionLag[]> =>
      topics.flatMap((full) => {
        const t = this.topics.get(full);
        return (t?.partitions ?? []).map((log, partition): PartitionLag => {
          const id = partitionId(full, partition);
          const end = log.base + log.messages.length;
          // Before the first commit: where a member starts (fixed at assignment), else where one would.
          const reset = group.members.find((m) => m.resetPositions.has(id))?.resetPositions.get(id);
          const start = group.committed.get(id) ?? reset ?? (o.fromBeginning ? log.base : end);
          return { topic: t!.name, partition, messages: Math.max(0, end - Math.max(start, log.base)) };
        });
      });
    return { groupId: o.groupId, lag, stop };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(
      [...this.members].map(async (m) => {
        m.abort.abort();
        m.wake();
        await m.loop;
      }),
    );
    this.members.clear();
    this.groups.clear();
  }

  private async run(group: Group, member: Member): Promise<void> {
    const { signal } = member.abort;
    // Start on a later turn, like a real consumer joining its group.
    await new Promise<void>((r) => setImmediate(r));
    while (!signal.aborted) {
      const work = this.nextBatch(group, member);
      if (!work) {
        await member.sleep();
        continue;
      }
      group.busy.add(work.id);
      try {
        const delivered = await handleWithRedelivery(
          // Fresh copies per attempt: a handler that mutated a buffer must not alter the redelivery.
          () =>
            member.options.handleBatch(
              work.messages.map((m) => ({ ...m, value: Buffer.from(m.value), headers: { ...m.headers } })),
            ),
          signal,
          (err, attempt, delayMs) =>
            this.log.warn(
              {
                err,
                groupId: member.options.groupId,
                topic: work.messages[0]!.topic,
                partition: work.messages[0]!.partition,
                attempt,
                delayMs,
              },
              'handleBatch failed; redelivering the batch',
            ),
        );
        if (delivered) {
          group.committed.set(work.id, work.next);
          this.trim(work.topic, work.partition);
        }
      } finally {
        group.busy.delete(work.id);
        group.wakeAll();
      }
    }
  }

  private nextBatch(
    group: Group,
    member: Member,
  ): { id: PartitionId; topic: string; partition: number; messages: ConsumedMessage[]; next: number } | undefined {
    const n = member.assigned.length;
    for (let i = 0; i < n; i++) {
      const { topic, partition } = member.assigned[(member.cursor + i) % n]!;
      const id = partitionId(topic, partition);
      if (group.busy.has(id)) continue;
      const t = this.topics.get(topic)!;
      const log = t.partitions[partition]!;
      // A position below the retained range starts at its beginning (Kafka's reset to earliest).
      const start = Math.max(log.base, group.committed.get(id) ?? member.resetPositions.get(id) ?? 0);
      if (start >= log.base + log.messages.length) continue;
      member.cursor = (member.cursor + i + 1) % n;
      const slice = log.messages.slice(start - log.base, start - log.base + member.options.maxBatchSize);
      return {
        id,
        topic,
        partition,
        next: start + slice.length,
        messages: slice.map((m, j) => ({ ...m, topic: t.name, partition, offset: String(start + j) })),
      };
    }
    return undefined;
  }

  /** Messages the topic still holds in memory, over all partitions (retention made visible). */
  retainedMessages(topic: string): number {
    const t = this.topicOrThrow(prefixed(this.topicPrefix, topic));
    return t.partitions.reduce((n, p) => n + p.messages.length, 0);
  }

  /** Drops what every group reading the partition has consumed (their slowest position). */
  private trim(topic: string, partition: number): void {
    const log = this.topics.get(topic)?.partitions[partition];
    if (!log) return;
    const id = partitionId(topic, partition);
    let slowest = Infinity;
    for (const g of this.groups.values()) {
      const readers = g.members.filter((m) => m.topics.includes(topic));
      if (!readers.length) continue;
      const position = g.committed.get(id) ?? Math.min(...readers.map((m) => m.resetPositions.get(id) ?? log.base));
      slowest = Math.min(slowest, position);
    }
    const removable = (slowest === Infinity ? log.base : slowest) - log.base;
    if (removable < TRIM_STEP) return;
    log.messages.splice(0, removable);
    log.base += removable;
  }

  private topicOrThrow(full: string): Topic {
    const t = this.topics.get(full);
    if (!t)
      throw new EventBusError('UNKNOWN_TOPIC', `topic "${full}" does not exist; declare it with ensureTopics first`);
    return t;
  }

  private assertOpen(): void {
    if (this.closed) throw new EventBusError('BUS_CLOSED', 'the event bus is closed');
  }
}
