import { describe, expect, it } from 'vitest';
import {
  createEventBus,
  deadLetterFor,
  deadLetterPayload,
  deadLetters,
  EnvelopeError,
  interactionEvents,
  modelEvents,
  publishInteractions,
  recommendationsUpdatedEvents,
  STREAMING_TOPIC,
  STREAMING_TOPICS,
  type ConsumedMessage,
  type InteractionEventV1,
} from '../src/index.ts';

const event = (over: Partial<InteractionEventV1> = {}): InteractionEventV1 => ({
  schema: 'recgraph.interaction.v1',
  eventId: 'e-1',
  type: 'VIEW',
  userId: '3f0a1e2c-5b7d-4c1e-9a8b-0c1d2e3f4a5b',
  productId: '9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
  value: 1,
  occurredAt: '2026-11-23T10:00:00.000Z',
  source: 'web',
  ...over,
});

describe('interaction envelopes', () => {
  it('round-trips through encode and decode', () => {
    const e = event({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
    const r = interactionEvents.decode(interactionEvents.encode(e));
    expect(r).toEqual({ ok: true, value: e });
  });

  it('keys messages by user and tags them with the schema', () => {
    const m = interactionEvents.toMessage(event());
    expect(m.key).toBe(event().userId);
    expect(m.headers).toEqual({ schema: 'recgraph.interaction.v1' });
  });

  it('tells malformed JSON, wrong schema, future versions and invalid fields apart', () => {
    const code = (bytes: string) => {
      const r = interactionEvents.decode(bytes);
      return r.ok ? 'ok' : r.error.code;
    };
    expect(code('{not json')).toBe('MALFORMED_JSON');
    expect(code('')).toBe('MALFORMED_JSON');
    expect(code('null')).toBe('SCHEMA_VIOLATION');
    expect(code('[1,2]')).toBe('SCHEMA_VIOLATION');
    expect(code(JSON.stringify({ ...event(), schema: 'recgraph.interaction.v2' }))).toBe('UNSUPPORTED_VERSION');
    expect(code(JSON.stringify({ ...event(), schema: 'recgraph.model-event.v1' }))).toBe('SCHEMA_VIOLATION');
    expect(code(JSON.stringify({ ...event(), schema: undefined }))).toBe('SCHEMA_VIOLATION');
    expect(code(JSON.stringify(event({ userId: 'user-1' })))).toBe('SCHEMA_VIOLATION');
    expect(code(JSON.stringify(event({ occurredAt: 'yesterday' })))).toBe('SCHEMA_VIOLATION');
    expect(code(JSON.stringify(event({ type: 'RATE', value: 9 })))).toBe('SCHEMA_VIOLATION');
    expect(code(JSON.stringify(event({ type: 'SHARE' as 'VIEW' })))).toBe('SCHEMA_VIOLATION');
    expect(code(JSON.stringify(event({ value: -1 })))).toBe('SCHEMA_VIOLATION');
    expect(code(JSON.stringify({ ...event(), extra: 'ignored' }))).toBe('ok');
  });

  it('names the offending field in the error', () => {
    const r = interactionEvents.decode(JSON.stringify(event({ productId: 'nope', eventId: '' })));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toBeInstanceOf(EnvelopeError);
    expect(r.error.message).toMatch(/productId: must be a UUID/);
    expect(r.error.message).toMatch(/eventId: must not be empty/);
  });

  it('refuses to encode an invalid envelope', () => {
    expect(() => interactionEvents.encode(event({ value: Number.NaN }))).toThrow(
      expect.objectContaining({ code: 'SCHEMA_VIOLATION' }),
    );
  });
});

describe('other envelopes', () => {
  it('round-trip recommendation updates and model events', () => {
    const rec = {
      schema: 'recgraph.recommendations-updated.v1' as const,
      userId: event().userId,
      modelVersionId: '0d8f4b7a-1c2e-4f3a-9b8c-7d6e5f4a3b2c',
      items: [{ productId: event().productId, score: 0.5, source: 'als' }],
      at: '2026-11-23T10:00:01.000Z',
    };
    expect(recommendationsUpdatedEvents.decode(recommendationsUpdatedEvents.encode(rec))).toEqual({
      ok: true,
      value: rec,
    });
    const model = {
      schema: 'recgraph.model-event.v1' as const,
      kind: 'promoted' as const,
      modelVersionId: rec.modelVersionId,
      at: rec.at,
      metrics: { 'ndcg@10': 0.31 },
    };
    expect(modelEvents.decode(modelEvents.encode(model))).toEqual({ ok: true, value: model });
    expect(modelEvents.toMessage(model).key).toBe(model.modelVersionId);
    const bad = modelEvents.decode(JSON.stringify({ ...model, kind: 'deleted' }));
    expect(bad.ok || bad.error.code).toBe('SCHEMA_VIOLATION');
  });

  it('keeps dead-letter payloads exact, as text or base64', () => {
    const original = (value: Buffer): ConsumedMessage => ({
      topic: 'interactions',
      partition: 2,
      offset: '41',
      key: 'u',
      value,
      headers: {},
      timestamp: 0,
    });
    const text = deadLetterFor(original(Buffer.from('{oops')), { code: 'MALFORMED_JSON', reason: 'not JSON' });
    expect(text).toMatchObject({ payload: '{oops', payloadEncoding: 'utf8', partition: 2, offset: '41' });
    const binary = Buffer.from([0xff, 0xfe, 0x00, 0x80]);
    const b = deadLetterFor(original(binary), { code: 'MALFORMED_JSON', reason: 'not JSON' });
    expect(b.payloadEncoding).toBe('base64');
    const decoded = deadLetters.decode(deadLetters.encode(b));
    expect(decoded.ok && deadLetterPayload(decoded.value).equals(binary)).toBe(true);
  });
});

describe('topics and publishing', () => {
  it('declares every streaming topic once with a retention', () => {
    expect(STREAMING_TOPICS.map((t) => t.name).sort()).toEqual(Object.values(STREAMING_TOPIC).sort());
    for (const t of STREAMING_TOPICS) expect(t.retentionMs).toBeGreaterThan(0);
  });

  it('publishes interactions keyed by user, or none when one is invalid', async () => {
    const bus = createEventBus({ clientId: 'test', topicPrefix: `env.${process.pid}.` });
    await bus.ensureTopics(STREAMING_TOPICS);
    const got: ConsumedMessage[] = [];
    const sub = await bus.subscribe({
      groupId: 'g',
      topics: [STREAMING_TOPIC.interactions],
      handleBatch: async (b) => void got.push(...b),
    });
    await expect(publishInteractions(bus, [event({ eventId: 'ok' }), event({ userId: 'x' })])).rejects.toMatchObject({
      code: 'SCHEMA_VIOLATION',
    });
    const trace = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    await publishInteractions(bus, [event({ eventId: 'a' }), event({ eventId: 'b', traceparent: trace })]);
    await expect.poll(() => got.length).toBe(2);
    expect(got.map((m) => m.key)).toEqual([event().userId, event().userId]);
    expect(got[1]!.headers).toMatchObject({ schema: 'recgraph.interaction.v1', traceparent: trace });
    await sub.stop();
    await bus.close();
  });
});
