import type { IncomingMessage } from 'node:http';
import { ANONYMOUS, AuthError, IDENTITY_HEADER, readForwardedIdentity, type Identity } from '@recgraph/auth';
import { GraphQLError } from 'graphql';
import { ErrorCode } from './errors.ts';

/** An AuthError as the GraphQL error clients see (401 for UNAUTHENTICATED when it fails the whole request). */
export function authGraphQLError(err: AuthError): GraphQLError {
  return new GraphQLError(err.message, {
    extensions: {
      code: err.code === 'UNAUTHENTICATED' ? ErrorCode.UNAUTHENTICATED : ErrorCode.FORBIDDEN,
      http: { status: err.code === 'UNAUTHENTICATED' ? 401 : 403 },
    },
  });
}

/**
 * The caller's identity as the gateway verified and signed it. The gateway
 * secret has already been checked by the guard, so a request without the
 * header is the gateway itself (composition, health) acting anonymously; a
 * header that does not verify is refused.
 */
export async function forwardedIdentity(req: IncomingMessage, identityKey: string): Promise<Identity> {
  const header = req.headers[IDENTITY_HEADER];
  if (header === undefined) return ANONYMOUS;
  try {
    return await readForwardedIdentity(Array.isArray(header) ? header[0] : header, identityKey);
  } catch (err) {
    if (err instanceof AuthError) throw authGraphQLError(err);
    throw err;
  }
}
