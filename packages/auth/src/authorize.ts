import { AuthError, type Identity, type Role, type Scope } from './identity.ts';

/** The caller must have one of `roles`. */
export function requireRole(identity: Identity, ...roles: Role[]): void {
  if (roles.includes(identity.role)) return;
  if (identity.role === 'anonymous') throw new AuthError('UNAUTHENTICATED', 'Sign in to do this.');
  throw new AuthError('FORBIDDEN', `This needs the ${roles.join(' or ')} role; you are ${identity.role}.`);
}

/** The caller must be signed in; returns their user id. */
export function requireUser(identity: Identity): string {
  if (identity.role === 'anonymous' || !identity.sub) throw new AuthError('UNAUTHENTICATED', 'Sign in to do this.');
  return identity.sub;
}

/**
 * May the caller act on `userId`'s private data (cart, profile, events)?
 * Customers: only themselves. Admins: anyone. Partners: never write.
 */
export function requireSelfOrAdmin(identity: Identity, userId: string): void {
  if (identity.role === 'admin') return;
  const me = requireUser(identity);
  if (identity.role === 'customer' && me === userId) return;
  throw new AuthError('FORBIDDEN', 'You can only access your own data.');
}

/**
 * May the caller read `userId`'s recommendations (or subscribe with scope
 * "subscribe")? Partners need the scope and the user in their token.
 */
export function requireReadAccess(identity: Identity, userId: string, scope: Scope = 'read'): void {
  if (identity.role === 'admin') return;
  if (identity.role === 'partner') {
    if (!identity.scopes.includes(scope))
      throw new AuthError('FORBIDDEN', `Your partner token lacks the "${scope}" scope.`);
    if (!identity.allowedUserIds.includes(userId))
      throw new AuthError('FORBIDDEN', 'Your partner token does not cover this user.');
    return;
  }
  requireSelfOrAdmin(identity, userId);
}
