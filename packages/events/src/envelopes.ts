import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { BusMessage, ConsumedMessage, EventBus, TopicSpec } from './types.ts';

/**
 * Versioned event envelopes for the streaming topics. Every envelope carries
 * `schema: "recgraph.<family>.v<N>"`: a consumer can tell "not my kind of
 * message" (SCHEMA_VIOLATION) from "a version I do not speak yet"
 * (UNSUPPORTED_VERSION) and route each to the dead-letter topic with that code.
 */

/** Application topic names (the bus adds the deployment's prefix). */
export const STREAMING_TOPIC = {
  /** InteractionEventV1, keyed by userId so one user's events stay in order. */
  interactions: 'interactions',
  /** RecommendationsUpdatedV1, keyed by userId. */
  recommendationUpdates: 'recommendation-updates',
  /** ModelEventV1, keyed by modelVersionId. */
  modelEvents: 'model-events',
  /** DeadLetterV1, keyed by the original message's key. */
  deadLetter: 'dead-letter',
  /** CatalogChangedV1: products or users whose serving facts changed (keyed by the first id). */
  catalogChanges: 'catalog-changes',
  /** AssistantReplyV1: one assistant turn's events as they happen, keyed by threadId (in order per thread). */
  assistantReplies: 'assistant-replies',
} as const;

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Partitions bound consumer parallelism (one active member per partition), so the
 * hot topics get room to scale out; model events are rare and need global order.
 * Interactions are also stored durably in Postgres, so a week covers replays and
 * outages; dead letters are kept long enough for a human to look at them.
 */
export const STREAMING_TOPICS: TopicSpec[] = [
  { name: STREAMING_TOPIC.interactions, partitions: 6, retentionMs: 7 * DAY_MS, cleanupPolicy: 'delete' },
  { name: STREAMING_TOPIC.recommendationUpdates, partitions: 6, retentionMs: 1 * DAY_MS, cleanupPolicy: 'delete' },
  { name: STREAMING_TOPIC.modelEvents, partitions: 1, retentionMs: 30 * DAY_MS, cleanupPolicy: 'delete' },
  { name: STREAMING_TOPIC.deadLetter, partitions: 3, retentionMs: 30 * DAY_MS, cleanupPolicy: 'delete' },
  // Cache invalidations only: a reader that missed them re-reads changed rows anyway.
  { name: STREAMING_TOPIC.catalogChanges, partitions: 1, retentionMs: 1 * DAY_MS, cleanupPolicy: 'delete' },
  // Live only: subscribers read from the latest offset and the answer itself is stored with the thread.
  { name: STREAMING_TOPIC.assistantReplies, partitions: 3, retentionMs: 60 * 60 * 1000, cleanupPolicy: 'delete' },
];

export const INTERACTION_TYPES = ['VIEW', 'CLICK', 'ADD_TO_CART', 'PURCHASE', 'RATE', 'LIKE', 'DISLIKE'] as const;
export type InteractionType = (typeof INTERACTION_TYPES)[number];

export const SCHEMA_IDS = {
  interaction: 'recgraph.interaction.v1',
  recommendationsUpdated: 'recgraph.recommendations-updated.v1',
  modelEvent: 'recgraph.model-event.v1',
  deadLetter: 'recgraph.dead-letter.v1',
  catalogChanged: 'recgraph.catalog-changed.v1',
  assistantReply: 'recgraph.assistant-reply.v1',
} as const;

// W3C trace-context header value: version-traceid-parentid-flags.
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

const isoTime = z.iso.datetime({ offset: true, error: 'must be an ISO-8601 timestamp with a time zone' });
const uuid = z.uuid({ error: 'must be a UUID' });
const text = (max: number) => z.string().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
const finite = z.number({ error: 'must be a number' }).refine(Number.isFinite, 'must be finite');

// Objects strip unknown fields rather than reject them: adding an optional field is a
// compatible v1 change, so older consumers keep working while producers roll forward.
export const interactionEventV1Schema = z
  .object({
    schema: z.literal(SCHEMA_IDS.interaction),
    eventId: text(500),
    type: z.enum(INTERACTION_TYPES, { error: `must be one of ${INTERACTION_TYPES.join(', ')}` }),
    userId: uuid,
    productId: uuid,
    /** Rating for RATE (0.5..5), quantity for ADD_TO_CART/PURCHASE, else 1. */
    value: finite.refine((v) => v >= 0, 'must not be negative'),
    occurredAt: isoTime,
    source: text(200),
    traceparent: z.string().regex(TRACEPARENT, 'must be a W3C traceparent').optional(),
  })
  .refine((e) => e.type !== 'RATE' || (e.value >= 0.5 && e.value <= 5), {
    path: ['value'],
    message: 'a RATE value must be a rating between 0.5 and 5',
  });

