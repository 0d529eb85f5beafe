import { requireRole, type Identity } from '@recgraph/auth';
import type { PrismaClient } from '@recgraph/db';
import { badUserInput, notFound } from '@recgraph/subgraph-kit';
import { z } from 'zod';
import type { CatalogChanges } from './catalogChanges.ts';
import { callerId } from './callers.ts';
import { TX_OPTIONS } from './carts.ts';
import { parseInput, text, uuid } from './validation.ts';

interface ReviewsContext {
  identity: Identity;
  prisma: PrismaClient;
  caller?: Promise<string>;
  /** A review changes what the assistant's knowledge base says of the product (and its rating summary). */
  changes?: CatalogChanges;
}

const reviewInput = z.object({
  productId: uuid,
  rating: z.number().int('must be a whole number').min(1, 'must be 1..5').max(5, 'must be 1..5'),
  title: text(200).nullish(),
  body: text(5000),
});

/**
 * One review per user and product (a unique index): a second call replaces the
 * caller's rating, title and body, so a client that retries or lets a user edit
 * needs no separate mutation.
 */
export async function createReview(_: unknown, args: { input: unknown }, ctx: ReviewsContext) {
  requireRole(ctx.identity, 'customer', 'admin');
  const userId = await callerId(ctx);
  const input = parseInput(reviewInput, args.input, 'input');
  const review = await ctx.prisma.$transaction(async (tx) => {
    const product = await tx.product.findUnique({
      where: { id: input.productId },
      select: { status: true, sku: true },
    });
    if (!product) throw notFound(`No product with id ${input.productId}`);
    if (product.status !== 'ACTIVE')
      throw badUserInput(`${product.sku} is no longer sold and cannot be reviewed.`, 'input.productId');
    const fields = { rating: input.rating, title: input.title ?? null, body: input.body };
    return tx.review.upsert({
      where: { productId_userId: { productId: input.productId, userId } },
      create: { productId: input.productId, userId, ...fields },
      update: fields,
    });
  }, TX_OPTIONS);
  ctx.changes?.products([input.productId]);
  return review;
}
