// How the agent's tools reach the rest of the store: GraphQL over HTTP to the
// catalog, search and recommend subgraphs, exactly as the gateway calls them
// (its bearer and the caller's identity, signed), so every tool has the caller's
// rights and no more. A tool never names a user: the caller is the user.
import { IDENTITY_HEADER, signForwardedIdentity, type GatewaySecrets, type Identity } from '@recgraph/auth';
import { GATEWAY_SECRET_HEADER } from '@recgraph/subgraph-kit';
import { injectTraceHeaders, inSpan, SpanKind, tracerFor } from '@recgraph/telemetry';

const tracer = tracerFor('assistant');

export interface ServiceUrls {
  catalog: string;
  search: string;
  recommend: string;
}

export interface ServiceClientOptions {
  urls: ServiceUrls;
  /** The gateway bearer (SUBGRAPH_SECRET) and the identity signing key (IDENTITY_SIGNING_KEY). */
  secrets: GatewaySecrets;
  /** Per request (default 25 s, under the turn's own limit, whose signal also aborts it). */
  timeoutMs?: number;
}

export interface Money {
  amount: string;
  currency: string;
  cents: number;
}

/** What the agent knows of a product: enough to answer and to cite it. */
export interface ProductCard {
  id: string;
  title: string;
  brand: string | null;
  price: Money;
  availability?: string;
  category?: string | null;
  rating?: { average: number | null; count: number };
  /** Why it is listed (recommendations, similar products). */
  reason?: string;
}

export interface ProductDetails extends ProductCard {
  sku: string;
  description: string;
  stock: number;
  specs: { name: string; value: string }[];
  reviews: { rating: number; title: string | null; body: string }[];
}

export interface CartView {
  items: { product: ProductCard; quantity: number; lineTotal: Money }[];
  itemCount: number;
  subtotal: Money;
}

export interface SearchFilters {
  query?: string;
  minPrice?: number;
  maxPrice?: number;
  brands?: string[];
  inStockOnly?: boolean;
  first?: number;
}

