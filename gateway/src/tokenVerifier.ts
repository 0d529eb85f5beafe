import { createTokenVerifier, type TokenVerifier } from '@recgraph/auth';
import { DEV_JWT_SECRET, type Config } from '@recgraph/config';

/**
 * Token verification as configured. Outside production an unset
 * JWT_HS256_SECRET falls back to the development secret that
 * `npm run token` signs with; config validation forbids that in production.
 */
export function tokenVerifierFromConfig(cfg: Config): TokenVerifier {
  return createTokenVerifier({
    hs256Secret: cfg.JWT_HS256_SECRET ?? (cfg.NODE_ENV === 'production' ? undefined : DEV_JWT_SECRET),
    jwksUrl: cfg.JWT_JWKS_URL,
    issuer: cfg.JWT_ISSUER,
    audience: cfg.JWT_AUDIENCE,
  });
}
