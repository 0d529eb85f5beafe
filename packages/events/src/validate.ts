import { z } from 'zod';
import { EventBusError } from './errors.ts';
import { kafkaSecuritySchema } from './kafka-security.ts';
import type { BusMessage, SubscribeOptions, TopicSpec } from './types.ts';

// Kafka's own limits, applied to both implementations so code that runs in-process also runs on Kafka.
const KAFKA_NAME = /^[a-zA-Z0-9._-]+$/;
const MAX_TOPIC_NAME = 249;

const name = (what: string) =>
  z
    .string({ error: `${what} must be a string` })
    .min(1, `${what} must not be empty`)
    .regex(KAFKA_NAME, `${what} may contain only letters, digits, ".", "_" and "-"`);

const ms = (what: string) => z.number().int(`${what} must be whole milliseconds`).positive(`${what} must be positive`);

export const busConfigSchema = z.object({
  brokers: z
    .array(z.string().regex(/^[^:\s]+:\d+$/, 'broker must be host:port'))
    .min(1)
    .optional(),
  clientId: name('clientId'),
  topicPrefix: z.string().regex(/^[a-zA-Z0-9._-]*$/, 'topicPrefix may contain only letters, digits, ".", "_" and "-"'),
  kafka: z
    .object({
      sessionTimeoutMs: ms('sessionTimeoutMs').optional(),
      heartbeatIntervalMs: ms('heartbeatIntervalMs').optional(),
      rebalanceTimeoutMs: ms('rebalanceTimeoutMs').optional(),
      maxWaitTimeMs: ms('maxWaitTimeMs').optional(),
      retries: z.number().int().min(0).max(100).optional(),
    })
    .strict()
    .refine(
      (k) => (k.heartbeatIntervalMs ?? 3_000) < (k.sessionTimeoutMs ?? 30_000),
      'heartbeatIntervalMs must be shorter than sessionTimeoutMs',
    )
    .optional(),
  security: kafkaSecuritySchema.optional(),
});

const topicSpecSchema = z.object({
  name: name('topic name'),
  partitions: z.number().int('partitions must be an integer').min(1, 'partitions must be at least 1').max(10_000),
  retentionMs: z.number().int().min(-1, 'retentionMs must be -1 (forever) or a positive number').optional(),
  cleanupPolicy: z.enum(['delete', 'compact']).optional(),
});

const messageSchema = z.object({
  key: z.string({ error: 'key must be a string' }),
  value: z.instanceof(Buffer, { message: 'value must be a Buffer' }),
  headers: z.record(z.string(), z.string({ error: 'header values must be strings' })).optional(),
  timestamp: z.number().int().nonnegative('timestamp must be milliseconds since the epoch').optional(),
});

const subscribeSchema = z.object({
  groupId: name('groupId'),
  topics: z.array(name('topic name')).min(1, 'topics must list at least one topic'),
  fromBeginning: z.boolean().optional(),
  handleBatch: z.custom<SubscribeOptions['handleBatch']>(
    (f) => typeof f === 'function',
    'handleBatch must be a function',
  ),
  maxBatchSize: z.number().int().min(1).max(100_000).optional(),
  onUndecodableBatch: z
    .custom<NonNullable<SubscribeOptions['onUndecodableBatch']>>(
      (f) => typeof f === 'function',
      'onUndecodableBatch must be a function',
    )
    .optional(),
});

function parse<T>(schema: z.ZodType<T>, input: unknown, what: string): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const details = result.error.issues
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
  throw new EventBusError('INVALID_ARGUMENT', `invalid ${what}: ${details}`);
}

export function validateTopicSpecs(specs: unknown): TopicSpec[] {
  const parsed = parse(z.array(topicSpecSchema), specs, 'topic specs');
  const seen = new Set<string>();
  for (const s of parsed) {
    if (seen.has(s.name))
      throw new EventBusError('INVALID_ARGUMENT', `invalid topic specs: "${s.name}" is listed twice`);
    seen.add(s.name);
  }
  return parsed;
}

export function validatePublish(topic: unknown, messages: unknown): { topic: string; messages: BusMessage[] } {
  return {
    topic: parse(name('topic name'), topic, 'topic'),
    messages: parse(z.array(messageSchema), messages, 'messages'),
  };
}

export function validateSubscribe(
  options: unknown,
): Required<Omit<SubscribeOptions, 'handleBatch' | 'onUndecodableBatch'>> & SubscribeOptions {
  const o = parse(subscribeSchema, options, 'subscribe options');
  return {
    ...o,
    fromBeginning: o.fromBeginning ?? false,
    maxBatchSize: o.maxBatchSize ?? 100,
    topics: [...new Set(o.topics)],
  };
}

/** Applies the deployment's prefix, then re-checks Kafka's length limit on the full name. */
export function prefixed(prefix: string, topic: string): string {
  const full = prefix + topic;
  if (full.length > MAX_TOPIC_NAME) {
    throw new EventBusError('INVALID_ARGUMENT', `topic "${full}" is longer than Kafka's ${MAX_TOPIC_NAME} characters`);
  }
  return full;
}
