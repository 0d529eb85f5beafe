import { z } from 'zod';

export const ROLES = ['anonymous', 'customer', 'partner', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Scopes a partner token may carry. */
export const SCOPES = ['read', 'subscribe'] as const;
export type Scope = (typeof SCOPES)[number];

/** Who is calling, as verified at the gateway and forwarded to subgraphs. */
export interface Identity {
  role: Role;
  /** Token subject; for customers and admins it is their users.id. */
  sub?: string | undefined;
  scopes: Scope[];
  /** Partner only: the user ids its token lets it read and subscribe to. */
  allowedUserIds: string[];
}

export const ANONYMOUS: Identity = Object.freeze({ role: 'anonymous', scopes: [], allowedUserIds: [] }) as Identity;

/** The claims Recgraph reads from a bearer token. Unknown claims are ignored. */
export const claimsSchema = z.object({
  sub: z.string().min(1).max(200),
  role: z.enum(['customer', 'partner', 'admin']).default('customer'),
  scope: z
    .string()
    .optional()
    .transform((s) => (s ? s.split(/\s+/).filter(Boolean) : []))
    .pipe(z.array(z.enum(SCOPES))),
  users: z.array(z.string().min(1).max(200)).max(10_000).optional(),
});

export function identityFromClaims(claims: unknown): Identity {
  const c = claimsSchema.parse(claims);
  return {
    role: c.role,
    sub: c.sub,
    // Customers and admins implicitly read and subscribe to what they may see.
    scopes: c.role === 'partner' ? c.scope : ['read', 'subscribe'],
    allowedUserIds: c.role === 'partner' ? (c.users ?? []) : [],
  };
}

/** Access failures; the GraphQL edge turns `code` into extensions.code. */
export class AuthError extends Error {
  override name = 'AuthError';
  constructor(
    readonly code: 'UNAUTHENTICATED' | 'FORBIDDEN',
    message: string,
  ) {
    super(message);
  }
}