export const recommendationsUpdatedV1Schema = z.object({
  schema: z.literal(SCHEMA_IDS.recommendationsUpdated),
  userId: uuid,
  /** Absent when no item of the list was ranked by a model (popularity, cold start). */
  modelVersionId: uuid.optional(),
  /**
   * The list `recommendations(userId, first: k)` answers: source is that query's
   * (CF, POPULAR, PREFERENCE, …) and reason its explanation (optional, a v1 addition).
   */
  items: z
    .array(z.object({ productId: uuid, score: finite, source: text(100), reason: text(500).optional() }))
    .max(1000),
  at: isoTime,
});

/**
 * Serving caches to refresh: products whose price, stock, status or category
 * changed, users whose stated preferences changed. Published after the commit.
 */
export const catalogChangedV1Schema = z.object({
  schema: z.literal(SCHEMA_IDS.catalogChanged),
  productIds: z.array(uuid).max(10_000).default([]),
  userIds: z.array(uuid).max(10_000).default([]),
  at: isoTime,
});
export type CatalogChangedV1 = z.infer<typeof catalogChangedV1Schema>;

export const MODEL_EVENT_KINDS = ['promoted', 'rolled_back', 'training_failed'] as const;

export const modelEventV1Schema = z.object({
  schema: z.literal(SCHEMA_IDS.modelEvent),
  kind: z.enum(MODEL_EVENT_KINDS, { error: `must be one of ${MODEL_EVENT_KINDS.join(', ')}` }),
  modelVersionId: uuid,
  at: isoTime,
  metrics: z.record(z.string(), finite).optional(),
});

export const deadLetterV1Schema = z.object({
  schema: z.literal(SCHEMA_IDS.deadLetter),
  originalTopic: text(249),
  partition: z.number().int().nonnegative(),
  offset: z.string().regex(/^\d+$/, 'must be a decimal offset'),
  key: z.string(),
  /** The original bytes: as text when they are valid UTF-8, otherwise base64. */
  payload: z.string(),
  payloadEncoding: z.enum(['utf8', 'base64']),
  /**
   * Set when the payload is only the first bytes of the original (dead letters must fit the
   * broker's message limit): the original's length and SHA-256, to find or verify it elsewhere.
   */
  payloadTruncated: z.boolean().optional(),
  payloadBytes: z.number().int().nonnegative().optional(),
  payloadSha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/, 'must be a hex SHA-256')
    .optional(),
  reason: text(2000),
  /** Stable code a dashboard or a replay tool can group by (e.g. SCHEMA_VIOLATION, UNKNOWN_PRODUCT). */
  code: z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'must be an UPPER_SNAKE_CASE code'),
  at: isoTime,
});

const assistantToolCall = z.object({
  tool: text(100),
  /** JSON text. */
  args: z.string().max(10_000),
  ok: z.boolean(),
  summary: z.string().max(2_000),
  durationMs: finite.refine((v) => v >= 0, 'must not be negative'),
});
const assistantDocument = z.object({ documentId: text(200), key: text(500), title: z.string().max(500) });

/**
 * One event of an assistant turn (subgraphs/assistant/src/agent/types.ts TurnEvent), as the
 * gateway streams it to `assistantReplies(threadId)`. seq orders a turn's events (0, 1, ...):
 * they are published in order on the thread's partition, so a gap means a lost event.
 */
