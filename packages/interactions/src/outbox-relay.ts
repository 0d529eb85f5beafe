import type { PrismaClient } from '@recgraph/db';
import { SCHEMA_IDS, STREAMING_TOPIC, type BusMessage, type EventBus } from '@recgraph/events';
import type { Logger } from '@recgraph/telemetry';

export interface OutboxRelayOptions {
  prisma: PrismaClient;
  bus: EventBus;
  logger: Logger;
  /**
   * How often to look for rows nobody kicked for: those a crashed replica left
   * behind (default 60 s). New rows are published on the kick their commit sends,
   * so idle polling stays rare and costs the shared database almost nothing.
   */
  sweepMs?: number;
  /** First retry delay after a failure, doubled per failure up to 30 s (default 1 s). */
  retryBaseMs?: number;
  batchSize?: number;
}

/** Wakes the relay after a commit that queued events. */
export interface OutboxNotifier {
  kick(): void;
}

export interface OutboxRelay extends OutboxNotifier {
  /** Publishes everything pending now; resolves with how many were published. */
  drain(): Promise<number>;
  stop(): Promise<void>;
}

const MAX_BACKOFF_MS = 30_000;
/** Long enough for a slow bus to accept a batch; a dead relay's rows are retried after it. */
const LEASE_SECONDS = 60;

/**
 * Publishes the interaction outbox on the event bus. A batch is claimed with a
 * lease (FOR UPDATE SKIP LOCKED, so replicas take disjoint rows), published,
 * then deleted: a crash or bus outage leaves the rows to be retried (at least
 * once). Failures back off exponentially up to 30 s.
 */
export function startOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { prisma, bus, logger } = options;
  const sweepMs = options.sweepMs ?? 60_000;
  const retryBaseMs = options.retryBaseMs ?? 1000;
  const batchSize = options.batchSize ?? 100;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let rerun = false;
  let failures = 0;
  let stopped = false;

  async function publishBatch(): Promise<number> {
    // Claim, publish, delete: no transaction stays open while the bus works.
    const claimed = await prisma.$queryRaw<
      { id: string; payload: string; user_id: string | null; traceparent: string | null }[]
    >`
      UPDATE interaction_outbox o SET claimed_until = now() + make_interval(secs => ${LEASE_SECONDS})
      WHERE o.id IN (
        SELECT id FROM interaction_outbox
        WHERE claimed_until IS NULL OR claimed_until < now()
        ORDER BY id LIMIT ${batchSize}
        FOR UPDATE SKIP LOCKED)
      RETURNING o.id::text AS id, o.payload::text AS payload, o.payload->>'userId' AS user_id,
                o.payload->>'traceparent' AS traceparent`;
    if (!claimed.length) return 0;
    // RETURNING has no order; publish in insertion order so one user's events stay in sequence.
    const rows = claimed.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
    const ids = rows.map((r) => r.id);
    try {
      // The stored envelope goes out as stored: it was validated when written (recordInteractions),
      // and the consumer validates what it reads, so a third check here would only cost time.
      // Keyed by user, as interactionEvents.toMessage keys it, so one user's events keep their order.
      const messages: BusMessage[] = rows.map((r) => ({
        key: r.user_id ?? '',
        value: Buffer.from(r.payload, 'utf8'),
        headers: { schema: SCHEMA_IDS.interaction, ...(r.traceparent ? { traceparent: r.traceparent } : {}) },
      }));
      await bus.publish(STREAMING_TOPIC.interactions, messages);
    } catch (err) {
      const message = (err instanceof Error ? err.message : String(err)).slice(0, 1000);
      await prisma.$executeRaw`
        UPDATE interaction_outbox SET attempts = attempts + 1, last_error = ${message}, claimed_until = NULL
        WHERE id = ANY(${ids}::bigint[])`.catch(() => undefined);
      throw err;
    }
    // Should this fail after a successful publish, the lease expires and the rows go out again.
    await prisma.$executeRaw`DELETE FROM interaction_outbox WHERE id = ANY(${ids}::bigint[])`;
    return rows.length;
  }

  function schedule(ms: number): void {
    clearTimeout(timer);
    if (stopped) return;
    timer = setTimeout(() => void run(), ms);
    timer.unref();
  }

  function run(): Promise<number> {
    if (running) {
      rerun = true;
      return running;
    }
    running = (async () => {
      let published = 0;
      try {
        do {
          rerun = false;
          for (;;) {
            const n = await publishBatch();
            published += n;
            if (n < batchSize) break;
          }
        } while (rerun && !stopped);
        failures = 0;
        schedule(sweepMs);
      } catch (err) {
        failures++;
        const delay = Math.min(MAX_BACKOFF_MS, retryBaseMs * 2 ** failures);
        logger.warn({ err, failures, retryInMs: delay }, 'publishing the interaction outbox failed; will retry');
        schedule(delay);
      } finally {
        running = undefined;
      }
      return published;
    })();
    return running;
  }

  schedule(0);
  return {
    kick() {
      // While the bus is failing, requests must not each trigger another attempt.
      if (!stopped && failures === 0) schedule(0);
    },
    drain: () => run(),
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
