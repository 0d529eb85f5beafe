import { AuthError, requireUser, type Identity } from '@recgraph/auth';
import type { PrismaClient } from '@recgraph/db';
import { isUuid } from '@recgraph/subgraph-kit';

const ROW_ROLE = { customer: 'CUSTOMER', admin: 'ADMIN' } as const;

/** Customers and admins are store users with a users row; partners are API clients. */
export const isStoreUser = (identity: Identity): boolean =>
  (identity.role === 'customer' || identity.role === 'admin') && !!identity.sub && isUuid(identity.sub);

/**
 * The caller's users.id, creating the row on first use: users live in the
 * identity provider, and a token's `sub` is their Recgraph id, so the first
 * call that needs the row makes it (idempotently, safe under concurrency).
 * Anonymous → UNAUTHENTICATED; partners → FORBIDDEN.
 */
export async function requireStoreUser(prisma: PrismaClient, identity: Identity): Promise<string> {
  const sub = requireUser(identity);
  if (identity.role === 'partner') {
    throw new AuthError('FORBIDDEN', 'Partner tokens cannot act as a store user; use a customer token.');
  }
  if (!isUuid(sub)) {
    throw new AuthError('UNAUTHENTICATED', 'Your token subject is not a Recgraph user id (a UUID); ask an admin.');
  }
  const id = sub.toLowerCase();
  const role = ROW_ROLE[identity.role as keyof typeof ROW_ROLE];
  // external_id is unique and required; a user created this way is keyed by their subject.
  await prisma.$executeRaw`
    INSERT INTO users (id, external_id, role, updated_at)
    VALUES (${id}::uuid, ${'sub:' + id}, ${role}::"UserRole", now())
    ON CONFLICT DO NOTHING`;
  return id;
}

/** requireStoreUser, once per request. */
export function callerId(ctx: { prisma: PrismaClient; identity: Identity; caller?: Promise<string> }): Promise<string> {
  ctx.caller ??= requireStoreUser(ctx.prisma, ctx.identity);
  return ctx.caller;
}
