import type { CatalogChanges } from './catalogChanges.ts';
import type { Identity } from '@recgraph/auth';
import type { PrismaClient } from '@recgraph/db';
import type { Availability, ProductStatus } from '@recgraph/db/generated/prisma/client';
import { badUserInput } from '@recgraph/subgraph-kit';
import { callerId } from './callers.ts';
import { assertSellable, TX_OPTIONS, type OrderView } from './carts.ts';
import { recordInteractions, type OutboxNotifier } from '@recgraph/interactions';

interface CheckoutContext {
  identity: Identity;
  prisma: PrismaClient;
  outbox: OutboxNotifier;
  changes: CatalogChanges;
  caller?: Promise<string>;
}

interface LockedLine {
  productId: string;
  quantity: number;
  unitPriceCents: number;
  addedAt: Date;
  title: string;
  sku: string;
  status: ProductStatus;
  availability: Availability;
  stock: number;
}

/**
 * Buys the caller's open cart. One transaction: lock the cart, lock its
 * products (in id order, so two checkouts sharing products cannot deadlock),
 * check every line, decrement stock, close the cart and record one PURCHASE
 * per line. Any refusal throws before commit, so nothing is half-done.
 */
export async function checkout(_: unknown, __: unknown, ctx: CheckoutContext): Promise<OrderView> {
  const userId = await callerId(ctx);
  const order = await ctx.prisma.$transaction(async (tx) => {
    const [cart] = await tx.$queryRaw<{ id: string; currency: string }[]>`
      SELECT id, currency FROM carts WHERE user_id = ${userId}::uuid AND status = 'OPEN' FOR UPDATE`;
    const lines = cart
      ? await tx.$queryRaw<LockedLine[]>`
          SELECT ci.product_id AS "productId", ci.quantity, ci.unit_price_cents AS "unitPriceCents",
                 ci.added_at AS "addedAt", p.title, p.sku, p.status, p.availability, p.stock
          FROM cart_items ci JOIN products p ON p.id = ci.product_id
          WHERE ci.cart_id = ${cart.id}::uuid
          ORDER BY p.id
          FOR UPDATE OF p`
      : [];
    if (!cart || !lines.length) throw badUserInput('Your cart is empty; add products before checking out.', 'cart');
    for (const line of lines) assertSellable(line, line.quantity, 'cart');

    await tx.$executeRaw`
      UPDATE products p
      SET stock = p.stock - l.quantity,
          availability = CASE WHEN p.stock - l.quantity = 0 THEN 'OUT_OF_STOCK'::"Availability" ELSE p.availability END,
          updated_at = now()
      FROM unnest(${lines.map((l) => l.productId)}::uuid[], ${lines.map((l) => l.quantity)}::int[]) AS l(id, quantity)
      WHERE p.id = l.id`;
    const [closed] = await tx.$queryRaw<{ checkedOutAt: Date }[]>`
      UPDATE carts SET status = 'CHECKED_OUT', checked_out_at = now(), updated_at = now()
      WHERE id = ${cart.id}::uuid
      RETURNING checked_out_at AS "checkedOutAt"`;
    const checkedOutAt = closed!.checkedOutAt;
    // A cart is checked out once, so (cart, product) identifies each purchase.
    await recordInteractions(
      tx,
      lines.map((l) => ({
        eventId: `checkout.${cart.id}.${l.productId}`,
        type: 'PURCHASE' as const,
        userId,
        productId: l.productId,
        value: l.quantity,
        occurredAt: checkedOutAt,
        source: 'checkout',
      })),
    );
    return {
      id: cart.id,
      currency: cart.currency,
      checkedOutAt,
      lines: lines.map((l) => ({
        productId: l.productId,
        quantity: l.quantity,
        unitPriceCents: l.unitPriceCents,
        currency: cart.currency,
        addedAt: new Date(l.addedAt),
      })),
    };
  }, TX_OPTIONS);
  ctx.outbox.kick();
  // Stock moved (and may have run out): recommendation caches re-read these products.
  ctx.changes.products(order.lines.map((l) => l.productId));
  return order;
}
