import { jwtVerify, SignJWT } from 'jose';
import { AuthError, type Identity, ROLES, SCOPES } from './identity.ts';
import { z } from 'zod';

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
  return new SignJWT({
    role: identity.role,
    ...(identity.sub ? { sub: identity.sub } : {}),
    scopes: identity.scopes,
    users: identity.allowedUserIds,
  })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setExpirationTime('60s')
    .setIssuer('recgraph-gateway')
    .sign(new TextEncoder().encode(identityKey));
}

export async function readForwardedIdentity(header: string | undefined, identityKey: string): Promise<Identity> {
  if (!header) throw new AuthError('UNAUTHENTICATED', 'Request did not come through the gateway.');
  try {
    const { payload } = await jwtVerify(header, new TextEncoder().encode(identityKey), {
      issuer: 'recgraph-gateway',
      algorithms: ['HS256'],
    });
    const p = forwardedSchema.parse(payload);
    return { role: p.role, sub: p.sub, scopes: p.scopes, allowedUserIds: p.users };
  } catch {
    throw new AuthError('UNAUTHENTICATED', 'Forwarded identity is invalid or expired.');
  }
}
