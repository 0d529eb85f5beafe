/** One event as a producer hands it to the bus. */
export interface BusMessage {
  /** Messages with the same key land in the same partition and are consumed in publish order. */
  key: string;
  value: Buffer;
  headers?: Record<string, string>;
  /** Milliseconds since the epoch; the bus stamps the publish time when absent. */
  timestamp?: number;
}

/** One event as a consumer receives it. */
export interface ConsumedMessage extends BusMessage {
  /** The topic name as the application knows it (without the configured prefix). */
  topic: string;
  partition: number;
  /** Decimal string: Kafka offsets are 64-bit. */
  offset: string;
  headers: Record<string, string>;
  timestamp: number;
}

export interface TopicSpec {
  name: string;
  partitions: number;
  retentionMs?: number;
  cleanupPolicy?: 'delete' | 'compact';
}

export interface SubscribeOptions {
  groupId: string;
  topics: string[];
  /** Where a group with no committed offset starts: the oldest message (true) or only new ones (false, default). */
  fromBeginning?: boolean;
  /**
   * Called with messages of one partition, in offset order. Offsets are committed only
   * after it resolves; when it throws, the same batch is redelivered (with backoff)
   * until it succeeds or the subscription stops, and nothing after it is committed.
   */
  handleBatch: (messages: ConsumedMessage[]) => Promise<void>;
  /** Upper bound on messages per handleBatch call (default 100). */
  maxBatchSize?: number;
  /**
   * Kafka only: called for a record batch the bus cannot decompress (corrupt, or a codec
   * this process does not decode), before the bus commits past it and goes on with the
   * next one; the bus also logs it at error level. Count it, dead-letter it. When it
   * throws, it is retried with backoff like handleBatch, and nothing after it is committed.
   */
  onUndecodableBatch?: (batch: UndecodableBatch) => Promise<void>;
}

/** A record batch skipped because it could not be decompressed. */
export interface UndecodableBatch {
  /** The topic name as the application knows it (without the configured prefix). */
  topic: string;
  partition: number;
  /** The batch's offset range (decimal strings); every offset in it is skipped. */
  firstOffset: string;
  lastOffset: string;
  /** Records the batch declares. */
  records: number;
  /** gzip, snappy, lz4 or zstd. */
  codec: string;
  reason: string;
  /** The record batch as stored on the broker (header + compressed records), for forensics and replay. */
  raw: Buffer;
}

/** How far a consumer group is behind on one partition. */
export interface PartitionLag {
  /** The topic name as the application knows it (without the configured prefix). */
  topic: string;
  partition: number;
  /**
   * Messages between the group's committed offset and the partition's end (Kafka's high
   * watermark). Before the group's first commit on a partition it counts from where the group
   * starts: the oldest retained message when fromBeginning, else the end (nothing behind yet).
   */
  messages: number;
}

export interface Subscription {
  readonly groupId: string;
  /**
   * The group's lag on every partition of its topics, all members' partitions included (Kafka:
   * one admin round trip for the committed offsets and one per topic for the ends). Still
   * answers after stop(), from the offsets the group committed.
   */
  lag(): Promise<PartitionLag[]>;
  /** Finishes (or abandons, uncommitted) the batch in hand, leaves the group and resolves. */
  stop(): Promise<void>;
}

export interface EventBus {
  /** Creates missing topics; fails with TOPIC_CONFLICT when one exists with another partition count. */
  ensureTopics(specs: TopicSpec[]): Promise<void>;
  /** Resolves only once every message is durably accepted (Kafka: idempotent producer, acks=all). */
  publish(topic: string, messages: BusMessage[]): Promise<void>;
  /** Resolves once the consumer is a member of its group. */
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  /** Stops every subscription and releases connections; the bus is unusable afterwards. */
  close(): Promise<void>;
}

/** Structured logger; pino's Logger satisfies it. */
export interface EventBusLogger {
  debug(fields: Record<string, unknown>, msg: string): void;
  info(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
  error(fields: Record<string, unknown>, msg: string): void;
}

export const silentLogger: EventBusLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
