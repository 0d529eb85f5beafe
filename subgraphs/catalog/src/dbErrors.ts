import { Prisma } from '@recgraph/db';

/**
 * True when `err` is a unique-constraint violation, optionally on a column
 * named `field`. Prisma reports them as P2002 (model API) or, for raw SQL
 * through the pg adapter, with the Postgres code 23505 underneath.
 */
export function isUniqueViolation(err: unknown, field?: string): boolean {
  if (!(err instanceof Prisma.PrismaClientKnownRequestError)) return false;
  const text = JSON.stringify(err.meta ?? {}) + err.message;
  const unique = err.code === 'P2002' || text.includes('23505');
  return unique && (field === undefined || text.includes(field));
}