/** A subgraph answered with errors: their codes and messages, for the tool's one-line summary. */
export class ServiceError extends Error {
  override name = 'ServiceError';
  constructor(
    readonly service: string,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The store's services as one caller sees them. */
export interface ShopperServices {
  searchProducts(filters: SearchFilters, signal?: AbortSignal): Promise<ProductCard[]>;
  recommendations(first: number, signal?: AbortSignal): Promise<ProductCard[]>;
  similarProducts(productId: string, first: number, signal?: AbortSignal): Promise<ProductCard[]>;
  /** In the order asked; unknown ids are left out. */
  productDetails(ids: readonly string[], signal?: AbortSignal): Promise<ProductDetails[]>;
  cart(signal?: AbortSignal): Promise<CartView>;
  addToCart(productId: string, quantity: number, signal?: AbortSignal): Promise<CartView>;
}

export interface ServiceClient {
  forCaller(caller: Identity): ShopperServices;
}

const CARD = `id title brand price { amount currency cents }`;
const FULL_CARD = `${CARD} availability category { name } ratingSummary { average count }`;
const CART = `items { product { ${FULL_CARD} } quantity lineTotal { amount currency cents } } itemCount
  subtotal { amount currency cents }`;

interface RawProduct {
  id: string;
  title: string;
  brand: string | null;
  price: Money;
  availability?: string;
  category?: { name: string } | null;
  ratingSummary?: { average: number | null; count: number };
}

const toCard = (p: RawProduct, reason?: string): ProductCard => ({
  id: p.id,
  title: p.title,
  brand: p.brand,
  price: p.price,
  ...(p.availability ? { availability: p.availability } : {}),
  ...(p.category !== undefined ? { category: p.category?.name ?? null } : {}),
  ...(p.ratingSummary ? { rating: p.ratingSummary } : {}),
  ...(reason ? { reason } : {}),
});

interface RawCart {
  items: { product: RawProduct; quantity: number; lineTotal: Money }[];
  itemCount: number;
  subtotal: Money;
}
const toCart = (c: RawCart): CartView => ({
  items: c.items.map((i) => ({ product: toCard(i.product), quantity: i.quantity, lineTotal: i.lineTotal })),
  itemCount: c.itemCount,
  subtotal: c.subtotal,
});

/** The subgraphs the agent's tools call, each request carrying the caller's signed identity. */
export function createServiceClient(options: ServiceClientOptions): ServiceClient {
  const timeoutMs = options.timeoutMs ?? 25_000;

  async function call<T>(
    service: keyof ServiceUrls,
    caller: Identity,
    query: string,
    variables: Record<string, unknown>,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    return inSpan(
      tracer,
      `assistant service ${service}`,
      { 'recgraph.subgraph': service },
      async () => {
        const headers = new Headers({
          'content-type': 'application/json',
          [GATEWAY_SECRET_HEADER]: options.secrets.bearer,
          [IDENTITY_HEADER]: await signForwardedIdentity(caller, options.secrets.identityKey),
        });
        injectTraceHeaders(headers);
        const timeout = AbortSignal.timeout(timeoutMs);
        const res = await fetch(options.urls[service], {
          method: 'POST',
          headers,
          body: JSON.stringify({ query, variables }),
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        });
        const body = (await res.json().catch(() => ({}))) as {
          data?: T;
          errors?: { message: string; extensions?: { code?: string } }[];
        };
        const error = body.errors?.[0];
        if (error) throw new ServiceError(service, error.extensions?.code ?? 'INTERNAL_SERVER_ERROR', error.message);
        if (!res.ok || !body.data) throw new ServiceError(service, 'INTERNAL_SERVER_ERROR', `HTTP ${res.status}`);
        return body.data;
      },
      { kind: SpanKind.CLIENT },
    );
  }

  return {
    forCaller(caller) {
      const cards = async (ids: string[], signal?: AbortSignal): Promise<ProductCard[]> => {
        if (ids.length === 0) return [];
        const data = await call<{ _entities: (RawProduct | null)[] }>(
          'catalog',
          caller,
          `query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { ${FULL_CARD} } } }`,
          { r: ids.map((id) => ({ __typename: 'Product', id })) },
          signal,
        );
        return data._entities.filter((p): p is RawProduct => p !== null).map((p) => toCard(p));
      };
      return {
        async searchProducts(f, signal) {
          const first = f.first ?? 5;
          const filter = {
            ...(f.minPrice !== undefined ? { priceMin: f.minPrice } : {}),
            ...(f.maxPrice !== undefined ? { priceMax: f.maxPrice } : {}),
            ...(f.brands?.length ? { brands: f.brands } : {}),
            ...(f.inStockOnly ? { inStock: true } : {}),
          };
          if (f.query?.trim()) {
            const data = await call<{
              search: { hits: { product: { id: string }; retrievers: { retriever: string }[] }[] };
            }>(
              'search',
              caller,
              `query($q: String!, $first: Int, $filter: SearchFilter) {
                 search(query: $q, first: $first, filter: $filter) { hits { product { id } retrievers { retriever } } } }`,
              { q: f.query.trim().slice(0, 200), first: first * 2, filter },
              signal,
            );
            // Products whose text matches come first; nearest-meaning ones only fill a short
            // list (a shopper asking for "bike helmets" wants helmets, not bike lights).
            const hits = data.search.hits;
            const lexical = hits.filter((h) => h.retrievers.some((r) => r.retriever === 'LEXICAL'));
            return cards(
              (lexical.length >= 2 ? lexical : hits).slice(0, first).map((h) => h.product.id),
              signal,
            );
          }
          // Filters only ("something under 20"): the catalog's listing, cheapest first.
          const data = await call<{ products: { edges: { node: RawProduct }[] } }>(
            'catalog',
            caller,
            `query($first: Int, $filter: ProductFilter) {
               products(first: $first, filter: $filter, sort: RATING) { edges { node { ${FULL_CARD} } } } }`,
            {
              first,
              filter: {
                ...(f.minPrice !== undefined ? { minPrice: f.minPrice } : {}),
                ...(f.maxPrice !== undefined ? { maxPrice: f.maxPrice } : {}),
                ...(f.brands?.length === 1 ? { brand: f.brands[0] } : {}),
                ...(f.inStockOnly ? { availability: ['IN_STOCK', 'LOW_STOCK'] } : {}),
              },
            },
            signal,
          );
          return data.products.edges.map((e) => toCard(e.node));
        },
        async recommendations(first, signal) {
          const data = await call<{ recommendations: { product: RawProduct; reason: string }[] }>(
            'recommend',
            caller,
            `query($first: Int) { recommendations(first: $first) { product { ${CARD} } reason } }`,
            { first },
            signal,
          );
          return data.recommendations.map((r) => toCard(r.product, r.reason));
        },
        async similarProducts(productId, first, signal) {
          const data = await call<{ similarProducts: { product: { id: string }; reason: string }[] }>(
            'recommend',
            caller,
            `query($id: ID!, $first: Int) { similarProducts(productId: $id, first: $first) { product { id } reason } }`,
            { id: productId, first: first * 3 },
            signal,
          );
          // The same kind of product first (similarity sources such as co-visitation cross
          // categories): the base product's category, read with the candidates' in one call.
          const reasons = new Map(data.similarProducts.map((r) => [r.product.id, r.reason]));
          const [base, ...found] = await cards([productId, ...reasons.keys()], signal);
          const same = found.filter((p) => base?.category && p.category === base.category);
          const others = found.filter((p) => !same.includes(p));
          return [...same, ...others].slice(0, first).map((p) => ({ ...p, reason: reasons.get(p.id) ?? '' }));
        },
        async productDetails(ids, signal) {
          if (ids.length === 0) return [];
          const data = await call<{
            _entities: (
              | (RawProduct & {
                  sku: string;
                  description: string;
                  stock: number;
                  specs: { name: string; value: string }[];
                  reviews: { edges: { node: { rating: number; title: string | null; body: string } }[] };
                })
              | null
            )[];
          }>(
            'catalog',
            caller,
            `query($r: [_Any!]!) { _entities(representations: $r) { ... on Product {
               ${FULL_CARD} sku description stock specs { name value }
               reviews(first: 3) { edges { node { rating title body } } } } } }`,
            { r: ids.map((id) => ({ __typename: 'Product', id })) },
            signal,
          );
          return data._entities
            .filter((p) => p !== null)
            .map((p) => ({
              ...toCard(p),
              sku: p.sku,
              description: p.description,
              stock: p.stock,
              specs: p.specs,
              reviews: p.reviews.edges.map((e) => e.node),
            }));
        },
        async cart(signal) {
          const data = await call<{ cart: RawCart }>('catalog', caller, `{ cart { ${CART} } }`, {}, signal);
          return toCart(data.cart);
        },
        async addToCart(productId, quantity, signal) {
          const data = await call<{ addToCart: RawCart }>(
            'catalog',
            caller,
            `mutation($id: ID!, $q: Int!) { addToCart(productId: $id, quantity: $q) { ${CART} } }`,
            { id: productId, q: quantity },
            signal,
          );
          return toCart(data.addToCart);
        },
      };
    },
  };
}
