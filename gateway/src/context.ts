import type { IncomingMessage } from 'node:http';
import { AuthError, signForwardedIdentity, type Identity, type TokenVerifier } from '@recgraph/auth';
import { authGraphQLError } from '@recgraph/subgraph-kit';
import type { RateLimitCheck } from './protection/rateLimit.ts';

/** Per-request gateway context. */
export interface GatewayContext {
  identity: Identity;
  /** The identity signed for subgraphs (x-recgraph-identity). */
  forwardedIdentity: string;
}

/**
 * Verifies the bearer token once per request. A missing token is anonymous;
 * a bad one fails the whole request with 401 UNAUTHENTICATED rather than
 * silently continuing as anonymous. The rate limit is charged here, once the
 * caller is known, so a signed-in user's budget follows them across addresses.
 */
export function gatewayContext(verify: TokenVerifier, identityKey: string, rateLimit?: RateLimitCheck) {
  return async (req: IncomingMessage): Promise<GatewayContext> => {
    let identity: Identity;
    try {
      identity = await verify(req.headers.authorization);
    } catch (err) {
      if (err instanceof AuthError) throw authGraphQLError(err);
      throw err;
    }
    await rateLimit?.(identity, req);
    return { identity, forwardedIdentity: await signForwardedIdentity(identity, identityKey) };
  };
}
