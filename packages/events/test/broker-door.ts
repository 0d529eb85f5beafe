import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A loopback port that is closed until `open()`, then forwards to the real broker:
 * clients configured with it see "no broker" first and the real one later. Kafka
 * clients only bootstrap through it (metadata names the broker's own address).
 */
export interface BrokerDoor {
  /** host:port to put in KAFKA_BROKERS. */
  address: string;
  open(): Promise<void>;
  close(): Promise<void>;
}

/** Reserves a free port (bound, then released) for a door to `target` (host:port). */
export async function brokerDoor(target: string): Promise<BrokerDoor> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const [host, targetPort] = target.split(':') as [string, string];
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  return {
    address: `127.0.0.1:${port}`,
    async open() {
      server = createServer((client) => {
        const upstream = connect(Number(targetPort), host);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => s.destroy());
        }
        client.pipe(upstream).pipe(client);
      });
      await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    },
  };
}