export const assistantReplyV1Schema = z.object({
  schema: z.literal(SCHEMA_IDS.assistantReply),
  threadId: uuid,
  seq: z.number().int().nonnegative(),
  at: isoTime,
  event: z.discriminatedUnion('type', [
    z.object({ type: z.literal('TOKEN'), text: z.string().min(1).max(10_000) }),
    z.object({ type: z.literal('TOOL_START'), tool: text(100), args: z.string().max(10_000) }),
    z.object({ type: z.literal('TOOL_END'), call: assistantToolCall }),
    z.object({
      type: z.literal('DONE'),
      result: z.object({
        threadId: uuid,
        answer: z.string().max(50_000),
        model: text(200),
        citedProductIds: z.array(uuid).max(100),
        citedDocuments: z.array(assistantDocument).max(100),
        toolCalls: z.array(assistantToolCall).max(100),
        followUps: z.array(z.string().max(500)).max(20),
        stopReason: z.enum(['COMPLETE', 'STEP_LIMIT', 'TOKEN_LIMIT', 'TIME_LIMIT']),
      }),
    }),
    z.object({ type: z.literal('ERROR'), code: z.string().regex(/^[A-Z][A-Z0-9_]*$/), message: text(2_000) }),
  ]),
});
export type AssistantReplyV1 = z.infer<typeof assistantReplyV1Schema>;

export type InteractionEventV1 = z.infer<typeof interactionEventV1Schema>;
export type RecommendationsUpdatedV1 = z.infer<typeof recommendationsUpdatedV1Schema>;
export type ModelEventV1 = z.infer<typeof modelEventV1Schema>;
export type DeadLetterV1 = z.infer<typeof deadLetterV1Schema>;

export type EnvelopeErrorCode = 'MALFORMED_JSON' | 'SCHEMA_VIOLATION' | 'UNSUPPORTED_VERSION';

export class EnvelopeError extends Error {
  readonly code: EnvelopeErrorCode;
  constructor(code: EnvelopeErrorCode, message: string) {
    super(message);
    this.name = 'EnvelopeError';
    this.code = code;
  }
}

export type DecodeResult<T> = { ok: true; value: T } | { ok: false; error: EnvelopeError };

/** One envelope kind: its schema id, validator and how its messages are keyed. */
export interface EnvelopeCodec<T extends { schema: string }> {
  readonly schemaId: T['schema'];
  /** Validates, then serialises; throws EnvelopeError(SCHEMA_VIOLATION) for an invalid envelope. */
  encode(envelope: T): Buffer;
  /** Never throws: bad bytes come back as a typed error with a stable code. */
  decode(bytes: Buffer | string): DecodeResult<T>;
  /** A bus message: encoded value, partition key and a schema header for routing without parsing. */
  toMessage(envelope: T): BusMessage;
}

function issues(error: z.ZodError): string {
  return error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
}

function codec<T extends { schema: string }>(
  schemaId: T['schema'],
  schema: z.ZodType<T>,
  keyOf: (envelope: T) => string,
): EnvelopeCodec<T> {
  const [, family, version] = /^(.*)\.v(\d+)$/.exec(schemaId)!;
  const validate = (value: unknown): DecodeResult<T> => {
    const r = schema.safeParse(value);
    return r.success
      ? { ok: true, value: r.data }
      : { ok: false, error: new EnvelopeError('SCHEMA_VIOLATION', `invalid ${schemaId}: ${issues(r.error)}`) };
  };
  const encode = (envelope: T): Buffer => {
    const r = validate(envelope);
    if (!r.ok) throw r.error;
    return Buffer.from(JSON.stringify(r.value), 'utf8');
  };
  return {
    schemaId,
    encode,
    decode(bytes) {
      let value: unknown;
      try {
        value = JSON.parse(typeof bytes === 'string' ? bytes : bytes.toString('utf8'));
      } catch (err) {
        return { ok: false, error: new EnvelopeError('MALFORMED_JSON', `not JSON: ${(err as Error).message}`) };
      }
      const declared = (value as { schema?: unknown } | null)?.schema;
      if (typeof declared === 'string' && declared !== schemaId && declared.startsWith(`${family}.v`)) {
        return {
          ok: false,
          error: new EnvelopeError(
            'UNSUPPORTED_VERSION',
            `${declared} is not supported here; this consumer reads ${family} version ${version}`,
          ),
        };
      }
      if (declared !== schemaId) {
        return {
          ok: false,
          error: new EnvelopeError(
            'SCHEMA_VIOLATION',
            `expected schema "${schemaId}", got ${declared === undefined ? 'none' : JSON.stringify(declared)}`,
          ),
        };
      }
      return validate(value);
    },
    toMessage(envelope) {
      return { key: keyOf(envelope), value: encode(envelope), headers: { schema: schemaId } };
    },
  };
}

