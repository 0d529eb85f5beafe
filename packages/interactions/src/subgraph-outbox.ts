import type { PrismaClient } from '@recgraph/db';
import type { EventBus } from '@recgraph/events';
import type { Logger } from '@recgraph/telemetry';
import { startOutboxRelay, type OutboxNotifier, type OutboxRelay } from './outbox-relay.ts';

/** The outbox relay a process that writes interactions runs beside its server. */
export interface ProcessOutbox {
  /** Given to writers: kicks the running relay after a commit (a no-op until started). */
  readonly notifier: OutboxNotifier;
  /** Starts the relay when there is a bus to publish on. */
  start(bus: EventBus | undefined): void;
  stop(): Promise<void>;
}

/**
 * Every process that writes interactions (catalog: tracking, carts, checkout;
 * recommend: feedback) runs a relay over the shared outbox and kicks it after
 * its own commits, so a write reaches the bus within milliseconds whoever made
 * it. Relays claim rows with SKIP LOCKED, so any number of them can run.
 * With no bus, rows wait in the outbox until a process with one starts.
 */
export function processOutbox(prisma: PrismaClient, logger: Logger, sweepMs?: number): ProcessOutbox {
  let relay: OutboxRelay | undefined;
  return {
    notifier: { kick: () => relay?.kick() },
    start(bus) {
      if (bus) relay ??= startOutboxRelay({ prisma, bus, logger, ...(sweepMs ? { sweepMs } : {}) });
      else logger.warn('no event bus: written interactions stay in the outbox until a process with one runs');
    },
    async stop() {
      const r = relay;
      relay = undefined;
      await r?.stop();
    },
  };
}
