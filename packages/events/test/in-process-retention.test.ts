/** Issue 12, finding "the in-process bus never trims": consumed history is dropped, retention is capped. */
import { describe, expect, it, vi } from 'vitest';
import { InProcessEventBus, MAX_RETAINED_PER_PARTITION } from '../src/in-process-bus.ts';
import { silentLogger } from '../src/index.ts';

const messages = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => ({ key: `k${(from + i) % 7}`, value: Buffer.from(`m${from + i}`) }));

describe('the in-process bus never trims (issue 12)', () => {
  it('drops what every reading group consumed, keeps what the slowest has not, and delivers in order', async () => {
    const bus = new InProcessEventBus('retention.', silentLogger);
    await bus.ensureTopics([{ name: 't', partitions: 2 }]);
    const fast: string[] = [];
    const slow: string[] = [];
    let slowGate!: () => void;
    let gateOpen = new Promise<void>((r) => (slowGate = r));
    const a = await bus.subscribe({
      groupId: 'fast',
      topics: ['t'],
      fromBeginning: true,
      maxBatchSize: 500,
      handleBatch: async (b) => void fast.push(...b.map((m) => m.value.toString())),
    });
    const b = await bus.subscribe({
      groupId: 'slow',
      topics: ['t'],
      fromBeginning: true,
      maxBatchSize: 500,
      handleBatch: async (batch) => {
        await gateOpen;
        slow.push(...batch.map((m) => m.value.toString()));
      },
    });
    await bus.publish('t', messages(6_000));
    await vi.waitFor(() => expect(fast).toHaveLength(6_000), { timeout: 10_000, interval: 20 });
    // The slow group has consumed nothing yet: everything stays.
    expect(bus.retainedMessages('t')).toBe(6_000);
    slowGate();
    gateOpen = Promise.resolve();
    await vi.waitFor(() => expect(slow).toHaveLength(6_000), { timeout: 10_000, interval: 20 });
    // Both groups are past everything: at most one trim step per partition remains.
    expect(bus.retainedMessages('t')).toBeLessThan(2 * 1_000);
    // Later messages still arrive, with offsets that kept counting.
    await bus.publish('t', messages(10, 6_000));
    await vi.waitFor(() => expect(fast).toHaveLength(6_010), { timeout: 10_000, interval: 20 });
    expect(new Set(fast).size).toBe(6_010);
    await a.stop();
    await b.stop();
    await bus.close();
  });

  it('caps a topic nobody reads (dead letters) at MAX_RETAINED_PER_PARTITION', async () => {
    const bus = new InProcessEventBus('retention.', silentLogger);
    await bus.ensureTopics([{ name: 'unread', partitions: 1 }]);
    for (let i = 0; i < 12; i++) await bus.publish('unread', messages(10_000, i * 10_000));
    expect(bus.retainedMessages('unread')).toBeLessThanOrEqual(MAX_RETAINED_PER_PARTITION + 1_000);
    expect(bus.retainedMessages('unread')).toBeGreaterThanOrEqual(MAX_RETAINED_PER_PARTITION);
    // A late fromBeginning reader starts at the oldest retained message.
    let first: string | undefined;
    const sub = await bus.subscribe({
      groupId: 'late',
      topics: ['unread'],
      fromBeginning: true,
      handleBatch: async (b) => void (first ??= b[0]!.offset),
    });
    await vi.waitFor(() => expect(first).toBeDefined(), { timeout: 5_000, interval: 20 });
    expect(Number(first)).toBeGreaterThan(0);
    await sub.stop();
    await bus.close();
  });
});
