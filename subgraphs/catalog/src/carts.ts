import type { Identity } from '@recgraph/auth';
import type { PrismaClient } from '@recgraph/db';
import type { Product } from '@recgraph/db/generated/prisma/client';
import { badUserInput, money, notFound, requireUuid } from '@recgraph/subgraph-kit';
import { callerId } from './callers.ts';
import { recordInteractions, type OutboxNotifier, type Tx } from '@recgraph/interactions';
import type { CatalogLoaders } from './loaders.ts';

interface CartsContext {
  identity: Identity;
  prisma: PrismaClient;
  loaders: CatalogLoaders;
  outbox: OutboxNotifier;
  caller?: Promise<string>;
}

export const MAX_LINE_QUANTITY = 99;

/** What the Cart, CartItem and Order types resolve from. */
export interface CartLine {
  productId: string;
  quantity: number;
  unitPriceCents: number;
  currency: string;
  addedAt: Date;
}

export interface CartView {
  id: string;
  currency: string;
  updatedAt: Date;
  lines: CartLine[];
}

export interface OrderView {
  id: string;
  currency: string;
  checkedOutAt: Date;
  lines: CartLine[];
}

// Retries and contention on the single embedded connection can take a moment;
// Prisma's default 2 s wait for a connection is too tight for that.
export const TX_OPTIONS = { maxWait: 10_000, timeout: 15_000 } as const;

export function requireQuantity(quantity: number, min: 0 | 1, argument = 'quantity'): number {
  if (!Number.isInteger(quantity) || quantity < min || quantity > MAX_LINE_QUANTITY) {
    throw badUserInput(
      `${argument} must be a whole number from ${min} to ${MAX_LINE_QUANTITY} (got ${quantity})`,
      argument,
    );
  }
  return quantity;
}

type Sellable = Pick<Product, 'title' | 'sku' | 'status' | 'availability' | 'stock'>;

/** Refuses products that cannot be sold in this quantity right now. */
export function assertSellable(p: Sellable, quantity: number, argument: string): void {
  const name = `${p.title} (${p.sku})`;
  if (p.status !== 'ACTIVE') throw badUserInput(`${name} is no longer sold.`, argument);
  if (p.availability === 'OUT_OF_STOCK' || p.availability === 'DISCONTINUED' || p.stock <= 0) {
    throw badUserInput(`${name} is out of stock.`, argument);
  }
  if (quantity > p.stock) throw badUserInput(`Only ${p.stock} of ${name} in stock; lower the quantity.`, argument);
}

/** The user's open cart, created if there is none; locked for the rest of the transaction. */
export async function lockOpenCart(tx: Tx, userId: string): Promise<{ id: string; currency: string }> {
  await tx.$executeRaw`
    INSERT INTO carts (id, user_id, updated_at) VALUES (gen_random_uuid(), ${userId}::uuid, now())
    ON CONFLICT (user_id) WHERE status = 'OPEN' DO NOTHING`;
  const [cart] = await tx.$queryRaw<{ id: string; currency: string }[]>`
    SELECT id, currency FROM carts WHERE user_id = ${userId}::uuid AND status = 'OPEN' FOR UPDATE`;
  return cart!;
}

async function loadCart(db: PrismaClient | Tx, cartId: string): Promise<CartView> {
  const cart = await db.cart.findUniqueOrThrow({
    where: { id: cartId },
    include: { items: { orderBy: [{ addedAt: 'asc' }, { productId: 'asc' }] } },
  });
  return {
    id: cart.id,
    currency: cart.currency,
    updatedAt: cart.updatedAt,
    lines: cart.items.map((i) => ({ ...i, currency: cart.currency })),
  };
}

async function requireProduct(tx: Tx, productId: string): Promise<Product> {
  const product = await tx.product.findUnique({ where: { id: productId } });
  if (!product) throw notFound(`No product with id ${productId}`);
  return product;
}

/** Runs `change` on the caller's locked open cart, then answers the cart as it now is. */
async function changeCart(
  ctx: CartsContext,
  change: (tx: Tx, cart: { id: string; currency: string }, userId: string) => Promise<boolean>,
): Promise<CartView> {
  const userId = await callerId(ctx);
  const { view, queued } = await ctx.prisma.$transaction(async (tx) => {
    const cart = await lockOpenCart(tx, userId);
    const queued = await change(tx, cart, userId);
    await tx.cart.update({ where: { id: cart.id }, data: { updatedAt: new Date() } });
    return { view: await loadCart(tx, cart.id), queued };
  }, TX_OPTIONS);
  if (queued) ctx.outbox.kick();
  return view;
}

