import { randomUUID } from 'node:crypto';
import { signDevToken } from '@recgraph/auth';
import { DEV_JWT_SECRET } from '@recgraph/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowSnapshot } from './support/rowSnapshot.ts';
import { startTestStack, type GraphQLResponse, type TestStack } from './support/testStack.ts';

let t: TestStack;
let shopper: string;
let other: string;
let admin: string;

beforeAll(async () => {
  t = await startTestStack();
  const { users } = t.fixture;
  shopper = await signDevToken(DEV_JWT_SECRET, { sub: users.shopper.id, role: 'customer' });
  other = await signDevToken(DEV_JWT_SECRET, { sub: users.otherShopper.id, role: 'customer' });
  admin = await signDevToken(DEV_JWT_SECRET, { sub: users.admin.id, role: 'admin' });
});

afterAll(async () => {
  await t?.stop();
});

const codeOf = (res: GraphQLResponse) => res.errors?.[0]?.extensions?.code;
const UNKNOWN = '00000000-0000-4000-8000-000000000000';

const CART = `id itemCount subtotal { amount cents currency }
  items { quantity product { sku } unitPrice { cents } lineTotal { cents } }`;

interface CartData {
  id: string;
  itemCount: number;
  subtotal: { amount: string; cents: number; currency: string };
  items: { quantity: number; product: { sku: string }; unitPrice: { cents: number }; lineTotal: { cents: number } }[];
}

async function ok<T>(query: string, variables: Record<string, unknown>, token?: string): Promise<T> {
  const res = await t.gql<T>(query, variables, token ? { token } : {});
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  return res.data!;
}

/** Sends a request that must be refused with `code`, and checks it wrote nothing. */
async function refused(code: string, query: string, variables: Record<string, unknown>, token?: string) {
  const before = await rowSnapshot(t.db.prisma);
  const res = await t.gql(query, variables, token ? { token } : {});
  expect(codeOf(res), JSON.stringify(res.errors)).toBe(code);
  expect(res.errors?.[0]?.message.length).toBeGreaterThan(10);
  expect(await rowSnapshot(t.db.prisma)).toEqual(before);
  return res;
}

const ADD = `mutation ($p: ID!, $q: Int!) { addToCart(productId: $p, quantity: $q) { ${CART} } }`;
const UPDATE = `mutation ($p: ID!, $q: Int!) { updateCartItem(productId: $p, quantity: $q) { ${CART} } }`;
const REMOVE = `mutation ($p: ID!) { removeFromCart(productId: $p) { ${CART} } }`;
const CHECKOUT = `mutation { checkout { id checkedOutAt total { cents amount currency }
  items { quantity product { sku stock } unitPrice { cents } lineTotal { cents } } } }`;

const stockOf = async (id: string) => (await t.db.prisma.product.findUniqueOrThrow({ where: { id } })).stock;

