/** Delays between redeliveries of a failing batch: 100 ms doubling up to 30 s, with jitter against lockstep retries. */
export function redeliveryDelayMs(attempt: number): number {
  const base = Math.min(30_000, 100 * 2 ** Math.min(attempt, 20));
  return Math.round(base / 2 + Math.random() * (base / 2));
}

/** Resolves after `ms`, or early when `signal` aborts (a stopping subscription must not sleep 30 s). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Runs `handle` until it succeeds (true) or `signal` aborts (false). Each failure is
 * reported and followed by a growing delay; Kafka passes a `wait` that keeps heartbeating
 * so a long backoff does not cost the consumer its group membership.
 */
export async function handleWithRedelivery(
  handle: () => Promise<void>,
  signal: AbortSignal,
  onFailure: (err: unknown, attempt: number, delayMs: number) => void,
  wait: (ms: number, signal: AbortSignal) => Promise<void> = sleep,
): Promise<boolean> {
  for (let attempt = 0; !signal.aborted; attempt++) {
    try {
      await handle();
      return true;
    } catch (err) {
      const delay = redeliveryDelayMs(attempt);
      onFailure(err, attempt + 1, delay);
      await wait(delay, signal);
    }
  }
  return false;
}
