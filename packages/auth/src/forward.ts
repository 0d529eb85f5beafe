import { jwtVerify, SignJWT } from 'jose';
import { AuthError, type Identity, ROLES, SCOPES } from './identity.ts';
import { z } from 'zod';
import { ExpiringCache } from './expiringCache.ts';

/**
 * What the gateway and subgraphs share: the bearer the gateway sends with every call
 * (SUBGRAPH_SECRET) and the key it signs caller identities with (IDENTITY_SIGNING_KEY).
 * Two keys, so a party that learns the bearer still cannot mint an admin identity.
 */
export interface GatewaySecrets {
  bearer: string;
  identityKey: string;
}

/** Header the gateway uses to pass the verified identity to subgraphs. */
export const IDENTITY_HEADER = 'x-recgraph-identity';

const forwardedSchema = z.object({
  role: z.enum(ROLES),
  sub: z.string().optional(),
  scopes: z.array(z.enum(SCOPES)),
  users: z.array(z.string()),
});

/**
 * Signs the identity with the identity signing key (HS256, 60 s). A
 * subgraph trusts only identities it can verify, so a client that reaches a
 * subgraph directly cannot claim to be someone else.
 */
export async function signForwardedIdentity(identity: Identity, identityKey: string): Promise<string> {
  // The same caller's identity is signed once per half-minute, not once per request: a copy
  // is reused while it has more than half of its 60 s left (subgraphs accept it until then).
  const cacheKey = JSON.stringify([identity.role, identity.sub ?? null, identity.scopes, identity.allowedUserIds]);
  const cache = cacheFor(signed, identityKey);
  const hit = cache.get(cacheKey);
  if (hit) return hit;
  const token = await new SignJWT({
    role: identity.role,
    ...(identity.sub ? { sub: identity.sub } : {}),
    scopes: identity.scopes,
    users: identity.allowedUserIds,
  })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setExpirationTime(`${FORWARDED_TTL_S}s`)
    .setIssuer('recgraph-gateway')
    .sign(new TextEncoder().encode(identityKey));
  cache.set(cacheKey, token, Date.now() + (FORWARDED_TTL_S / 2) * 1000);
  return token;
}

const FORWARDED_TTL_S = 60;
const CACHED_IDENTITIES = 10_000;
/** Per identity key (a process normally has one): signed tokens by identity, identities by verified header. */
const signed = new Map<string, ExpiringCache<string>>();
const verified = new Map<string, ExpiringCache<Identity>>();
function cacheFor<V>(caches: Map<string, ExpiringCache<V>>, identityKey: string): ExpiringCache<V> {
  let c = caches.get(identityKey);
  if (!c) caches.set(identityKey, (c = new ExpiringCache<V>(CACHED_IDENTITIES)));
  return c;
}

export async function readForwardedIdentity(header: string | undefined, identityKey: string): Promise<Identity> {
  if (!header) throw new AuthError('UNAUTHENTICATED', 'Request did not come through the gateway.');
  // A header verified before is the same bytes under the same key: valid until its own expiry.
  const cache = cacheFor(verified, identityKey);
  const hit = cache.get(header);
  if (hit) return hit;
  try {
    const { payload } = await jwtVerify(header, new TextEncoder().encode(identityKey), {
      issuer: 'recgraph-gateway',
      algorithms: ['HS256'],
    });
    const p = forwardedSchema.parse(payload);
    const identity: Identity = { role: p.role, sub: p.sub, scopes: p.scopes, allowedUserIds: p.users };
    if (payload.exp !== undefined) cache.set(header, identity, payload.exp * 1000);
    return identity;
  } catch {
    throw new AuthError('UNAUTHENTICATED', 'Forwarded identity is invalid or expired.');
  }
}