describe('users', () => {
  it('a first authenticated call creates the caller’s row; me is null for anonymous callers', async () => {
    const sub = randomUUID();
    const token = await signDevToken(DEV_JWT_SECRET, { sub, role: 'customer' });
    const me = await ok<{ me: { id: string; role: string; email: string | null } }>(
      `{ me { id role email } }`,
      {},
      token,
    );
    expect(me.me).toEqual({ id: sub, role: 'CUSTOMER', email: null });
    expect(await t.db.prisma.user.count({ where: { id: sub } })).toBe(1);
    expect(await ok(`{ me { id } }`, {})).toEqual({ me: null });
  });

  it('updateProfile validates email and refuses one already in use', async () => {
    const res = await ok<{ updateProfile: { displayName: string; email: string } }>(
      `mutation ($i: UpdateProfileInput!) { updateProfile(input: $i) { displayName email } }`,
      { i: { displayName: '  Sam  ', email: 'Sam@Example.com' } },
      shopper,
    );
    expect(res.updateProfile).toEqual({ displayName: 'Sam', email: 'sam@example.com' });
    const q = `mutation ($i: UpdateProfileInput!) { updateProfile(input: $i) { id } }`;
    const bad = await refused('BAD_USER_INPUT', q, { i: { email: 'not-an-email' } }, other);
    expect(bad.errors?.[0]?.extensions?.argument).toBe('input.email');
    await refused('BAD_USER_INPUT', q, { i: { email: 'sam@example.com' } }, other);
    await refused('BAD_USER_INPUT', q, { i: { displayName: '   ' } }, other);
    await refused('BAD_USER_INPUT', q, { i: {} }, other);
  });

  it('setPreferences stores onboarding choices; every id must exist', async () => {
    const { categories, products } = t.fixture;
    const q = `mutation ($i: PreferencesInput!) { setPreferences(input: $i) {
      preferences { categories { slug } brands likedProducts { sku } priceMin { cents } priceMax { amount } } } }`;
    const res = await ok<{ setPreferences: { preferences: unknown } }>(
      q,
      {
        i: {
          categoryIds: [categories.audio.id, categories.audio.id.toUpperCase()],
          brands: ['Sonic'],
          likedProductIds: [products.headphones.id],
          priceMin: 10,
          priceMax: 250.5,
        },
      },
      shopper,
    );
    expect(res.setPreferences.preferences).toEqual({
      categories: [{ slug: 'electronics/audio' }],
      brands: ['Sonic'],
      likedProducts: [{ sku: 'HP-1' }],
      priceMin: { cents: 1000 },
      priceMax: { amount: '250.50' },
    });
    await refused('NOT_FOUND', q, { i: { categoryIds: [UNKNOWN] } }, shopper);
    await refused('NOT_FOUND', q, { i: { likedProductIds: [UNKNOWN] } }, shopper);
    await refused('BAD_USER_INPUT', q, { i: { categoryIds: ['audio'] } }, shopper);
    await refused('BAD_USER_INPUT', q, { i: { priceMin: 20, priceMax: 10 } }, shopper);
    await refused('BAD_USER_INPUT', q, { i: { priceMin: -1 } }, shopper);
  });

  it('admins create users ahead of sign-in; externalId must be unique', async () => {
    const id = randomUUID();
    const q = `mutation ($i: CreateUserInput!) { createUser(input: $i) { id role displayName } }`;
    const res = await ok<{ createUser: unknown }>(q, { i: { id, externalId: 'crm-42', displayName: 'Ada' } }, admin);
    expect(res.createUser).toEqual({ id, role: 'CUSTOMER', displayName: 'Ada' });
    expect(await ok(`query ($id: ID!) { user(id: $id) { id } }`, { id }, admin)).toEqual({ user: { id } });
    await refused('BAD_USER_INPUT', q, { i: { externalId: 'crm-42' } }, admin);
    await refused('BAD_USER_INPUT', q, { i: { id, externalId: 'crm-43' } }, admin);
    await refused('BAD_USER_INPUT', q, { i: { externalId: 'crm-44', email: 'nope' } }, admin);
  });
});