export const cartQueries = {
  cart: async (_: unknown, __: unknown, ctx: CartsContext) => {
    const userId = await callerId(ctx);
    return ctx.prisma.$transaction(async (tx) => loadCart(tx, (await lockOpenCart(tx, userId)).id), TX_OPTIONS);
  },
};

export const cartMutations = {
  addToCart: async (_: unknown, args: { productId: string; quantity: number }, ctx: CartsContext) => {
    await callerId(ctx);
    const productId = requireUuid(args.productId, 'productId');
    const quantity = requireQuantity(args.quantity, 1);
    return changeCart(ctx, async (tx, cart, userId) => {
      const product = await requireProduct(tx, productId);
      const existing = await tx.cartItem.findUnique({ where: { cartId_productId: { cartId: cart.id, productId } } });
      const total = (existing?.quantity ?? 0) + quantity;
      if (total > MAX_LINE_QUANTITY) {
        throw badUserInput(
          `A cart line holds at most ${MAX_LINE_QUANTITY}; you already have ${existing?.quantity ?? 0}.`,
          'quantity',
        );
      }
      assertSellable(product, total, 'productId');
      const lines = await tx.cartItem.count({ where: { cartId: cart.id } });
      if (lines > 0 && product.currency !== cart.currency) {
        throw badUserInput(
          `Your cart is in ${cart.currency}; ${product.sku} is priced in ${product.currency}.`,
          'productId',
        );
      }
      if (lines === 0 && product.currency !== cart.currency) {
        await tx.cart.update({ where: { id: cart.id }, data: { currency: product.currency } });
      }
      // The price is the one the customer saw when first adding the product.
      const item = await tx.cartItem.upsert({
        where: { cartId_productId: { cartId: cart.id, productId } },
        create: { cartId: cart.id, productId, quantity, unitPriceCents: product.priceCents },
        update: { quantity: total },
      });
      // Deterministic from the line's state: a line's addedAt and new total never repeat,
      // and "." cannot appear in client event ids, so clients cannot pre-empt it.
      await recordInteractions(tx, [
        {
          eventId: `cart.${cart.id}.${productId}.${item.addedAt.getTime()}.${total}`,
          type: 'ADD_TO_CART',
          userId,
          productId,
          value: quantity,
          occurredAt: new Date(),
          source: 'cart',
        },
      ]);
      return true;
    });
  },

  updateCartItem: async (_: unknown, args: { productId: string; quantity: number }, ctx: CartsContext) => {
    await callerId(ctx);
    const productId = requireUuid(args.productId, 'productId');
    const quantity = requireQuantity(args.quantity, 0);
    return changeCart(ctx, async (tx, cart) => {
      const product = await requireProduct(tx, productId);
      const where = { cartId_productId: { cartId: cart.id, productId } };
      const existing = await tx.cartItem.findUnique({ where });
      if (!existing) throw notFound(`${product.sku} is not in your cart; use addToCart.`);
      if (quantity === 0) {
        await tx.cartItem.delete({ where });
      } else {
        // Lowering a quantity is always allowed; raising it must still be sellable.
        if (quantity > existing.quantity) assertSellable(product, quantity, 'quantity');
        await tx.cartItem.update({ where, data: { quantity } });
      }
      return false;
    });
  },

  removeFromCart: async (_: unknown, args: { productId: string }, ctx: CartsContext) => {
    await callerId(ctx);
    const productId = requireUuid(args.productId, 'productId');
    return changeCart(ctx, async (tx, cart) => {
      await requireProduct(tx, productId);
      await tx.cartItem.deleteMany({ where: { cartId: cart.id, productId } });
      return false;
    });
  },
};

const subtotal = (lines: CartLine[]) => lines.reduce((sum, l) => sum + l.quantity * l.unitPriceCents, 0);

export const cartFields = {
  Cart: {
    items: (c: CartView) => c.lines,
    itemCount: (c: CartView) => c.lines.reduce((n, l) => n + l.quantity, 0),
    subtotal: (c: CartView) => money(subtotal(c.lines), c.currency),
    updatedAt: (c: CartView) => c.updatedAt.toISOString(),
  },
  CartItem: {
    product: (l: CartLine, _: unknown, ctx: CartsContext) => ctx.loaders.productById.load(l.productId),
    unitPrice: (l: CartLine) => money(l.unitPriceCents, l.currency),
    lineTotal: (l: CartLine) => money(l.unitPriceCents * l.quantity, l.currency),
    addedAt: (l: CartLine) => l.addedAt.toISOString(),
  },
  Order: {
    items: (o: OrderView) => o.lines,
    total: (o: OrderView) => money(subtotal(o.lines), o.currency),
    checkedOutAt: (o: OrderView) => o.checkedOutAt.toISOString(),
  },
};
