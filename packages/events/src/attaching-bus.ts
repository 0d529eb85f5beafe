import { eventBusFromConfig } from './create-event-bus.ts';
import { STREAMING_TOPICS } from './envelopes.ts';
import { EventBusError } from './errors.ts';
import type { EventBus, EventBusLogger, SubscribeOptions, Subscription, TopicSpec } from './types.ts';
import { validateSubscribe, validateTopicSpecs } from './validate.ts';

/** An event bus a process can start with while the broker is away. */
export interface AttachingEventBus extends EventBus {
  /** True once the broker answered and the topics exist. */
  attached(): boolean;
  /** Resolves when attached (never rejects; pending until then). */
  whenAttached(): Promise<void>;
}

export interface AttachOptions {
  /** First and longest wait between attempts (default 1 s, doubling up to 30 s). */
  minDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * Wraps a bus so that nothing at start-up waits for the broker: serving a query
 * needs only the database, and a role restarted during a Kafka outage must not
 * crash-loop. In the background it declares `topics` until the broker answers,
 * then makes every subscription asked for meanwhile (each retried until its
 * consumer joins). Until then `ensureTopics` of the declared topics and
 * `subscribe` return at once; `publish` fails fast with BROKER_ERROR so callers
 * keep their own retry (the outbox relays keep rows until published).
 *
 * A subscription made on attach starts from the group's committed offsets, or,
 * for a new group with `fromBeginning: false`, from the end: events published
 * while this process was detached are not replayed to per-instance cache groups.
 */
export function attachWhenReachable(
  inner: EventBus,
  topics: TopicSpec[],
  log: EventBusLogger,
  options: AttachOptions = {},
): AttachingEventBus {
  const declared = new Set(validateTopicSpecs(topics).map((t) => t.name));
  const minDelay = options.minDelayMs ?? 1000;
  const maxDelay = options.maxDelayMs ?? 30_000;
  const closing = new AbortController();
  let isAttached = false;
  let markAttached!: () => void;
  const attachedPromise = new Promise<void>((resolve) => (markAttached = resolve));
  const handles = new Set<{ stop(): Promise<void> }>();

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      closing.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    });

  /** Runs `attempt` until it succeeds or the bus closes, with doubling delays; false when closed. */
  async function untilDone(what: string, attempt: () => Promise<void>, stopped: () => boolean): Promise<boolean> {
    for (let delay = minDelay, tries = 1; ; tries++, delay = Math.min(maxDelay, delay * 2)) {
      if (stopped()) return false;
      try {
        await attempt();
        return true;
      } catch (err) {
        if (err instanceof EventBusError && err.code !== 'BROKER_ERROR' && err.code !== 'UNKNOWN_TOPIC') throw err;
        // The first failure is worth a warning; the rest of an outage only at debug level.
        (tries === 1 ? log.warn : log.debug).call(log, { err, retryInMs: delay }, `${what}: broker unreachable`);
      }
      await pause(delay);
    }
  }

  void untilDone(
    'declaring topics',
    () => inner.ensureTopics(topics),
    () => closing.signal.aborted,
  ).then(
    (done) => {
      if (!done) return;
      isAttached = true;
      markAttached();
      log.info({ topics: [...declared] }, 'attached to the event broker');
    },
    (err: unknown) => log.error({ err }, 'declaring topics failed for good; events stay off in this process'),
  );

  return {
    attached: () => isAttached,
    whenAttached: () => attachedPromise,

    async ensureTopics(specs) {
      if (validateTopicSpecs(specs).every((s) => declared.has(s.name))) return;
      await attachedPromise;
      await inner.ensureTopics(specs);
    },

    async publish(topic, messages) {
      if (!isAttached)
        throw new EventBusError('BROKER_ERROR', `the event broker is not reachable yet; "${topic}" not published`);
      await inner.publish(topic, messages);
    },

    async subscribe(options: SubscribeOptions): Promise<Subscription> {
      validateSubscribe(options);
      if (isAttached) return inner.subscribe(options);
      let real: Subscription | undefined;
      let stopped = false;
      const joining = attachedPromise
        .then(() =>
          untilDone(
            `subscribing group "${options.groupId}"`,
            async () => {
              real = await inner.subscribe(options);
            },
            () => stopped || closing.signal.aborted,
          ),
        )
        .then(
          async () => {
            if (stopped) await real?.stop();
          },
          (err: unknown) => log.error({ err, groupId: options.groupId }, 'subscribing failed for good'),
        );
      const handle: Subscription = {
        groupId: options.groupId,
        // Unknown until the broker answers and the consumer exists: no partitions to report yet.
        lag: async () => (real ? real.lag() : []),
        async stop() {
          stopped = true;
          handles.delete(handle);
          await Promise.race([joining, isAttached ? joining : Promise.resolve()]);
          await real?.stop();
        },
      };
      handles.add(handle);
      return handle;
    },

    async close() {
      closing.abort();
      await Promise.all([...handles].map((h) => h.stop()));
      await inner.close();
    },
  };
}

/**
 * The bus a role process runs on: the configured one (Kafka or in-process), with
 * the streaming topics declared in the background so start-up never waits for the broker.
 */
export function roleEventBus(config: Parameters<typeof eventBusFromConfig>[0], log: EventBusLogger): AttachingEventBus {
  return attachWhenReachable(eventBusFromConfig(config, log), STREAMING_TOPICS, log);
}