describe('cart', () => {
  it('is created lazily, then adds, increments (price snapshot), updates and removes', async () => {
    const { headphones, speaker } = t.fixture.products;
    const empty = await ok<{ cart: CartData }>(`{ cart { ${CART} } }`, {}, shopper);
    expect(empty.cart).toMatchObject({ itemCount: 0, items: [], subtotal: { cents: 0, amount: '0.00' } });
    // Asking again answers the same cart, not a second one.
    expect((await ok<{ cart: CartData }>(`{ cart { id } }`, {}, shopper)).cart.id).toBe(empty.cart.id);

    await ok(ADD, { p: headphones.id, q: 2 }, shopper);
    // A later price change does not reach a line already in the cart.
    await t.db.prisma.product.update({ where: { id: headphones.id }, data: { priceCents: 25000 } });
    const added = (await ok<{ addToCart: CartData }>(ADD, { p: headphones.id, q: 1 }, shopper)).addToCart;
    await t.db.prisma.product.update({ where: { id: headphones.id }, data: { priceCents: 19999 } });
    expect(added).toMatchObject({
      id: empty.cart.id,
      itemCount: 3,
      subtotal: { cents: 3 * 19999, amount: '599.97', currency: 'USD' },
      items: [{ quantity: 3, product: { sku: 'HP-1' }, unitPrice: { cents: 19999 }, lineTotal: { cents: 59997 } }],
    });
    // Each add is an ADD_TO_CART interaction with a server-made, distinct event id.
    const adds = await t.db.prisma.interaction.findMany({
      where: { userId: t.fixture.users.shopper.id, type: 'ADD_TO_CART' },
      orderBy: { id: 'asc' },
    });
    expect(adds.map((a) => a.value)).toEqual([2, 1]);
    expect(new Set(adds.map((a) => a.eventId)).size).toBe(2);
    expect(adds.every((a) => a.eventId.startsWith(`cart.${empty.cart.id}.`))).toBe(true);

    await ok(ADD, { p: speaker.id, q: 1 }, shopper);
    const updated = (await ok<{ updateCartItem: CartData }>(UPDATE, { p: headphones.id, q: 1 }, shopper))
      .updateCartItem;
    expect(updated.items.map((i) => [i.product.sku, i.quantity])).toEqual([
      ['HP-1', 1],
      ['SP-1', 1],
    ]);
    const removed = (await ok<{ updateCartItem: CartData }>(UPDATE, { p: speaker.id, q: 0 }, shopper)).updateCartItem;
    expect(removed.items.map((i) => i.product.sku)).toEqual(['HP-1']);
    const again = (await ok<{ removeFromCart: CartData }>(REMOVE, { p: speaker.id }, shopper)).removeFromCart;
    expect(again.itemCount).toBe(1);
    const gone = (await ok<{ removeFromCart: CartData }>(REMOVE, { p: headphones.id }, shopper)).removeFromCart;
    expect(gone.itemCount).toBe(0);
  });

  it.each([
    ['malformed product id', 'BAD_USER_INPUT', ADD, () => ({ p: 'not-a-uuid', q: 1 })],
    ['negative quantity', 'BAD_USER_INPUT', ADD, () => ({ p: t.fixture.products.headphones.id, q: -1 })],
    ['quantity 0 on add', 'BAD_USER_INPUT', ADD, () => ({ p: t.fixture.products.headphones.id, q: 0 })],
    ['quantity 100', 'BAD_USER_INPUT', ADD, () => ({ p: t.fixture.products.headphones.id, q: 100 })],
    ['unknown product', 'NOT_FOUND', ADD, () => ({ p: UNKNOWN, q: 1 })],
    ['archived product', 'BAD_USER_INPUT', ADD, () => ({ p: t.fixture.products.archived.id, q: 1 })],
    ['out-of-stock product', 'BAD_USER_INPUT', ADD, () => ({ p: t.fixture.products.mug.id, q: 1 })],
    ['more than in stock', 'BAD_USER_INPUT', ADD, () => ({ p: t.fixture.products.speaker.id, q: 3 })],
    ['update a line not in the cart', 'NOT_FOUND', UPDATE, () => ({ p: t.fixture.products.tv.id, q: 1 })],
    ['update to a negative quantity', 'BAD_USER_INPUT', UPDATE, () => ({ p: t.fixture.products.tv.id, q: -2 })],
    ['remove an unknown product', 'NOT_FOUND', REMOVE, () => ({ p: UNKNOWN })],
  ])('%s → %s, nothing written', async (_name, code, query, vars) => {
    await refused(code, query, vars(), shopper);
  });

  it('a line holds at most 99', async () => {
    const { headphones } = t.fixture.products;
    await t.db.prisma.product.update({ where: { id: headphones.id }, data: { stock: 500 } });
    await ok(ADD, { p: headphones.id, q: 99 }, other);
    await refused('BAD_USER_INPUT', ADD, { p: headphones.id, q: 1 }, other);
    await ok(REMOVE, { p: headphones.id }, other);
    await t.db.prisma.product.update({ where: { id: headphones.id }, data: { stock: 12 } });
  });
});

