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
      if (failures) await refuseWhenSpent(failures, `ip:${settings.clientAddress(req)}`, failuresMessage, HTTP);
    },
    async chargeAuthFailure(req) {
      if (failures) await consumeOrRefuse(failures, `ip:${settings.clientAddress(req)}`, failuresMessage, HTTP);
    },
  };
}
