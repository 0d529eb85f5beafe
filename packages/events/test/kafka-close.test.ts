/** Issue 12, finding "KafkaEventBus.close() opens a producer to close it". */
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createEventBus } from '../src/index.ts';

describe('KafkaEventBus.close() opens a producer to close it (issue 12)', () => {
  it('closes at once, connecting nothing, when nothing was published or declared', async () => {
    // A port that accepts and counts connections but never speaks Kafka: any connect attempt shows.
    let connections = 0;
    const server = createServer((s) => {
      connections++;
      s.destroy();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    const bus = createEventBus({ brokers: [`127.0.0.1:${port}`], clientId: 'close-test', topicPrefix: 'x.' });
    const started = performance.now();
    await bus.close();
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(connections).toBe(0);
    await expect(bus.publish('t', [])).rejects.toMatchObject({ code: 'BUS_CLOSED' });
    await new Promise((r) => server.close(r));
  });
});
