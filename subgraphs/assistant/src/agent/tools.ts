// The agent's tools: LangChain tools with zod schemas over the caller's view of
// the store (services.ts). None takes a user id: each acts as the caller. Which
// tools a caller may use depends on their role (TOOL_ALLOWLIST).
import { tool, type StructuredToolInterface } from '@langchain/core/tools';
import type { Role } from '@recgraph/auth';
import { z } from 'zod';
import { understand } from './intent.ts';
import type { CartView, ProductCard, ProductDetails, ShopperServices } from './services.ts';

export const TOOL_NAMES = [
  'search_products',
  'recommend_products',
  'similar_products',
  'product_details',
  'compare_products',
  'view_cart',
  'add_to_cart',
] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

const READ_ONLY: ToolName[] = ['search_products', 'similar_products', 'product_details', 'compare_products'];

/**
 * Tools per role. Anonymous shoppers have no cart in this API (the catalog's cart is a
 * signed-in customer's), so no cart tools; partners are API clients, not shoppers:
 * no cart and no "for me" recommendations.
 */
export const TOOL_ALLOWLIST: Record<Role, readonly ToolName[]> = {
  anonymous: [...READ_ONLY, 'recommend_products'],
  customer: [...READ_ONLY, 'recommend_products', 'view_cart', 'add_to_cart'],
  partner: READ_ONLY,
  admin: [...READ_ONLY, 'recommend_products', 'view_cart', 'add_to_cart'],
};

/** What a tool returned, beside the text the model reads: the products it showed, for citations. */
export interface ToolArtifact {
  products: ProductCard[];
  cart?: CartView;
}

const productId = z.string().uuid().describe('A product id (UUID) from an earlier tool result');

export const TOOL_SCHEMAS = {
  search_products: z.object({
    query: z
      .string()
      .max(200)
      .optional()
      .describe('What the shopper is looking for, e.g. "waterproof jacket" (colours, category, features)'),
    minPrice: z.number().min(0).max(1e7).optional().describe('Lowest price, in the store currency'),
    maxPrice: z.number().min(0).max(1e7).optional().describe('Highest price, in the store currency'),
    brands: z.array(z.string().min(1).max(100)).max(10).optional().describe('Exact brand names'),
    inStockOnly: z.boolean().optional(),
    first: z.number().int().min(1).max(10).optional().describe('How many products (default 5)'),
  }),
  recommend_products: z.object({
    first: z.number().int().min(1).max(10).optional().describe('How many products (default 5)'),
  }),
  similar_products: z.object({
    productId,
    first: z.number().int().min(1).max(10).optional().describe('How many products (default 5)'),
  }),
  product_details: z.object({ productId }),
  compare_products: z.object({ productIds: z.array(productId).min(2).max(4) }),
  view_cart: z.object({}),
  add_to_cart: z.object({
    productId,
    quantity: z.number().int().min(1).max(10).optional().describe('Units to add (default 1)'),
  }),
} satisfies Record<ToolName, z.ZodType>;

const DESCRIPTIONS: Record<ToolName, string> = {
  search_products: 'Search the store for active products, optionally within a price range, brands or in stock.',
  recommend_products: "Products recommended for this shopper (from their own history; popular ones if they're new).",
  similar_products: 'Products similar to a given product.',
  product_details: "A product's description, specs, rating and a few recent reviews.",
  compare_products: "Two to four products' details side by side.",
  view_cart: "What is in this shopper's cart.",
  add_to_cart:
    'Add a product to this shopper\'s cart. ONLY when the shopper explicitly asked to add it ("add it to my cart").',
};

