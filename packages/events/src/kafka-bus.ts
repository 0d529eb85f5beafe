// The only module that knows about kafkajs: everything else sees the EventBus interface.
import kafkajs from 'kafkajs';
import type { Admin, Consumer, EachBatchPayload, KafkaMessage, LogEntry, Producer } from 'kafkajs';
import { registerKafkaCodecs, undecodableBatchOf } from './compression.ts';
import { EventBusError } from './errors.ts';
import { kafkajsSecurity, type KafkaSecurity } from './kafka-security.ts';
import { handleWithRedelivery, sleep } from './retry.ts';
import type {
  BusMessage,
  ConsumedMessage,
  EventBus,
  EventBusLogger,
  PartitionLag,
  SubscribeOptions,
  Subscription,
  TopicSpec,
  UndecodableBatch,
} from './types.ts';
import { prefixed, validatePublish, validateSubscribe, validateTopicSpecs } from './validate.ts';

const { Kafka, Partitioners, logLevel } = kafkajs;

// Batches compressed with any of Kafka's codecs decode; one that still cannot is skipped, not fatal.
registerKafkaCodecs();

type Liveness = Pick<EachBatchPayload, 'heartbeat' | 'isRunning' | 'isStale'>;

/** Group-membership timing. Defaults suit production; tests shorten them to keep joins quick. */
export interface KafkaTuning {
  /** A member silent this long is evicted (broker bounds: 6 s – 5 min by default). Default 30 000. */
  sessionTimeoutMs?: number;
  /** Default 3 000; must stay well under sessionTimeoutMs. */
  heartbeatIntervalMs?: number;
  /** How long members get to rejoin during a rebalance. Default 60 000. */
  rebalanceTimeoutMs?: number;
  /** Longest a fetch waits for new data; also bounds how late a member notices a rebalance. Default 1 000. */
  maxWaitTimeMs?: number;
  /** Retries of a failed connection or request, with backoff (kafkajs's default 5); tests of refusals lower it. */
  retries?: number;
}

interface KafkaBusOptions {
  brokers: string[];
  clientId: string;
  topicPrefix: string;
  log: EventBusLogger;
  tuning: KafkaTuning;
  security?: KafkaSecurity | undefined;
}

