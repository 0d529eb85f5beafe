import { randomUUID } from 'node:crypto';
import { openDatabase, type Database } from '@recgraph/db';
import { createEventBus, type EventBus } from '@recgraph/events';
import { createTestDatabase, realPostgresUrl } from '../../packages/db/test/real-postgres.ts';
import { realKafkaBrokers } from '../../packages/events/test/real-kafka.ts';

/** One database + bus pairing the streaming suites run against. */
export interface Backend {
  name: string;
  /** False when the real servers are not configured (never under CI: that throws instead). */
  available: boolean;
  openDb(): Promise<Database>;
  /** A bus whose topics and groups are private to this run. */
  createBus(): EventBus;
  /** How long to wait for something that should happen. */
  timeoutMs: number;
}

const run = () => `${Date.now().toString(36)}${randomUUID().slice(0, 6)}`;

export const inProcess: Backend = {
  name: 'in-process bus + embedded PGlite',
  available: true,
  openDb: () => openDatabase({}),
  createBus: () => createEventBus({ clientId: 'streaming-test', topicPrefix: `st.${run()}.` }),
  timeoutMs: 15_000,
};

const brokers = realKafkaBrokers();
const pgUrl = await realPostgresUrl();

// Short group timings: joins and rebalances dominate a Kafka suite's run time.
const tuning = { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 300, rebalanceTimeoutMs: 6_000, maxWaitTimeMs: 100 };

export const realServers: Backend = {
  name: 'real Kafka + real Postgres',
  available: Boolean(brokers && pgUrl),
  openDb: async () => openDatabase({ url: await createTestDatabase(pgUrl!), poolSize: 4 }),
  createBus: () =>
    createEventBus({ brokers: brokers!, clientId: 'streaming-test', topicPrefix: `st.${run()}.`, kafka: tuning }),
  timeoutMs: 60_000,
};