/** Compact JSON the model reads: prices as "19.99 USD", nothing about other users. */
const price = (p: ProductCard) => `${p.price.amount} ${p.price.currency}`;
const cardJson = (p: ProductCard) => ({
  id: p.id,
  title: p.title,
  brand: p.brand,
  price: price(p),
  ...(p.availability ? { availability: p.availability } : {}),
  ...(p.category ? { category: p.category } : {}),
  ...(p.rating?.count ? { rating: p.rating.average, reviews: p.rating.count } : {}),
  ...(p.reason ? { reason: p.reason } : {}),
});
const detailsJson = (p: ProductDetails) => ({
  ...cardJson(p),
  description: p.description,
  specs: Object.fromEntries(p.specs.map((s) => [s.name, s.value])),
  reviews: p.reviews.map((r) => ({ rating: r.rating, title: r.title, text: r.body })),
});
const cartJson = (c: CartView) => ({
  items: c.items.map((i) => ({ ...cardJson(i.product), quantity: i.quantity, lineTotal: i.lineTotal.amount })),
  itemCount: c.itemCount,
  subtotal: `${c.subtotal.amount} ${c.subtotal.currency}`,
});

type ToolResult = [string, ToolArtifact];
const result = (json: unknown, artifact: ToolArtifact): ToolResult => [JSON.stringify(json), artifact];

/** The caller's tools, restricted to their role's allowlist. */
export function createShopperTools(
  services: ShopperServices,
  role: Role,
  signal?: AbortSignal,
): Map<ToolName, StructuredToolInterface> {
  const make = <N extends ToolName>(name: N, fn: (args: z.infer<(typeof TOOL_SCHEMAS)[N]>) => Promise<ToolResult>) =>
    tool(fn as (args: unknown) => Promise<ToolResult>, {
      name,
      description: DESCRIPTIONS[name],
      schema: TOOL_SCHEMAS[name],
      responseFormat: 'content_and_artifact',
    });
  const all: { [N in ToolName]: StructuredToolInterface } = {
    search_products: make('search_products', async (a) => {
      const products = await services.searchProducts(
        {
          ...(a.query ? { query: a.query } : {}),
          ...(a.minPrice !== undefined ? { minPrice: a.minPrice } : {}),
          ...(a.maxPrice !== undefined ? { maxPrice: a.maxPrice } : {}),
          ...(a.brands ? { brands: a.brands } : {}),
          ...(a.inStockOnly ? { inStockOnly: true } : {}),
          first: a.first ?? 5,
        },
        signal,
      );
      return result({ products: products.map(cardJson) }, { products });
    }),
    recommend_products: make('recommend_products', async (a) => {
      const products = await services.recommendations(a.first ?? 5, signal);
      return result({ products: products.map(cardJson) }, { products });
    }),
    similar_products: make('similar_products', async (a) => {
      const products = await services.similarProducts(a.productId, a.first ?? 5, signal);
      return result({ products: products.map(cardJson) }, { products });
    }),
    product_details: make('product_details', async (a) => {
      const [p] = await services.productDetails([a.productId], signal);
      return p ? result({ product: detailsJson(p) }, { products: [p] }) : result({ product: null }, { products: [] });
    }),
    compare_products: make('compare_products', async (a) => {
      const products = await services.productDetails([...new Set(a.productIds)], signal);
      return result({ products: products.map(detailsJson) }, { products });
    }),
    view_cart: make('view_cart', async () => {
      const cart = await services.cart(signal);
      return result(cartJson(cart), { products: cart.items.map((i) => i.product), cart });
    }),
    add_to_cart: make('add_to_cart', async (a) => {
      const cart = await services.addToCart(a.productId, a.quantity ?? 1, signal);
      const added = cart.items.find((i) => i.product.id === a.productId)?.product;
      return result({ added: a.productId, cart: cartJson(cart) }, { products: added ? [added] : [], cart });
    }),
  };
  return new Map(TOOL_ALLOWLIST[role].map((name) => [name, all[name]]));
}

/**
 * Whether the shopper's own message asks to put something in the cart (intent.ts, which
 * ignores quoted text and re-instructions). add_to_cart runs only then, whatever a model
 * proposes: text in a product description or review can never make the agent add to a cart.
 */
export function asksToAddToCart(message: string): boolean {
  const intent = understand(message);
  return intent.kind === 'add';
}
