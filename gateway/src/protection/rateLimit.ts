import type { IncomingMessage } from 'node:http';
import type { Identity } from '@recgraph/auth';
import {
  consumeOrRefuse,
  createLimiter,
  refuseWhenSpent,
  type FixedWindow,
  type LimiterStore,
} from '@recgraph/subgraph-kit/rateLimits';

/** The gateway's two budgets, charged from the request context and the WebSocket handshake. */
export interface GatewayRateLimits {
  /** Charges one request: per token subject, else per client address. */
  charge(identity: Identity, req: IncomingMessage): Promise<void>;
  /** Before verifying a presented token: refuses an address that already spent its failures. */
  refuseWhenAuthBlocked(req: IncomingMessage): Promise<void>;
  /** After a token failed verification: charges the address; RATE_LIMITED once over. */
  chargeAuthFailure(req: IncomingMessage): Promise<void>;
  /** The client address a request counts against (trusted proxies resolved). */
  clientAddress(req: IncomingMessage): string;
}

export interface RateLimitSettings {
  /** Requests per caller; false: unlimited. */
  requests: FixedWindow | false;
  /** Failed authentications per client address; false: unlimited. */
  authFailures: FixedWindow | false;
  store: LimiterStore;
  clientAddress: (req: IncomingMessage) => string;
}

const CLEAR_FOR_MS = 1_000;
const MAX_REMEMBERED = 50_000;

/** The gateway answers clients itself: refusals are HTTP 429 with Retry-After. */
const HTTP = { http: true } as const;

/** Who a request counts against: the verified token subject, else the client address. */
export function rateLimitKey(identity: Identity, address: string): string {
  return identity.sub ? `sub:${identity.sub}` : `ip:${address}`;
}

/**
 * Fixed-window budgets, counted in `store` (the rate_limits table: every
 * replica charges the same counter; memory: this process). Over budget a
 * request fails with HTTP 429, RATE_LIMITED and Retry-After before any parsing
 * or subgraph work. Failed authentications have their own, smaller budget per
 * address, so forged tokens cannot be tried at the request rate — and once it
 * is spent, tokens from that address are refused before being verified.
 */
export function createRateLimits(settings: RateLimitSettings): GatewayRateLimits {
  // Every signed-in request would otherwise read the shared failure counter (a database round
  // trip with the Postgres store) to learn what is nearly always "not blocked": an address
  // found clear is trusted for a second, so another replica's block reaches this one within
  // that second, and an address failing here is checked afresh on its next token.
  const recentlyClear = new Map<string, number>();
  const remember = (key: string, until: number) => {
    recentlyClear.delete(key);
    recentlyClear.set(key, until);
    if (recentlyClear.size > MAX_REMEMBERED) recentlyClear.delete(recentlyClear.keys().next().value!);
  };
  const requests = settings.requests ? createLimiter(settings.store, 'gw-req', settings.requests) : undefined;
  const failures = settings.authFailures
    ? createLimiter(settings.store, 'gw-authfail', settings.authFailures)
    : undefined;
  const requestsMessage = settings.requests
    ? `Rate limit of ${settings.requests.points} requests per ${settings.requests.durationS} s exceeded`
    : '';
  const failuresMessage = settings.authFailures
    ? `Too many failed authentications (${settings.authFailures.points} per ${settings.authFailures.durationS} s) from this address`
    : '';
  return {
    clientAddress: settings.clientAddress,
    async charge(identity, req) {
      if (requests)
        await consumeOrRefuse(requests, rateLimitKey(identity, settings.clientAddress(req)), requestsMessage, HTTP);
    },
    async refuseWhenAuthBlocked(req) {
      if (!failures) return;
      const key = `ip:${settings.clientAddress(req)}`;
      const now = Date.now();
      if ((recentlyClear.get(key) ?? 0) > now) return;
      await refuseWhenSpent(failures, key, failuresMessage, HTTP);
      remember(key, now + CLEAR_FOR_MS);
    },
    async chargeAuthFailure(req) {
      if (!failures) return;
      const key = `ip:${settings.clientAddress(req)}`;
      // This address just failed: its next token is checked against the shared counter again.
      recentlyClear.delete(key);
      await consumeOrRefuse(failures, key, failuresMessage, HTTP);
    },
  };
}
