import { createRemoteJWKSet, decodeProtectedHeader, errors, importSPKI, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { ZodError } from 'zod';
import { ExpiringCache } from './expiringCache.ts';
import { ANONYMOUS, AuthError, identityFromClaims, type Identity } from './identity.ts';

export interface TokenVerifierOptions {
  /** Shared secret for HS256 tokens (at least 32 bytes). */
  hs256Secret?: string | undefined;
  /** JWKS endpoint for RS256 tokens (keys fetched and cached by jose). */
  jwksUrl?: string | undefined;
  /** Or a fixed RS256 public key (PEM, SPKI). */
  rs256PublicKeyPem?: string | undefined;
  issuer?: string | undefined;
  audience?: string | undefined;
  clockToleranceSeconds?: number;
  /** Verified tokens kept until they expire (at most a minute); 0: verify every time. Default 10 000. */
  cacheSize?: number;
}

export type TokenVerifier = (authorization: string | undefined) => Promise<Identity>;

/**
 * Verifies `Authorization: Bearer <jwt>` with jose. No header → anonymous; a
 * header that is present but wrong (malformed, expired, forged, unsupported
 * algorithm) → UNAUTHENTICATED, never a silent downgrade to anonymous.
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const secret = options.hs256Secret ? new TextEncoder().encode(options.hs256Secret) : undefined;
  const jwks: JWTVerifyGetKey | undefined = options.jwksUrl ? createRemoteJWKSet(new URL(options.jwksUrl)) : undefined;
  let pem: ReturnType<typeof importSPKI> | undefined;
  if (options.rs256PublicKeyPem) pem = importSPKI(options.rs256PublicKeyPem, 'RS256');

  // A token verified before is the same bytes: good until its expiry, re-verified at least every minute
  // (so a key removed from the JWKS stops being honoured within one). Failures are never cached.
  const verified = new ExpiringCache<Identity>(options.cacheSize ?? 10_000);
  return async (authorization) => {
    if (!authorization) return ANONYMOUS;
    const match = /^Bearer\s+([A-Za-z0-9._~+/=-]+)$/.exec(authorization.trim());
    if (!match) throw new AuthError('UNAUTHENTICATED', 'Authorization header must be "Bearer <token>".');
    const token = match[1]!;
    const hit = verified.get(token);
    if (hit) return hit;
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw new AuthError('UNAUTHENTICATED', 'Bearer token is not a well-formed JWT.');
    }
    const common = {
      ...(options.issuer ? { issuer: options.issuer } : {}),
      ...(options.audience ? { audience: options.audience } : {}),
      clockTolerance: options.clockToleranceSeconds ?? 5,
    };
    try {
      let payload;
      if (alg === 'HS256' && secret) {
        ({ payload } = await jwtVerify(token, secret, { ...common, algorithms: ['HS256'] }));
      } else if (alg === 'RS256' && jwks) {
        ({ payload } = await jwtVerify(token, jwks, { ...common, algorithms: ['RS256'] }));
      } else if (alg === 'RS256' && pem) {
        ({ payload } = await jwtVerify(token, await pem, { ...common, algorithms: ['RS256'] }));
      } else {
        throw new AuthError('UNAUTHENTICATED', `Tokens signed with ${alg ?? 'no algorithm'} are not accepted here.`);
      }
      if (payload.exp === undefined) throw new AuthError('UNAUTHENTICATED', 'Token has no expiry (exp claim).');
      const identity = identityFromClaims(payload);
      verified.set(token, identity, Math.min(payload.exp * 1000, Date.now() + 60_000));
      return identity;
    } catch (err) {
      if (err instanceof AuthError) throw err;
      if (err instanceof errors.JWTExpired) throw new AuthError('UNAUTHENTICATED', 'Token has expired; get a new one.');
      if (err instanceof errors.JWSSignatureVerificationFailed)
        throw new AuthError('UNAUTHENTICATED', 'Token signature is invalid.');
      if (err instanceof errors.JWTClaimValidationFailed)
        throw new AuthError('UNAUTHENTICATED', `Token claim "${err.claim}" is invalid: ${err.reason}.`);
      if (err instanceof ZodError)
        throw new AuthError(
          'UNAUTHENTICATED',
          `Token claims are invalid: ${err.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}.`,
        );
      throw new AuthError('UNAUTHENTICATED', `Token rejected: ${(err as Error).message}`);
    }
  };
}