/** kafkajs narrates every connect and join at INFO; those are debug detail for us. */
function kafkajsLogCreator(log: EventBusLogger) {
  return () =>
    ({ namespace, level, log: entry }: LogEntry) => {
      const { message, ...fields } = entry;
      const f = { ...fields, namespace, source: 'kafkajs' };
      // kafkajs reports every error response at ERROR, including those it handles itself
      // (e.g. "group is rebalancing"); failures that matter reach callers as thrown errors.
      if (namespace === 'Connection' && message.startsWith('Response ')) log.debug(f, message);
      else if (level === logLevel.ERROR) log.error(f, message);
      else if (level === logLevel.WARN) log.warn(f, message);
      else log.debug(f, message);
    };
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Memoises an async connect; a failed attempt is forgotten so the next call retries.
 * `started()` is the connection when one was asked for, so close() never opens one to close it.
 */
function lazily<T>(connect: () => Promise<T>): (() => Promise<T>) & { started(): Promise<T> | undefined } {
  let pending: Promise<T> | undefined;
  const get = () =>
    (pending ??= connect().catch((err: unknown) => {
      pending = undefined;
      throw err;
    }));
  return Object.assign(get, { started: () => pending });
}

export class KafkaEventBus implements EventBus {
  private readonly kafka: InstanceType<typeof Kafka>;
  private readonly prefix: string;
  private readonly log: EventBusLogger;
  private readonly tuning: Required<Omit<KafkaTuning, 'retries'>>;
  private readonly knownTopics = new Set<string>();
  private readonly subscriptions = new Set<Subscription>();
  private closed = false;

  private readonly admin = lazily(async (): Promise<Admin> => {
    const admin = this.kafka.admin();
    await admin.connect();
    return admin;
  });

  private readonly producer = lazily(async (): Promise<Producer> => {
    const producer = this.kafka.producer({
      // Idempotence + a single in-flight request: broker-side retries can neither duplicate nor reorder a key's messages.
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // Java-compatible murmur2 keying; naming it explicitly is also what silences kafkajs's v2 partitioner warning.
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    return producer;
  });

  constructor(options: KafkaBusOptions) {
    this.prefix = options.topicPrefix;
    this.log = options.log;
    this.tuning = {
      sessionTimeoutMs: options.tuning.sessionTimeoutMs ?? 30_000,
      heartbeatIntervalMs: options.tuning.heartbeatIntervalMs ?? 3_000,
      rebalanceTimeoutMs: options.tuning.rebalanceTimeoutMs ?? 60_000,
      maxWaitTimeMs: options.tuning.maxWaitTimeMs ?? 1_000,
    };
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      ...kafkajsSecurity(options.security),
      ...(options.tuning.retries !== undefined ? { retry: { retries: options.tuning.retries } } : {}),
      logLevel: logLevel.INFO,
      logCreator: kafkajsLogCreator(options.log),
    });
  }

  async ensureTopics(specs: TopicSpec[]): Promise<void> {
    this.assertOpen();
    const wanted = validateTopicSpecs(specs).map((s) => ({ ...s, full: prefixed(this.prefix, s.name) }));
    if (wanted.length === 0) return;
    await this.brokerCall('ensureTopics', async () => {
      const admin = await this.admin();
      const existing = new Set(await admin.listTopics());
      const missing = wanted.filter((s) => !existing.has(s.full));
      if (missing.length > 0) {
        await admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((s) => ({
            topic: s.full,
            numPartitions: s.partitions,
            configEntries: [
              ...(s.retentionMs !== undefined ? [{ name: 'retention.ms', value: String(s.retentionMs) }] : []),
              ...(s.cleanupPolicy ? [{ name: 'cleanup.policy', value: s.cleanupPolicy }] : []),
            ],
          })),
        });
        this.log.info({ topics: missing.map((s) => s.full) }, 'created Kafka topics');
      }
      // Also covers a topic another process created concurrently with a different shape.
      const metadata = await admin.fetchTopicMetadata({ topics: wanted.map((s) => s.full) });
      for (const s of wanted) {
        const actual = metadata.topics.find((t) => t.name === s.full)?.partitions.length;
        if (actual !== s.partitions) {
          throw new EventBusError(
            'TOPIC_CONFLICT',
            `topic "${s.full}" exists with ${actual} partitions, not ${s.partitions}`,
          );
        }
        this.knownTopics.add(s.full);
      }
    });
  }

  async publish(topic: string, messages: BusMessage[]): Promise<void> {
    this.assertOpen();
    const v = validatePublish(topic, messages);
    const full = prefixed(this.prefix, v.topic);
    await this.requireTopics([full]);
    if (v.messages.length === 0) return;
    const now = String(Date.now());
    await this.brokerCall(`publish to "${full}"`, async () => {
      const producer = await this.producer();
      // In order, one request at a time: the key's order holds across the split.
      for (const group of bySize(v.messages, MAX_PRODUCE_BYTES)) {
        await producer.send({
          topic: full,
          acks: -1,
          messages: group.map((m) => ({
            key: m.key,
            value: m.value,
            headers: m.headers,
            timestamp: m.timestamp === undefined ? now : String(m.timestamp),
          })),
        });
      }
    });
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    this.assertOpen();
    const o = validateSubscribe(options);
    const topics = o.topics.map((t) => prefixed(this.prefix, t));
    await this.requireTopics(topics);
    const consumer = this.kafka.consumer({
      groupId: prefixed(this.prefix, o.groupId),
      sessionTimeout: this.tuning.sessionTimeoutMs,
      heartbeatInterval: this.tuning.heartbeatIntervalMs,
      rebalanceTimeout: this.tuning.rebalanceTimeoutMs,
      maxWaitTimeInMs: this.tuning.maxWaitTimeMs,
      allowAutoTopicCreation: false,
    });
    const stopping = new AbortController();
    const joined = this.waitForJoin(consumer);
    const start = async () => {
      await consumer.connect();
      await consumer.subscribe({ topics, fromBeginning: o.fromBeginning });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: (payload) => this.deliver(consumer, payload, o, stopping.signal),
      });
    };
    await this.brokerCall(`subscribe group "${o.groupId}"`, start);
    // kafkajs restarts a crashed consumer only for errors it deems retriable; a broker
    // restart can also end in non-retriable ones ("Failed to find group coordinator"),
    // after which the consumer would stay stopped for good. Restart those ourselves
    // (uncommitted batches are redelivered) until the subscription is stopped.
    let restarts = 0;
    const restart = (): void => {
      if (stopping.signal.aborted) return;
      const delayMs = Math.min(30_000, 500 * 2 ** Math.min(restarts++, 6));
      const timer = setTimeout(() => {
        if (stopping.signal.aborted) return;
        start().then(
          () => (restarts = 0),
          (err: unknown) => {
            this.log.warn({ err, groupId: o.groupId }, 'restarting the consumer failed; will retry');
            restart();
          },
        );
      }, delayMs);
      timer.unref();
    };
    consumer.on(consumer.events.CRASH, (event) => {
      if (event.payload.restart || stopping.signal.aborted) return;
      this.log.warn({ err: event.payload.error, groupId: o.groupId }, 'consumer crashed; restarting it');
      restart();
    });

    let stopped: Promise<void> | undefined;
    const subscription: Subscription = {
      groupId: o.groupId,
      lag: () => this.groupLag(prefixed(this.prefix, o.groupId), topics, o.fromBeginning),
      stop: () =>
        (stopped ??= (async () => {
          stopping.abort();
          this.subscriptions.delete(subscription);
          // disconnect waits for the batch in hand, then leaves the group so others rebalance at once.
          await consumer.disconnect();
        })()),
    };
    this.subscriptions.add(subscription);
    try {
      await joined;
    } catch (err) {
      await subscription.stop();
      throw err;
    }
    return subscription;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    const [producer, admin] = await Promise.allSettled([this.producer.started(), this.admin.started()]);
    await Promise.all([
      producer.status === 'fulfilled' ? producer.value?.disconnect() : undefined,
      admin.status === 'fulfilled' ? admin.value?.disconnect() : undefined,
    ]);
  }

  /** A group's lag per partition: its committed offsets against each partition's high watermark. */
  private groupLag(groupId: string, topics: string[], fromBeginning: boolean): Promise<PartitionLag[]> {
    this.assertOpen();
    return this.brokerCall(`lag of group "${groupId}"`, async () => {
      const admin = await this.admin();
      const [committed, ends] = await Promise.all([
        admin.fetchOffsets({ groupId, topics }),
        Promise.all(topics.map((t) => admin.fetchTopicOffsets(t))),
      ]);
      return topics.flatMap((topic, i) =>
        [...ends[i]!]
          .sort((x, y) => x.partition - y.partition)
          .map(({ partition, high, low }): PartitionLag => {
            const end = BigInt(high);
            const c = committed
              .find((t) => t.topic === topic)
              ?.partitions.find((p) => p.partition === partition)?.offset;
            // -1: never committed; a position below the retained range resumes at its start.
            const start = c === undefined || c === '-1' ? (fromBeginning ? BigInt(low) : end) : BigInt(c);
            const behind = end - (start > BigInt(low) ? start : BigInt(low));
            return { topic: topic.slice(this.prefix.length), partition, messages: Number(behind > 0n ? behind : 0n) };
          }),
      );
    });
  }

  /**
   * Hands one fetched batch to the handler in maxBatchSize chunks, committing after each
   * success. Placeholders for a record batch that could not be decompressed
   * (compression.ts) are never handed over: the batch is reported and committed past.
   */
  private async deliver(
    consumer: Consumer,
    { batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload,
    o: ReturnType<typeof validateSubscribe>,
    stopping: AbortSignal,
  ): Promise<void> {
    const topic = batch.topic.slice(this.prefix.length);
    const { partition, messages } = batch;
    for (let i = 0; i < messages.length;) {
      if (stopping.aborted || !isRunning() || isStale()) return;
      const skipped = undecodableBatchOf(messages[i]!);
      let end = i + 1;
      if (skipped) {
        while (
          end < messages.length &&
          undecodableBatchOf(messages[end]!)?.batchFirstOffset === skipped.batchFirstOffset
        )
          end++;
      } else {
        while (end < messages.length && end - i < o.maxBatchSize && !undecodableBatchOf(messages[end]!)) end++;
      }
      const chunk = messages.slice(i, end);
      i = end;
      const delivered = skipped
        ? await this.skipUndecodable(chunk, topic, partition, o, stopping, { heartbeat, isRunning, isStale })
        : await this.withRedelivery(
            () => o.handleBatch(chunk.map((m) => toConsumed(m, topic, partition))),
            'handleBatch failed; redelivering the batch',
            { groupId: o.groupId, topic, partition, offset: chunk[0]!.offset },
            stopping,
            { heartbeat, isRunning, isStale },
          );
      // Not delivered: stopping or rebalanced; uncommitted, so the next owner gets it again.
      if (!delivered) return;
      const last = chunk[chunk.length - 1]!.offset;
      await consumer.commitOffsets([{ topic: batch.topic, partition, offset: (BigInt(last) + 1n).toString() }]);
      resolveOffset(last);
      await heartbeat();
    }
  }

  /** Reports a record batch that could not be decompressed (error log, then the subscriber's hook). */
  private async skipUndecodable(
    placeholders: KafkaMessage[],
    topic: string,
    partition: number,
    o: ReturnType<typeof validateSubscribe>,
    stopping: AbortSignal,
    liveness: Liveness,
  ): Promise<boolean> {
    const lastPlaceholder = placeholders[placeholders.length - 1]!;
    const info = undecodableBatchOf(lastPlaceholder)?.info;
    const skipped: UndecodableBatch = {
      topic,
      partition,
      firstOffset: info?.firstOffset ?? placeholders[0]!.offset,
      lastOffset: info?.lastOffset ?? lastPlaceholder.offset,
      records: info?.records ?? placeholders.length,
      codec: info?.codec ?? 'unknown',
      reason: info?.reason ?? 'the record batch could not be decompressed',
      raw: info?.raw ?? Buffer.alloc(0),
    };
    const { raw, ...fields } = skipped;
    this.log.error(
      { ...fields, groupId: o.groupId, bytes: raw.length },
      'skipping a Kafka record batch that cannot be decompressed',
    );
    const hook = o.onUndecodableBatch;
    if (!hook) return true;
    return this.withRedelivery(
      () => hook(skipped),
      'onUndecodableBatch failed; retrying before skipping the batch',
      { groupId: o.groupId, topic, partition, offset: skipped.firstOffset },
      stopping,
      liveness,
    );
  }

  /** Runs `call` until it succeeds (true) or the subscription stops or loses the partition (false). */
  private async withRedelivery(
    call: () => Promise<void>,
    failure: string,
    fields: Record<string, unknown>,
    stopping: AbortSignal,
    { heartbeat, isRunning, isStale }: Liveness,
  ): Promise<boolean> {
    const abandon = new AbortController();
    const onStop = () => abandon.abort();
    stopping.addEventListener('abort', onStop, { once: true });
    try {
      return await handleWithRedelivery(
        call,
        abandon.signal,
        (err, attempt, delayMs) => this.log.warn({ err, ...fields, attempt, delayMs }, failure),
        // Keep the membership alive through long backoffs; give up once the partition moved away.
        async (ms, signal) => {
          const until = Date.now() + ms;
          while (!signal.aborted && Date.now() < until) {
            await sleep(Math.min(this.tuning.heartbeatIntervalMs, until - Date.now()), signal);
            if (isStale() || !isRunning()) abandon.abort();
            else await heartbeat();
          }
        },
      );
    } finally {
      stopping.removeEventListener('abort', onStop);
    }
  }

  /**
   * Resolves once the consumer has joined its group and finished its first fetch: kafkajs
   * resolves "latest" positions lazily in that fetch, so returning at GROUP_JOIN would
   * let messages published right after subscribe() slip past a fromBeginning=false group.
   * Rejects if the consumer crashes first.
   */
  private waitForJoin(consumer: Consumer): Promise<void> {
    return new Promise((resolve, reject) => {
      const offs: (() => void)[] = [];
      let timer: NodeJS.Timeout | undefined;
      const finish = (err?: EventBusError) => {
        offs.forEach((off) => off());
        clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      };
      offs.push(
        consumer.on(consumer.events.GROUP_JOIN, () => {
          offs.push(consumer.on(consumer.events.FETCH, () => finish()));
          // A member left without partitions may not fetch at all; it has no positions to resolve.
          timer = setTimeout(() => finish(), this.tuning.maxWaitTimeMs * 2 + 2_000);
        }),
        consumer.on(consumer.events.CRASH, (event) =>
          finish(
            new EventBusError(
              'BROKER_ERROR',
              `consumer failed before joining its group: ${describe(event.payload.error)}`,
              {
                cause: event.payload.error,
              },
            ),
          ),
        ),
      );
    });
  }

  /** Fails fast with UNKNOWN_TOPIC instead of letting kafkajs retry metadata for 30 s. */
  private async requireTopics(fullNames: string[]): Promise<void> {
    if (fullNames.every((t) => this.knownTopics.has(t))) return;
    const listed = await this.brokerCall('list topics', async () => new Set(await (await this.admin()).listTopics()));
    for (const t of fullNames) {
      if (!listed.has(t))
        throw new EventBusError('UNKNOWN_TOPIC', `topic "${t}" does not exist; declare it with ensureTopics first`);
      this.knownTopics.add(t);
    }
  }

  /** Keeps our own errors, wraps kafkajs's in BROKER_ERROR with the operation named. */
  private async brokerCall<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (err instanceof EventBusError) throw err;
      throw new EventBusError('BROKER_ERROR', `Kafka ${what} failed: ${describe(err)}`, { cause: err });
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new EventBusError('BUS_CLOSED', 'the event bus is closed');
  }
}