describe('checkout', () => {
  it('buys the cart in one go: stock down, PURCHASE per line, cart closed, a fresh cart next', async () => {
    const { headphones, speaker } = t.fixture.products;
    const userId = t.fixture.users.otherShopper.id;
    const [hpStock, spStock] = [await stockOf(headphones.id), await stockOf(speaker.id)];
    await ok(ADD, { p: headphones.id, q: 2 }, other);
    const cart = (await ok<{ addToCart: CartData }>(ADD, { p: speaker.id, q: 1 }, other)).addToCart;

    const order = (
      await ok<{
        checkout: {
          id: string;
          checkedOutAt: string;
          total: { cents: number };
          items: { quantity: number; product: { sku: string; stock: number } }[];
        };
      }>(CHECKOUT, {}, other)
    ).checkout;
    expect(order.id).toBe(cart.id);
    expect(order.total.cents).toBe(2 * 19999 + 4950);
    expect(order.items.map((i) => [i.product.sku, i.quantity, i.product.stock]).sort()).toEqual([
      ['HP-1', 2, hpStock - 2],
      ['SP-1', 1, spStock - 1],
    ]);
    expect(await stockOf(headphones.id)).toBe(hpStock - 2);
    expect(await stockOf(speaker.id)).toBe(spStock - 1);

    const purchases = await t.db.prisma.interaction.findMany({ where: { userId, type: 'PURCHASE' } });
    expect(purchases.map((p) => [p.eventId, p.value]).sort()).toEqual(
      [
        [`checkout.${cart.id}.${headphones.id}`, 2],
        [`checkout.${cart.id}.${speaker.id}`, 1],
      ].sort(),
    );
    expect(purchases.every((p) => p.occurredAt.toISOString() === order.checkedOutAt)).toBe(true);
    const closed = await t.db.prisma.cart.findUniqueOrThrow({ where: { id: cart.id } });
    expect(closed.status).toBe('CHECKED_OUT');

    const next = (await ok<{ cart: CartData }>(`{ cart { ${CART} } }`, {}, other)).cart;
    expect(next.id).not.toBe(cart.id);
    expect(next.itemCount).toBe(0);
    await refused('BAD_USER_INPUT', CHECKOUT, {}, other);
  });

  it('refuses the whole checkout when a line is short of stock, changing nothing', async () => {
    const { headphones, speaker } = t.fixture.products;
    // Speaker has 1 left: both shoppers put it in their carts; the other one buys it first.
    expect(await stockOf(speaker.id)).toBe(1);
    await ok(ADD, { p: headphones.id, q: 1 }, shopper);
    await ok(ADD, { p: speaker.id, q: 1 }, shopper);
    await ok(ADD, { p: speaker.id, q: 1 }, other);
    await ok(CHECKOUT, {}, other);
    const sold = await t.db.prisma.product.findUniqueOrThrow({ where: { id: speaker.id } });
    expect(sold).toMatchObject({ stock: 0, availability: 'OUT_OF_STOCK' });

    const hpStock = await stockOf(headphones.id);
    const res = await refused('BAD_USER_INPUT', CHECKOUT, {}, shopper);
    expect(res.errors?.[0]?.message).toContain('SP-1');
    expect(await stockOf(headphones.id)).toBe(hpStock);
    const cart = (await ok<{ cart: CartData }>(`{ cart { ${CART} } }`, {}, shopper)).cart;
    expect(cart.items.map((i) => i.product.sku).sort()).toEqual(['HP-1', 'SP-1']);
  });
});

describe('reviews', () => {
  const REVIEW = `mutation ($i: CreateReviewInput!) { createReview(input: $i) { rating title body product { sku } } }`;
  const SUMMARY = `query ($id: ID!) { product(id: $id) { ratingSummary { average count } reviews(first: 10) { totalCount edges { node { rating title } } } } }`;
  type Summary = { product: { ratingSummary: { average: number; count: number }; reviews: { totalCount: number } } };

  it('a review shows in reviews and ratingSummary; writing again replaces it', async () => {
    const { tv } = t.fixture.products;
    const before = (await ok<Summary>(SUMMARY, { id: tv.id })).product;
    expect(before.ratingSummary).toEqual({ average: 5, count: 1 });
    const created = await ok<{ createReview: unknown }>(
      REVIEW,
      { i: { productId: tv.id, rating: 1, title: 'Dim', body: 'Too dark' } },
      shopper,
    );
    expect(created.createReview).toEqual({ rating: 1, title: 'Dim', body: 'Too dark', product: { sku: 'TV-1' } });
    expect((await ok<Summary>(SUMMARY, { id: tv.id })).product).toMatchObject({
      ratingSummary: { average: 3, count: 2 },
      reviews: { totalCount: 2 },
    });
    await ok(REVIEW, { i: { productId: tv.id, rating: 3, body: 'Better after calibration' } }, shopper);
    expect((await ok<Summary>(SUMMARY, { id: tv.id })).product.ratingSummary).toEqual({ average: 4, count: 2 });
  });

  it.each([
    ['rating 6', 'BAD_USER_INPUT', () => ({ productId: t.fixture.products.tv.id, rating: 6, body: 'x' })],
    ['rating 0', 'BAD_USER_INPUT', () => ({ productId: t.fixture.products.tv.id, rating: 0, body: 'x' })],
    ['blank body', 'BAD_USER_INPUT', () => ({ productId: t.fixture.products.tv.id, rating: 4, body: '  ' })],
    ['malformed product id', 'BAD_USER_INPUT', () => ({ productId: 'tv', rating: 4, body: 'x' })],
    ['unknown product', 'NOT_FOUND', () => ({ productId: UNKNOWN, rating: 4, body: 'x' })],
    ['archived product', 'BAD_USER_INPUT', () => ({ productId: t.fixture.products.archived.id, rating: 4, body: 'x' })],
  ])('%s → %s, nothing written', async (_name, code, input) => {
    await refused(code, REVIEW, { i: input() }, other);
  });
});

