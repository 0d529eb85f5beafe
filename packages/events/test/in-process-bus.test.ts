import { describe, expect, it } from 'vitest';
import { createEventBus } from '../src/index.ts';
import { eventBusContract } from './event-bus-contract.ts';

describe('in-process event bus', () => {
  eventBusContract({
    createBus: () => createEventBus({ clientId: 'test', topicPrefix: `test.${process.pid}.` }),
    deliveryTimeoutMs: 5_000,
    quietPeriodMs: 50,
  });

  it('never delivers synchronously inside publish', async () => {
    const bus = createEventBus({ clientId: 'test', topicPrefix: 'sync.' });
    await bus.ensureTopics([{ name: 't', partitions: 1 }]);
    let delivered = 0;
    const sub = await bus.subscribe({
      groupId: 'g',
      topics: ['t'],
      handleBatch: async (b) => void (delivered += b.length),
    });
    const publishing = bus.publish('t', [{ key: 'k', value: Buffer.from('v') }]);
    expect(delivered).toBe(0);
    await publishing;
    expect(delivered).toBe(0);
    await new Promise((r) => setTimeout(r, 20));
    expect(delivered).toBe(1);
    await sub.stop();
    await bus.close();
  });

  it('keeps topics and offsets per bus instance', async () => {
    const a = createEventBus({ clientId: 'test', topicPrefix: 'same.' });
    const b = createEventBus({ clientId: 'test', topicPrefix: 'same.' });
    await a.ensureTopics([{ name: 't', partitions: 1 }]);
    await expect(b.publish('t', [{ key: 'k', value: Buffer.from('v') }])).rejects.toMatchObject({
      code: 'UNKNOWN_TOPIC',
    });
    await Promise.all([a.close(), b.close()]);
  });
});

describe('createEventBus', () => {
  it('rejects an invalid configuration with INVALID_ARGUMENT', () => {
    expect(() => createEventBus({ clientId: '', topicPrefix: 'x.' })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(() => createEventBus({ brokers: ['no-port'], clientId: 'c', topicPrefix: '' })).toThrow(/host:port/);
    expect(() => createEventBus({ clientId: 'c', topicPrefix: 'bad prefix' })).toThrow(/topicPrefix/);
    expect(() =>
      createEventBus({
        clientId: 'c',
        topicPrefix: '',
        kafka: { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 10_000 },
      }),
    ).toThrow(/heartbeatIntervalMs must be shorter/);
  });
});
