import type { IncomingMessage } from 'node:http';
import { decodeJwt } from 'jose';
import { AuthError, type Identity, type TokenVerifier } from '@recgraph/auth';

/** WebSocket close codes of ours (4400-4499 as graphql-ws uses them). */
export const CloseCodes = {
  Unauthorized: 4401,
  TooManyConnections: 4429,
} as const;

/** What one acknowledged WebSocket connection is allowed, and what it holds. */
export interface ConnectionState {
  identity: Identity;
  /** `Bearer <jwt>`, forwarded on product lookups; absent for anonymous connections. */
  authorization: string | undefined;
  /** When the token stops being valid (ms since epoch); Infinity for anonymous connections. */
  expiresAt: number;
  /** Counts against the per-client connection limit. */
  clientKey: string;
  /** Ends every live subscription of the connection (their routing entries go with them). */
  readonly endings: Set<() => void>;
}

/**
 * The bearer token of a connection: connection_init's `authorization`
 * (browsers cannot set headers on a WebSocket), else the upgrade request's
 * Authorization header (server-side clients).
 */
export function connectionAuthorization(
  params: Readonly<Record<string, unknown>> | undefined,
  request: IncomingMessage,
): string | undefined {
  const fromParams = params?.authorization ?? params?.Authorization;
  if (typeof fromParams === 'string' && fromParams.trim()) return fromParams.trim();
  if (fromParams !== undefined && fromParams !== null && typeof fromParams !== 'string') {
    throw new AuthError('UNAUTHENTICATED', 'connection_init "authorization" must be a string "Bearer <token>".');
  }
  return request.headers.authorization?.trim() || undefined;
}

function tokenExpiry(authorization: string | undefined): number {
  if (!authorization) return Infinity;
  // Already verified, exp included (the verifier requires it); only read here.
  const exp = decodeJwt(authorization.replace(/^Bearer\s+/i, '')).exp;
  return typeof exp === 'number' ? exp * 1000 : Infinity;
}

/**
 * Verifies the connection's token with the same verifier as HTTP; throws AuthError.
 * `clientAddress` resolves the peer behind trusted proxies, as on HTTP.
 */
export async function authenticateConnection(
  verify: TokenVerifier,
  params: Readonly<Record<string, unknown>> | undefined,
  request: IncomingMessage,
  clientAddress: (req: IncomingMessage) => string,
): Promise<ConnectionState> {
  const authorization = connectionAuthorization(params, request);
  const identity = await verify(authorization);
  return {
    identity,
    authorization,
    expiresAt: tokenExpiry(authorization),
    clientKey: identity.sub ? `sub:${identity.sub}` : `ip:${clientAddress(request)}`,
    endings: new Set(),
  };
}

/** Open connections per client, to cap what one token or address can hold. */
export class ConnectionCounter {
  readonly #counts = new Map<string, number>();

  constructor(private readonly max: number) {}

  tryAcquire(key: string): boolean {
    const n = this.#counts.get(key) ?? 0;
    if (n >= this.max) return false;
    this.#counts.set(key, n + 1);
    return true;
  }

  release(key: string): void {
    const n = (this.#counts.get(key) ?? 0) - 1;
    if (n > 0) this.#counts.set(key, n);
    else this.#counts.delete(key);
  }

  get size(): number {
    let n = 0;
    for (const c of this.#counts.values()) n += c;
    return n;
  }
}