describe('admin product management', () => {
  const CREATE = `mutation ($i: CreateProductInput!) { createProduct(input: $i) {
    id sku title status stock price { amount currency } category { slug } specs { name value } } }`;
  const UPDATE_P = `mutation ($id: ID!, $i: UpdateProductInput!) { updateProduct(id: $id, input: $i) { sku price { cents } stock brand } }`;
  const ARCHIVE = `mutation ($id: ID!) { archiveProduct(id: $id) { status } }`;

  it('creates, updates and archives products', async () => {
    const { home } = t.fixture.categories;
    const created = (
      await ok<{ createProduct: { id: string } & Record<string, unknown> }>(
        CREATE,
        {
          i: {
            sku: 'LAMP-1',
            title: 'Desk Lamp',
            categoryId: home.id,
            priceCents: 3499,
            stock: 5,
            specs: [{ name: 'colour', value: 'white' }],
          },
        },
        admin,
      )
    ).createProduct;
    expect(created).toMatchObject({
      sku: 'LAMP-1',
      status: 'ACTIVE',
      stock: 5,
      price: { amount: '34.99', currency: 'USD' },
      category: { slug: 'home' },
      specs: [{ name: 'colour', value: 'white' }],
    });
    const found = await ok<{ productBySku: { id: string } }>(`{ productBySku(sku: "LAMP-1") { id } }`, {});
    expect(found.productBySku.id).toBe(created.id);

    const updated = await ok<{ updateProduct: unknown }>(
      UPDATE_P,
      { id: created.id, i: { priceCents: 2999, brand: 'Lumen' } },
      admin,
    );
    expect(updated.updateProduct).toEqual({ sku: 'LAMP-1', price: { cents: 2999 }, stock: 5, brand: 'Lumen' });
    const cleared = await ok<{ updateProduct: { brand: string | null } }>(
      UPDATE_P,
      { id: created.id, i: { brand: null } },
      admin,
    );
    expect(cleared.updateProduct.brand).toBeNull();

    expect(await ok(ARCHIVE, { id: created.id }, admin)).toEqual({ archiveProduct: { status: 'ARCHIVED' } });
    expect(await ok(ARCHIVE, { id: created.id }, admin)).toEqual({ archiveProduct: { status: 'ARCHIVED' } });
    const listed = await ok<{ products: { totalCount: number } }>(
      `query ($f: ProductFilter) { products(filter: $f) { totalCount } }`,
      { f: { search: 'lamp' } },
    );
    expect(listed.products.totalCount).toBe(0);
  });

  it.each([
    ['sku clash', 'BAD_USER_INPUT', CREATE, () => ({ i: { sku: 'HP-1', title: 'Dup', priceCents: 1, stock: 0 } })],
    [
      'negative price',
      'BAD_USER_INPUT',
      CREATE,
      () => ({ i: { sku: 'NEG-1', title: 'Neg', priceCents: -1, stock: 0 } }),
    ],
    [
      'negative stock',
      'BAD_USER_INPUT',
      CREATE,
      () => ({ i: { sku: 'NEG-2', title: 'Neg', priceCents: 1, stock: -1 } }),
    ],
    ['bad sku', 'BAD_USER_INPUT', CREATE, () => ({ i: { sku: 'has space', title: 'X', priceCents: 1, stock: 0 } })],
    [
      'unknown category',
      'NOT_FOUND',
      CREATE,
      () => ({ i: { sku: 'CAT-1', title: 'X', priceCents: 1, stock: 0, categoryId: UNKNOWN } }),
    ],
    ['update to a taken sku', 'BAD_USER_INPUT', UPDATE_P, () => ({ id: t.fixture.products.tv.id, i: { sku: 'HP-1' } })],
    ['update nothing', 'BAD_USER_INPUT', UPDATE_P, () => ({ id: t.fixture.products.tv.id, i: {} })],
    ['update an unknown product', 'NOT_FOUND', UPDATE_P, () => ({ id: UNKNOWN, i: { stock: 1 } })],
    ['update with a malformed id', 'BAD_USER_INPUT', UPDATE_P, () => ({ id: 'x', i: { stock: 1 } })],
    ['archive an unknown product', 'NOT_FOUND', ARCHIVE, () => ({ id: UNKNOWN })],
  ])('%s → %s, nothing written', async (_name, code, query, vars) => {
    await refused(code, query, vars(), admin);
  });
});
