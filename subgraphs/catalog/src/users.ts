import type { CatalogChanges } from './catalogChanges.ts';
import { requireRole, requireSelfOrAdmin, type Identity } from '@recgraph/auth';
import type { PrismaClient } from '@recgraph/db';
import type { User, UserPreference } from '@recgraph/db/generated/prisma/client';
import { badUserInput, isUuid, money, notFound, requireUuid } from '@recgraph/subgraph-kit';
import { z } from 'zod';
import { callerId, isStoreUser, requireStoreUser } from './callers.ts';
import { isUniqueViolation } from './dbErrors.ts';
import type { CatalogLoaders } from './loaders.ts';
import { distinctList, email, majorUnits, optionalText, parseInput, text, uuid } from './validation.ts';

interface UsersContext {
  identity: Identity;
  prisma: PrismaClient;
  loaders: CatalogLoaders;
  changes: CatalogChanges;
  caller?: Promise<string>;
}

/** Preferences have no currency of their own; the store sells in USD. */
const STORE_CURRENCY = 'USD';

const profileInput = z
  .object({ displayName: optionalText(100), email: email.nullish() })
  .refine((p) => p.displayName !== undefined || p.email !== undefined, 'give displayName and/or email');

const preferencesInput = z
  .object({
    categoryIds: distinctList(uuid, 50),
    brands: distinctList(text(100), 50),
    likedProductIds: distinctList(uuid, 100),
    priceMin: majorUnits(1e7).nullish(),
    priceMax: majorUnits(1e7).nullish(),
  })
  .refine((p) => p.priceMin == null || p.priceMax == null || p.priceMin <= p.priceMax, {
    path: ['priceMin'],
    message: 'must not exceed priceMax',
  });

const createUserInput = z.object({
  id: uuid.nullish(),
  externalId: text(200),
  email: email.nullish(),
  displayName: optionalText(100),
  role: z.enum(['CUSTOMER', 'PARTNER', 'ADMIN']),
});

function emailTaken(err: unknown): never {
  if (isUniqueViolation(err, 'email')) throw badUserInput('That email address is already in use.', 'input.email');
  throw err;
}

async function requireExisting(
  prisma: PrismaClient,
  kind: 'category' | 'product',
  ids: string[],
  argument: string,
): Promise<void> {
  if (!ids.length) return;
  const found =
    kind === 'category'
      ? await prisma.category.findMany({ where: { id: { in: ids } }, select: { id: true } })
      : await prisma.product.findMany({ where: { id: { in: ids } }, select: { id: true } });
  const known = new Set(found.map((r) => r.id));
  const missing = ids.filter((id) => !known.has(id));
  if (missing.length) throw notFound(`No ${kind} with id ${missing.join(', ')} (${argument})`);
}

export const userQueries = {
  me: async (_: unknown, __: unknown, ctx: UsersContext) => {
    if (!isStoreUser(ctx.identity)) return null;
    return ctx.prisma.user.findUnique({ where: { id: await callerId(ctx) } });
  },
  user: async (_: unknown, { id }: { id: string }, ctx: UsersContext) => {
    const userId = requireUuid(id, 'id');
    requireSelfOrAdmin(ctx.identity, userId);
    // A customer asking for themself gets their row even before their first other call.
    if (ctx.identity.role === 'customer') await callerId(ctx);
    return ctx.prisma.user.findUnique({ where: { id: userId } });
  },
};

export const userMutations = {
  updateProfile: async (_: unknown, args: { input: unknown }, ctx: UsersContext) => {
    const me = await callerId(ctx);
    const input = parseInput(profileInput, args.input, 'input');
    return ctx.prisma.user
      .update({
        where: { id: me },
        data: {
          ...(input.displayName !== undefined ? { displayName: input.displayName } : {}),
          ...(input.email !== undefined ? { email: input.email } : {}),
        },
      })
      .catch(emailTaken);
  },

  setPreferences: async (_: unknown, args: { input: unknown }, ctx: UsersContext) => {
    const me = await callerId(ctx);
    const p = parseInput(preferencesInput, args.input, 'input');
    await requireExisting(ctx.prisma, 'category', p.categoryIds, 'input.categoryIds');
    await requireExisting(ctx.prisma, 'product', p.likedProductIds, 'input.likedProductIds');
    const data = {
      categoryIds: p.categoryIds,
      brands: p.brands,
      likedProductIds: p.likedProductIds,
      priceMinCents: p.priceMin ?? null,
      priceMaxCents: p.priceMax ?? null,
    };
    const user = await ctx.prisma.user.update({
      where: { id: me },
      data: { preferences: { upsert: { create: data, update: data } } },
    });
    // Cold-start lists are built from stated preferences: cached ones must go.
    ctx.changes.users([me]);
    return user;
  },

  createUser: async (_: unknown, args: { input: unknown }, ctx: UsersContext) => {
    requireRole(ctx.identity, 'admin');
    const input = parseInput(createUserInput, args.input, 'input');
    try {
      return await ctx.prisma.user.create({
        data: {
          ...(input.id ? { id: input.id } : {}),
          externalId: input.externalId,
          email: input.email ?? null,
          displayName: input.displayName ?? null,
          role: input.role,
        },
      });
    } catch (err) {
      if (isUniqueViolation(err, 'external_id') || isUniqueViolation(err, 'externalId'))
        throw badUserInput('A user with this externalId already exists.', 'input.externalId');
      if (isUniqueViolation(err, 'email')) emailTaken(err);
      if (isUniqueViolation(err)) throw badUserInput('A user with this id already exists.', 'input.id');
      throw err;
    }
  },
};

type UserWithPrefs = User & { preferences?: UserPreference | null };

export const userFields = {
  User: {
    // Other subgraphs may extend User; the profile is private to its owner and admins.
    __resolveReference: async (ref: { id: string }, ctx: UsersContext) => {
      if (!isUuid(ref.id)) return null;
      const id = ref.id.toLowerCase();
      requireSelfOrAdmin(ctx.identity, id);
      if (ctx.identity.role === 'customer') await requireStoreUser(ctx.prisma, ctx.identity);
      return ctx.prisma.user.findUnique({ where: { id } });
    },
    preferences: (u: UserWithPrefs, _: unknown, ctx: UsersContext) =>
      u.preferences !== undefined ? u.preferences : ctx.prisma.userPreference.findUnique({ where: { userId: u.id } }),
    createdAt: (u: User) => u.createdAt.toISOString(),
  },
  Preferences: {
    categories: async (p: UserPreference, _: unknown, ctx: UsersContext) =>
      (await ctx.loaders.categoryById.loadMany(p.categoryIds)).filter((c) => c && !(c instanceof Error)),
    likedProducts: async (p: UserPreference, _: unknown, ctx: UsersContext) =>
      (await ctx.loaders.productById.loadMany(p.likedProductIds)).filter((c) => c && !(c instanceof Error)),
    priceMin: (p: UserPreference) => (p.priceMinCents == null ? null : money(p.priceMinCents, STORE_CURRENCY)),
    priceMax: (p: UserPreference) => (p.priceMaxCents == null ? null : money(p.priceMaxCents, STORE_CURRENCY)),
    updatedAt: (p: UserPreference) => p.updatedAt.toISOString(),
  },
};