export const interactionEvents = codec<InteractionEventV1>(
  SCHEMA_IDS.interaction,
  interactionEventV1Schema,
  (e) => e.userId,
);
export const recommendationsUpdatedEvents = codec<RecommendationsUpdatedV1>(
  SCHEMA_IDS.recommendationsUpdated,
  recommendationsUpdatedV1Schema,
  (e) => e.userId,
);
export const modelEvents = codec<ModelEventV1>(SCHEMA_IDS.modelEvent, modelEventV1Schema, (e) => e.modelVersionId);
export const deadLetters = codec<DeadLetterV1>(SCHEMA_IDS.deadLetter, deadLetterV1Schema, (e) => e.key);
export const catalogChangedEvents = codec<CatalogChangedV1>(
  SCHEMA_IDS.catalogChanged,
  catalogChangedV1Schema,
  (e) => e.productIds[0] ?? e.userIds[0] ?? 'none',
);

export const assistantReplies = codec<AssistantReplyV1>(
  SCHEMA_IDS.assistantReply,
  assistantReplyV1Schema,
  (e) => e.threadId,
);

/** The payload as text when it round-trips through UTF-8 unchanged, otherwise base64. */
function preservePayload(bytes: Buffer): Pick<DeadLetterV1, 'payload' | 'payloadEncoding'> {
  const text = bytes.toString('utf8');
  return Buffer.from(text, 'utf8').equals(bytes)
    ? { payload: text, payloadEncoding: 'utf8' }
    : { payload: bytes.toString('base64'), payloadEncoding: 'base64' };
}

/**
 * Largest encoded dead letter, in bytes: half of Kafka's default 1 MB message limit, so a
 * dead letter always fits the broker (and a publish of several splits cleanly, kafka-bus.ts).
 */
export const MAX_DEAD_LETTER_BYTES = 512 * 1024;
const MAX_DEAD_LETTER_KEY = 1024;

/**
 * The dead letter for a consumed message that could not be processed. Its encoded size stays
 * under MAX_DEAD_LETTER_BYTES: a larger payload keeps its first bytes (as many as fit once
 * base64 or JSON escaping has grown them) with the original's length and SHA-256.
 */
export function deadLetterFor(
  message: Pick<ConsumedMessage, 'topic' | 'partition' | 'offset' | 'key' | 'value'>,
  failure: { code: string; reason: string },
  at: Date = new Date(),
): DeadLetterV1 {
  const base = {
    schema: SCHEMA_IDS.deadLetter,
    originalTopic: message.topic,
    partition: message.partition,
    offset: message.offset,
    key: message.key.slice(0, MAX_DEAD_LETTER_KEY),
    // Reasons can quote arbitrary input; the cap keeps one bad message from bloating the topic.
    reason: failure.reason.slice(0, 2000) || failure.code,
    code: failure.code,
    at: at.toISOString(),
  } as const;
  const whole: DeadLetterV1 = { ...base, ...preservePayload(message.value) };
  if (Buffer.byteLength(JSON.stringify(whole)) <= MAX_DEAD_LETTER_BYTES) return whole;
  const digest = {
    payloadTruncated: true,
    payloadBytes: message.value.length,
    payloadSha256: createHash('sha256').update(message.value).digest('hex'),
  };
  // Escaping can grow text up to 6× (\u0000), base64 by 4/3: halve until the letter fits.
  for (let keep = Math.min(message.value.length, MAX_DEAD_LETTER_BYTES / 2); ; keep = Math.floor(keep / 2)) {
    const letter: DeadLetterV1 = { ...base, ...preservePayload(message.value.subarray(0, keep)), ...digest };
    if (keep === 0 || Buffer.byteLength(JSON.stringify(letter)) <= MAX_DEAD_LETTER_BYTES) return letter;
  }
}

/** The original bytes of a dead letter, for replay tools (only the first bytes when payloadTruncated). */
export function deadLetterPayload(letter: DeadLetterV1): Buffer {
  return Buffer.from(letter.payload, letter.payloadEncoding);
}

/**
 * Publishes interaction events after the caller has stored them durably. All are
 * validated before any is sent, so an invalid event fails the call (EnvelopeError,
 * SCHEMA_VIOLATION) with nothing published.
 */
export async function publishInteractions(bus: EventBus, events: readonly InteractionEventV1[]): Promise<void> {
  const messages = events.map((e) => {
    const m = interactionEvents.toMessage(e);
    if (e.traceparent) m.headers = { ...m.headers, traceparent: e.traceparent };
    return m;
  });
  if (messages.length) await bus.publish(STREAMING_TOPIC.interactions, messages);
}
