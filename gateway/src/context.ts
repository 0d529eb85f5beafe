import type { IncomingMessage } from 'node:http';
import { AuthError, signForwardedIdentity, type Identity, type TokenVerifier } from '@recgraph/auth';
import { authGraphQLError } from '@recgraph/subgraph-kit';
import type { GatewayRateLimits } from './protection/rateLimit.ts';

/** Per-request gateway context. */
export interface GatewayContext {
  identity: Identity;
  /** The identity signed for subgraphs (x-recgraph-identity). */
  forwardedIdentity: string;
}

/**
 * Verifies the bearer token once per request. A missing token is anonymous;
 * a bad one fails the whole request with 401 UNAUTHENTICATED rather than
 * silently continuing as anonymous, and is charged to the client address's
 * failed-authentication budget (429 RATE_LIMITED once spent). The request rate
 * limit is charged once the caller is known, so a signed-in user's budget
 * follows them across addresses.
 */
export function gatewayContext(verify: TokenVerifier, identityKey: string, limits?: GatewayRateLimits) {
  return async (req: IncomingMessage): Promise<GatewayContext> => {
    let identity: Identity;
    if (req.headers.authorization) await limits?.refuseWhenAuthBlocked(req);
    try {
      identity = await verify(req.headers.authorization);
    } catch (err) {
      if (err instanceof AuthError) {
        await limits?.chargeAuthFailure(req);
        throw authGraphQLError(err);
      }
      throw err;
    }
    await limits?.charge(identity, req);
    return { identity, forwardedIdentity: await signForwardedIdentity(identity, identityKey) };
  };
}
