import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EventBusError, type ConsumedMessage, type EventBus, type Subscription } from '../src/index.ts';

export interface ContractTarget {
  /** A fresh bus whose topic prefix is unique to this test run. */
  createBus(): EventBus;
  /** How long to wait for deliveries that should arrive. */
  deliveryTimeoutMs: number;
  /** How long to watch for deliveries that must not arrive. */
  quietPeriodMs: number;
}

const uniq = () => `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
const msg = (key: string, text: string, headers?: Record<string, string>) => ({
  key,
  value: Buffer.from(text),
  headers,
});
const text = (m: ConsumedMessage) => m.value.toString('utf8');

/** Collects everything a subscription receives, batch by batch. */
function collector() {
  const batches: ConsumedMessage[][] = [];
  return {
    batches,
    get messages() {
      return batches.flat();
    },
    handleBatch: async (b: ConsumedMessage[]) => {
      batches.push(b);
    },
  };
}

/**
 * The delivery contract every EventBus implementation must honour; the streaming
 * layer relies on each of these properties.
 */
export function eventBusContract(target: ContractTarget): void {
  let bus: EventBus;
  const subs: Subscription[] = [];
  const until = (check: () => void) => vi.waitFor(check, { timeout: target.deliveryTimeoutMs, interval: 25 });
  const quiet = () => new Promise((r) => setTimeout(r, target.quietPeriodMs));
  const subscribe: EventBus['subscribe'] = async (o) => {
    const s = await bus.subscribe(o);
    subs.push(s);
    return s;
  };
  const topicWith = async (partitions: number) => {
    const name = `t-${uniq()}`;
    await bus.ensureTopics([{ name, partitions }]);
    return name;
  };

  beforeAll(() => {
    bus = target.createBus();
  });
  afterAll(async () => {
    await Promise.all(subs.map((s) => s.stop()));
    await bus.close();
  });

  it('delivers published messages to a group with key, value, headers, timestamp and position', async () => {
    const topic = await topicWith(1);
    await bus.publish(topic, [msg('a', 'one', { source: 'test' }), msg('b', 'two')]);
    await bus.publish(topic, [{ key: 'c', value: Buffer.from('three'), timestamp: 1_700_000_000_000 }]);
    const got = collector();
    const sub = await subscribe({
      groupId: `g-${uniq()}`,
      topics: [topic],
      fromBeginning: true,
      handleBatch: got.handleBatch,
    });
    expect(sub.groupId).toMatch(/^g-/);
    await until(() => expect(got.messages).toHaveLength(3));
    expect(got.messages.map(text)).toEqual(['one', 'two', 'three']);
    expect(got.messages.map((m) => m.offset)).toEqual(['0', '1', '2']);
    const [first, , third] = got.messages;
    expect(first).toMatchObject({ topic, partition: 0, key: 'a', headers: { source: 'test' } });
    expect(first!.timestamp).toBeGreaterThan(Date.now() - 120_000);
    expect(third!.timestamp).toBe(1_700_000_000_000);
  });

  it('starts a new group at new messages only, unless fromBeginning', async () => {
    const topic = await topicWith(1);
    await bus.publish(topic, [msg('k', 'old')]);
    const got = collector();
    await subscribe({ groupId: `g-${uniq()}`, topics: [topic], handleBatch: got.handleBatch });
    await bus.publish(topic, [msg('k', 'new')]);
    await until(() => expect(got.messages.map(text)).toEqual(['new']));
  });

  it('resumes a group after its last committed offset when a new consumer replaces a stopped one', async () => {
    const topic = await topicWith(2);
    const groupId = `g-${uniq()}`;
    await bus.publish(
      topic,
      ['1', '2', '3', '4'].map((n) => msg(`k${n}`, `first-${n}`)),
    );
    const first = collector();
    const a = await subscribe({ groupId, topics: [topic], fromBeginning: true, handleBatch: first.handleBatch });
    await until(() => expect(first.messages).toHaveLength(4));
    await a.stop();

    await bus.publish(
      topic,
      ['5', '6'].map((n) => msg(`k${n}`, `second-${n}`)),
    );
    const second = collector();
    await subscribe({ groupId, topics: [topic], fromBeginning: true, handleBatch: second.handleBatch });
    await until(() => expect(second.messages).toHaveLength(2));
    await quiet();
    expect(second.messages.map(text).sort()).toEqual(['second-5', 'second-6']);
  });

  it("reports a group's lag per partition: what was published while it was stopped, 0 once consumed", async () => {
    const topic = await topicWith(2);
    const groupId = `g-${uniq()}`;
    const total = (lags: { messages: number }[]) => lags.reduce((n, l) => n + l.messages, 0);
    const first = collector();
    const a = await subscribe({ groupId, topics: [topic], fromBeginning: true, handleBatch: first.handleBatch });
    await bus.publish(topic, [msg('warm', 'warm')]);
    await until(() => expect(first.messages).toHaveLength(1));
    // Committed right after the handler resolves.
    await until(async () => expect(total(await a.lag())).toBe(0));
    await a.stop();

    await bus.publish(
      topic,
      [...Array(7).keys()].map((n) => msg(`k${n}`, `late-${n}`)),
    );
    const behind = await a.lag();
    expect(behind.map((l) => [l.topic, l.partition])).toEqual([
      [topic, 0],
      [topic, 1],
    ]);
    expect(total(behind)).toBe(7);

    const second = collector();
    const b = await subscribe({ groupId, topics: [topic], fromBeginning: true, handleBatch: second.handleBatch });
    await until(() => expect(second.messages).toHaveLength(7));
    for (const l of behind) expect(l.messages).toBe(second.messages.filter((m) => m.partition === l.partition).length);
    await until(async () =>
      expect(await b.lag()).toEqual([
        { topic, partition: 0, messages: 0 },
        { topic, partition: 1, messages: 0 },
      ]),
    );
  });

  it('keeps per-key order: one key, one partition, publish order', async () => {
    const topic = await topicWith(4);
    const keys = ['alpha', 'beta', 'gamma', 'delta', 'epsilon'];
    for (let round = 0; round < 4; round++) {
      await bus.publish(
        topic,
        keys.flatMap((k) => [0, 1, 2].map((i) => msg(k, `${k}:${round * 3 + i}`))),
      );
    }
    const got = collector();
    await subscribe({
      groupId: `g-${uniq()}`,
      topics: [topic],
      fromBeginning: true,
      maxBatchSize: 7,
      handleBatch: got.handleBatch,
    });
    await until(() => expect(got.messages).toHaveLength(keys.length * 12));
    expect(Math.max(...got.batches.map((b) => b.length))).toBeLessThanOrEqual(7);
    for (const b of got.batches) expect(new Set(b.map((m) => m.partition)).size).toBe(1);
    for (const k of keys) {
      const mine = got.messages.filter((m) => m.key === k);
      expect(new Set(mine.map((m) => m.partition)).size).toBe(1);
      expect(mine.map((m) => Number(text(m).split(':')[1]))).toEqual([...Array(12).keys()]);
    }
  });

  it('redelivers a batch whose handler throws, commits nothing past it, and moves on once it succeeds', async () => {
    const topic = await topicWith(1);
    const groupId = `g-${uniq()}`;
    await bus.publish(
      topic,
      ['m0', 'm1', 'm2'].map((t) => msg('same', t)),
    );
    const seen: string[][] = [];
    let failuresLeft = 2;
    await subscribe({
      groupId,
      topics: [topic],
      fromBeginning: true,
      maxBatchSize: 1,
      handleBatch: async (b) => {
        seen.push(b.map(text));
        if (text(b[0]!) === 'm1' && failuresLeft-- > 0) throw new Error('transient failure');
      },
    }).then(async (s) => {
      await until(() => expect(seen.flat()).toContain('m2'));
      await s.stop();
    });
    expect(seen).toEqual([['m0'], ['m1'], ['m1'], ['m1'], ['m2']]);

    // Everything was committed once handled, so the group's next consumer sees only newer messages.
    await bus.publish(topic, [msg('same', 'm3')]);
    const after = collector();
    await subscribe({ groupId, topics: [topic], fromBeginning: true, handleBatch: after.handleBatch });
    await until(() => expect(after.messages).toHaveLength(1));
    await quiet();
    expect(after.messages.map(text)).toEqual(['m3']);
  });

  it('does not commit a batch that never succeeded: the next consumer in the group gets it again', async () => {
    const topic = await topicWith(1);
    const groupId = `g-${uniq()}`;
    await bus.publish(topic, [msg('k', 'ok'), msg('k', 'poison'), msg('k', 'later')]);
    const attempts: string[] = [];
    const failing = await subscribe({
      groupId,
      topics: [topic],
      fromBeginning: true,
      maxBatchSize: 1,
      handleBatch: async (b) => {
        attempts.push(text(b[0]!));
        if (text(b[0]!) === 'poison') throw new Error('cannot handle');
      },
    });
    await until(() => expect(attempts.filter((a) => a === 'poison').length).toBeGreaterThanOrEqual(2));
    await failing.stop();
    expect(attempts).not.toContain('later');

    const got = collector();
    await subscribe({ groupId, topics: [topic], fromBeginning: true, handleBatch: got.handleBatch });
    await until(() => expect(got.messages.map(text)).toEqual(['poison', 'later']));
  });

  it('gives every group every message', async () => {
    const topic = await topicWith(3);
    const one = collector();
    const two = collector();
    await subscribe({ groupId: `g1-${uniq()}`, topics: [topic], fromBeginning: true, handleBatch: one.handleBatch });
    await subscribe({ groupId: `g2-${uniq()}`, topics: [topic], fromBeginning: true, handleBatch: two.handleBatch });
    const sent = Array.from({ length: 30 }, (_, i) => `e${i}`);
    await bus.publish(
      topic,
      sent.map((t, i) => msg(`key-${i % 7}`, t)),
    );
    await until(() => {
      expect(one.messages).toHaveLength(30);
      expect(two.messages).toHaveLength(30);
    });
    expect(one.messages.map(text).sort()).toEqual([...sent].sort());
    expect(two.messages.map(text).sort()).toEqual([...sent].sort());
  });

  it('splits partitions between the members of one group: each message to one member', async () => {
    const topic = await topicWith(4);
    const groupId = `g-${uniq()}`;
    const a = collector();
    const b = collector();
    await subscribe({ groupId, topics: [topic], fromBeginning: true, handleBatch: a.handleBatch });
    await subscribe({ groupId, topics: [topic], fromBeginning: true, handleBatch: b.handleBatch });
    const sent = Array.from({ length: 40 }, (_, i) => `e${i}`);
    await bus.publish(
      topic,
      sent.map((t, i) => msg(`key-${i}`, t)),
    );
    await until(() => expect(a.messages.length + b.messages.length).toBe(40));
    await quiet();
    expect([...a.messages, ...b.messages].map(text).sort()).toEqual([...sent].sort());
    expect(a.messages.length).toBeGreaterThan(0);
    expect(b.messages.length).toBeGreaterThan(0);
    const partitionsOf = (c: ReturnType<typeof collector>) => new Set(c.messages.map((m) => m.partition));
    for (const p of partitionsOf(a)) expect(partitionsOf(b).has(p)).toBe(false);
  });

  describe('rejects bad input with stable codes', () => {
    const code = (p: Promise<unknown>) =>
      p.then(
        () => 'resolved',
        (e: unknown) => (e instanceof EventBusError ? e.code : `not an EventBusError: ${String(e)}`),
      );

    it('INVALID_ARGUMENT for malformed topics, messages and options', async () => {
      const topic = await topicWith(1);
      expect(await code(bus.ensureTopics([{ name: 'has space', partitions: 1 }]))).toBe('INVALID_ARGUMENT');
      expect(await code(bus.ensureTopics([{ name: 'ok', partitions: 0 }]))).toBe('INVALID_ARGUMENT');
      expect(await code(bus.publish(topic, [{ key: 'k', value: 'not a buffer' as unknown as Buffer }]))).toBe(
        'INVALID_ARGUMENT',
      );
      expect(
        await code(bus.publish(topic, [{ key: 'k', value: Buffer.from('x'), headers: { n: 1 as unknown as string } }])),
      ).toBe('INVALID_ARGUMENT');
      expect(await code(bus.publish('', []))).toBe('INVALID_ARGUMENT');
      const handleBatch = async () => {};
      expect(await code(bus.subscribe({ groupId: '', topics: [topic], handleBatch }))).toBe('INVALID_ARGUMENT');
      expect(await code(bus.subscribe({ groupId: 'g', topics: [], handleBatch }))).toBe('INVALID_ARGUMENT');
      expect(await code(bus.subscribe({ groupId: 'g', topics: [topic], handleBatch, maxBatchSize: 0 }))).toBe(
        'INVALID_ARGUMENT',
      );
    });

    it('UNKNOWN_TOPIC for undeclared topics, TOPIC_CONFLICT for a different partition count', async () => {
      const missing = `missing-${uniq()}`;
      expect(await code(bus.publish(missing, [msg('k', 'v')]))).toBe('UNKNOWN_TOPIC');
      expect(await code(bus.subscribe({ groupId: 'g', topics: [missing], handleBatch: async () => {} }))).toBe(
        'UNKNOWN_TOPIC',
      );
      const topic = await topicWith(2);
      await bus.ensureTopics([{ name: topic, partitions: 2 }]); // idempotent
      expect(await code(bus.ensureTopics([{ name: topic, partitions: 3 }]))).toBe('TOPIC_CONFLICT');
    });

    it('BUS_CLOSED once closed', async () => {
      const closing = target.createBus();
      await closing.close();
      expect(await code(closing.publish('t', [msg('k', 'v')]))).toBe('BUS_CLOSED');
      await closing.close(); // closing twice is harmless
    });
  });
}
