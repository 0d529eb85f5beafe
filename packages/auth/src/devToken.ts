import { SignJWT } from 'jose';
import type { Role, Scope } from './identity.ts';

export interface DevTokenOptions {
  sub: string;
  role: Exclude<Role, 'anonymous'>;
  scopes?: Scope[];
  users?: string[];
  /** jose duration, e.g. "1h", "15m". */
  expiresIn?: string;
  issuer?: string | undefined;
  audience?: string | undefined;
}

/** An HS256 token for local use and tests (production uses your identity provider). */
export async function signDevToken(secret: string, o: DevTokenOptions): Promise<string> {
  let jwt = new SignJWT({
    role: o.role,
    ...(o.scopes?.length ? { scope: o.scopes.join(' ') } : {}),
    ...(o.users ? { users: o.users } : {}),
  })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(o.sub)
    .setIssuedAt()
    .setExpirationTime(o.expiresIn ?? '1h');
  if (o.issuer) jwt = jwt.setIssuer(o.issuer);
  if (o.audience) jwt = jwt.setAudience(o.audience);
  return jwt.sign(new TextEncoder().encode(secret));
}
