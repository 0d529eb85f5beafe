import type { CatalogChanges } from './catalogChanges.ts';
import { requireRole, type Identity } from '@recgraph/auth';
import type { PrismaClient } from '@recgraph/db';
import { badUserInput, notFound, requireUuid } from '@recgraph/subgraph-kit';
import { z } from 'zod';
import { TX_OPTIONS } from './carts.ts';
import { isUniqueViolation } from './dbErrors.ts';
import type { Tx } from '@recgraph/interactions';
import { parseInput, text, uuid } from './validation.ts';

interface AdminContext {
  identity: Identity;
  prisma: PrismaClient;
  changes: CatalogChanges;
}

const AVAILABILITY = ['IN_STOCK', 'LOW_STOCK', 'OUT_OF_STOCK', 'PREORDER', 'DISCONTINUED'] as const;

const fields = {
  sku: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1..64 of letters, digits, ".", "_" or "-"'),
  title: text(200),
  description: z.string().trim().max(10_000, 'must be at most 10000 characters'),
  brand: text(100).nullable(),
  categoryId: uuid.nullable(),
  priceCents: z.number().int('must be whole cents').min(0, 'must not be negative').max(1e11, 'is too large'),
  currency: z
    .string()
    .trim()
    .regex(/^[A-Za-z]{3}$/, 'must be a three-letter ISO-4217 code')
    .transform((s) => s.toUpperCase()),
  stock: z.number().int('must be a whole number').min(0, 'must not be negative').max(1e9, 'is too large'),
  availability: z.enum(AVAILABILITY),
  imageUrl: z
    .string()
    .trim()
    .max(2000, 'must be at most 2000 characters')
    .regex(/^(https?:\/\/\S+|\/images\/[A-Za-z0-9._-]+)$/, 'must be an http(s) URL or /images/<file>')
    .nullable(),
  specs: z
    .array(z.object({ name: text(100), value: z.string().max(1000, 'must be at most 1000 characters') }))
    .max(100, 'must have at most 100 entries')
    .refine((s) => new Set(s.map((x) => x.name)).size === s.length, 'names must be distinct'),
  status: z.enum(['ACTIVE', 'ARCHIVED']),
};

const createInput = z.object({
  ...fields,
  description: fields.description.nullish().transform((d) => d ?? ''),
  brand: fields.brand.optional(),
  categoryId: fields.categoryId.optional(),
  currency: fields.currency.nullish().transform((c) => c ?? 'USD'),
  availability: fields.availability.nullish().transform((a) => a ?? 'IN_STOCK'),
  imageUrl: fields.imageUrl.optional(),
  specs: fields.specs.nullish().transform((s) => s ?? []),
  status: fields.status.optional(),
});

// Absent → unchanged; null clears only the nullable columns.
const updateInput = z
  .object({
    sku: fields.sku.optional(),
    title: fields.title.optional(),
    description: fields.description.optional(),
    brand: fields.brand.optional(),
    categoryId: fields.categoryId.optional(),
    priceCents: fields.priceCents.optional(),
    currency: fields.currency.optional(),
    stock: fields.stock.optional(),
    availability: fields.availability.optional(),
    imageUrl: fields.imageUrl.optional(),
    specs: fields.specs.optional(),
    status: fields.status.optional(),
  })
  .refine((u) => Object.values(u).some((v) => v !== undefined), 'give at least one field to change');

const specsToAttributes = (specs: { name: string; value: string }[]) =>
  Object.fromEntries(specs.map((s) => [s.name, s.value]));

async function requireCategory(tx: Tx, categoryId: string | null | undefined): Promise<void> {
  if (!categoryId) return;
  if (!(await tx.category.findUnique({ where: { id: categoryId }, select: { id: true } }))) {
    throw notFound(`No category with id ${categoryId} (input.categoryId)`);
  }
}

async function requireFreeSku(tx: Tx, sku: string | undefined, exceptId?: string): Promise<void> {
  if (sku === undefined) return;
  const holder = await tx.product.findUnique({ where: { sku }, select: { id: true } });
  if (holder && holder.id !== exceptId)
    throw badUserInput(`SKU ${sku} is already used by product ${holder.id}.`, 'input.sku');
}

function skuClash(err: unknown): never {
  if (isUniqueViolation(err, 'sku')) throw badUserInput('That SKU is already in use.', 'input.sku');
  throw err;
}

export const productAdminMutations = {
  createProduct: async (_: unknown, args: { input: unknown }, ctx: AdminContext) => {
    requireRole(ctx.identity, 'admin');
    const { specs, ...input } = parseInput(createInput, args.input, 'input');
    return ctx.prisma
      .$transaction(async (tx) => {
        await requireFreeSku(tx, input.sku);
        await requireCategory(tx, input.categoryId);
        return tx.product.create({ data: { ...input, attributes: specsToAttributes(specs), source: 'admin' } });
      }, TX_OPTIONS)
      .catch(skuClash)
      .then((p) => (ctx.changes.products([p.id]), p));
  },

  updateProduct: async (_: unknown, args: { id: string; input: unknown }, ctx: AdminContext) => {
    requireRole(ctx.identity, 'admin');
    const id = requireUuid(args.id, 'id');
    const { specs, ...input } = parseInput(updateInput, args.input, 'input');
    return ctx.prisma
      .$transaction(async (tx) => {
        if (!(await tx.product.findUnique({ where: { id }, select: { id: true } })))
          throw notFound(`No product with id ${id}`);
        await requireFreeSku(tx, input.sku, id);
        await requireCategory(tx, input.categoryId);
        return tx.product.update({
          where: { id },
          data: { ...input, ...(specs ? { attributes: specsToAttributes(specs) } : {}) },
        });
      }, TX_OPTIONS)
      .catch(skuClash)
      .then((p) => (ctx.changes.products([p.id]), p));
  },

  archiveProduct: async (_: unknown, args: { id: string }, ctx: AdminContext) => {
    requireRole(ctx.identity, 'admin');
    const id = requireUuid(args.id, 'id');
    const found = await ctx.prisma.product.updateMany({ where: { id }, data: { status: 'ARCHIVED' } });
    if (!found.count) throw notFound(`No product with id ${id}`);
    ctx.changes.products([id]);
    return ctx.prisma.product.findUniqueOrThrow({ where: { id } });
  },
};
