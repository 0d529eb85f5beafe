/**
 * A bounded push → pull bridge between bus fan-out and graphql-js's
 * subscribe(). Not an async generator function on purpose: one suspended on
 * an await cannot be returned early, and return() must release the routing
 * entry immediately when a client completes or disconnects.
 */
export interface EventQueue<T> extends AsyncIterableIterator<T> {
  push(value: T): void;
  /** Ends the stream; pending and future next() calls resolve done. */
  end(): void;
  readonly ended: boolean;
  return(): Promise<IteratorResult<T>>;
  throw(error?: unknown): Promise<IteratorResult<T>>;
}

export function createEventQueue<T>(options: {
  maxBuffered: number;
  /** Runs once, when the stream ends for any reason. */
  onEnd: () => void;
  /** A slow consumer lost an event to the bound. */
  onDrop?: (dropped: T) => void;
}): EventQueue<T> {
  const buffered: T[] = [];
  let waiting: ((r: IteratorResult<T>) => void) | undefined;
  let ended = false;
  const done = (): IteratorResult<T> => ({ done: true, value: undefined });

  const end = () => {
    if (ended) return;
    ended = true;
    buffered.length = 0;
    const w = waiting;
    waiting = undefined;
    w?.(done());
    options.onEnd();
  };

  const queue: EventQueue<T> = {
    get ended() {
      return ended;
    },
    push(value) {
      if (ended) return;
      if (waiting) {
        const w = waiting;
        waiting = undefined;
        w({ done: false, value });
        return;
      }
      buffered.push(value);
      // Each event is a complete top-k, so an older one is safe to drop in favour of newer.
      if (buffered.length > options.maxBuffered) options.onDrop?.(buffered.shift()!);
    },
    end,
    next() {
      if (buffered.length) return Promise.resolve({ done: false, value: buffered.shift()! });
      if (ended) return Promise.resolve(done());
      return new Promise((resolve) => (waiting = resolve));
    },
    return() {
      end();
      return Promise.resolve(done());
    },
    throw(error?: unknown) {
      end();
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    },
    [Symbol.asyncIterator]() {
      return queue;
    },
  };
  return queue;
}