/**
 * Bytes of messages one produce request carries. A partition's share of a request is one record
 * batch, which the broker refuses above message.max.bytes (1 MB by default) — and kafkajs retries a
 * refused batch as a whole, forever for a consumer that redelivers. Below that, with room for headers.
 */
const MAX_PRODUCE_BYTES = 900 * 1024;

/** Splits messages, in order, into groups of at most maxBytes (a larger message goes alone). */
function bySize(messages: BusMessage[], maxBytes: number): BusMessage[][] {
  const groups: BusMessage[][] = [];
  let group: BusMessage[] = [];
  let bytes = 0;
  for (const m of messages) {
    let size = Buffer.byteLength(m.key) + m.value.length + 64;
    for (const [k, h] of Object.entries(m.headers ?? {})) size += Buffer.byteLength(k) + Buffer.byteLength(h);
    if (group.length && bytes + size > maxBytes) {
      groups.push(group);
      group = [];
      bytes = 0;
    }
    group.push(m);
    bytes += size;
  }
  if (group.length) groups.push(group);
  return groups;
}

function toConsumed(m: KafkaMessage, topic: string, partition: number): ConsumedMessage {
  const headers: Record<string, string> = {};
  for (const [name, raw] of Object.entries(m.headers ?? {})) {
    const first = Array.isArray(raw) ? raw[0] : raw;
    if (first !== undefined) headers[name] = first.toString();
  }
  return {
    topic,
    partition,
    offset: m.offset,
    key: m.key?.toString('utf8') ?? '',
    value: m.value ?? Buffer.alloc(0),
    headers,
    timestamp: Number(m.timestamp),
  };
}
