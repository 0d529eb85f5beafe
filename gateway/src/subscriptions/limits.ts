/** Bounds on what one client can hold open through the gateway's WebSocket endpoint. */
export interface SubscriptionLimits {
  /** Active subscriptions on one connection; the next is refused RATE_LIMITED. */
  maxSubscriptionsPerConnection: number;
  /** Open connections per signed-in subject (or per client address when anonymous). */
  maxConnectionsPerClient: number;
  /** Interval of WebSocket pings; a peer that misses a pong for as long is dropped. 0 disables. */
  keepAliveMs: number;
  /** Time allowed between the upgrade and connection_init. */
  connectionInitTimeoutMs: number;
  /** Largest accepted WebSocket message. */
  maxMessageBytes: number;
  /** Undelivered events kept per subscription for a slow client; the oldest is dropped beyond it. */
  maxBufferedEvents: number;
  /** Timeout of the gateway execution behind one push (a slower one is pushed as an error). */
  executionTimeoutMs: number;
}

export const DEFAULT_SUBSCRIPTION_LIMITS: SubscriptionLimits = {
  maxSubscriptionsPerConnection: 20,
  maxConnectionsPerClient: 20,
  keepAliveMs: 12_000,
  connectionInitTimeoutMs: 3_000,
  maxMessageBytes: 64 * 1024,
  maxBufferedEvents: 100,
  executionTimeoutMs: 10_000,
};

/** Defaults overlaid with `overrides`; nonsensical values are a programming error, reported at start-up. */
export function subscriptionLimits(overrides: Partial<SubscriptionLimits> = {}): SubscriptionLimits {
  const limits = { ...DEFAULT_SUBSCRIPTION_LIMITS, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    const min = name === 'keepAliveMs' ? 0 : 1;
    if (!Number.isInteger(value) || value < min) {
      throw new RangeError(`subscription limit ${name} must be an integer >= ${min}, got ${String(value)}`);
    }
  }
  return limits;
}
