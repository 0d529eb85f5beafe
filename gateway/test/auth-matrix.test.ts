import { signDevToken } from '@recgraph/auth';
import { DEV_JWT_SECRET } from '@recgraph/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowSnapshot } from './support/rowSnapshot.ts';
import { startTestStack, type TestStack } from './support/testStack.ts';

/**
 * Every protected catalog operation × every kind of caller, with the code each
 * cell must answer ('OK' = no error). "customer" owns the data the operations
 * point at (user(id), trackEvent for a user); "other" is a second customer.
 * Refused cells must also leave the database untouched.
 */
const ROLES = ['anonymous', 'customer', 'other', 'partner', 'admin'] as const;
type Role = (typeof ROLES)[number];
type Expect = 'OK' | 'UNAUTHENTICATED' | 'FORBIDDEN';

let t: TestStack;
const tokens: Partial<Record<Role, string>> = {};
let archiveTarget: string;

beforeAll(async () => {
  t = await startTestStack();
  const { shopper, otherShopper, admin } = t.fixture.users;
  tokens.customer = await signDevToken(DEV_JWT_SECRET, { sub: shopper.id, role: 'customer' });
  tokens.other = await signDevToken(DEV_JWT_SECRET, { sub: otherShopper.id, role: 'customer' });
  // A partner whose token covers the customer: read access never extends to writing.
  tokens.partner = await signDevToken(DEV_JWT_SECRET, {
    sub: 'partner-acme',
    role: 'partner',
    scopes: ['read', 'subscribe'],
    users: [shopper.id],
  });
  tokens.admin = await signDevToken(DEV_JWT_SECRET, { sub: admin.id, role: 'admin' });
  archiveTarget = (
    await t.db.prisma.product.create({ data: { sku: 'AUTH-ARCHIVE', title: 'To archive', priceCents: 100 } })
  ).id;
});

afterAll(async () => {
  await t?.stop();
});

interface Operation {
  name: string;
  query: string;
  variables: (role: Role) => Record<string, unknown>;
  expect: Record<Role, Expect>;
}

const SELF_SERVICE = {
  anonymous: 'UNAUTHENTICATED',
  customer: 'OK',
  other: 'OK',
  partner: 'FORBIDDEN',
  admin: 'OK',
} as const;
const OWNER_ONLY = {
  anonymous: 'UNAUTHENTICATED',
  customer: 'OK',
  other: 'FORBIDDEN',
  partner: 'FORBIDDEN',
  admin: 'OK',
} as const;
const ADMIN_ONLY = {
  anonymous: 'UNAUTHENTICATED',
  customer: 'FORBIDDEN',
  other: 'FORBIDDEN',
  partner: 'FORBIDDEN',
  admin: 'OK',
} as const;

const fx = () => t.fixture;

const OPERATIONS: Operation[] = [
  {
    name: 'me',
    query: `{ me { id } }`,
    variables: () => ({}),
    // Not an error for anyone: anonymous callers and partners are simply not store users (null).
    expect: { anonymous: 'OK', customer: 'OK', other: 'OK', partner: 'OK', admin: 'OK' },
  },
  {
    name: 'user(id)',
    query: `query ($id: ID!) { user(id: $id) { id email } }`,
    variables: () => ({ id: fx().users.shopper.id }),
    expect: OWNER_ONLY,
  },
  {
    name: 'updateProfile',
    query: `mutation ($i: UpdateProfileInput!) { updateProfile(input: $i) { id } }`,
    variables: (role) => ({ i: { displayName: `${role} name` } }),
    expect: SELF_SERVICE,
  },
  {
    name: 'setPreferences',
    query: `mutation ($i: PreferencesInput!) { setPreferences(input: $i) { id } }`,
    variables: () => ({ i: { categoryIds: [fx().categories.audio.id], brands: ['Sonic'] } }),
    expect: SELF_SERVICE,
  },
  { name: 'cart', query: `{ cart { id } }`, variables: () => ({}), expect: SELF_SERVICE },
  {
    name: 'addToCart',
    query: `mutation ($p: ID!) { addToCart(productId: $p, quantity: 2) { id } }`,
    variables: () => ({ p: fx().products.headphones.id }),
    expect: SELF_SERVICE,
  },
  {
    name: 'updateCartItem',
    query: `mutation ($p: ID!) { updateCartItem(productId: $p, quantity: 1) { id } }`,
    variables: () => ({ p: fx().products.headphones.id }),
    expect: SELF_SERVICE,
  },
  { name: 'checkout', query: `mutation { checkout { id } }`, variables: () => ({}), expect: SELF_SERVICE },
  {
    name: 'createReview',
    query: `mutation ($i: CreateReviewInput!) { createReview(input: $i) { id } }`,
    variables: () => ({ i: { productId: fx().products.tv.id, rating: 4, body: 'Solid' } }),
    expect: SELF_SERVICE,
  },
  {
    name: 'trackEvent for self',
    query: `mutation ($i: TrackEventInput!) { trackEvent(input: $i) { status } }`,
    variables: (role) => ({ i: { eventId: `auth-self-${role}`, type: 'VIEW', productId: fx().products.tv.id } }),
    expect: SELF_SERVICE,
  },
  {
    name: 'trackEvent for the customer',
    query: `mutation ($i: TrackEventInput!) { trackEvent(input: $i) { status } }`,
    variables: (role) => ({
      i: { eventId: `auth-for-${role}`, type: 'VIEW', productId: fx().products.tv.id, userId: fx().users.shopper.id },
    }),
    expect: OWNER_ONLY,
  },
  {
    name: 'createUser',
    query: `mutation ($i: CreateUserInput!) { createUser(input: $i) { id } }`,
    variables: (role) => ({ i: { externalId: `auth-${role}` } }),
    expect: ADMIN_ONLY,
  },
  {
    name: 'createProduct',
    query: `mutation ($i: CreateProductInput!) { createProduct(input: $i) { id } }`,
    variables: (role) => ({ i: { sku: `AUTH-${role}`, title: 'Matrix product', priceCents: 500, stock: 1 } }),
    expect: ADMIN_ONLY,
  },
  {
    name: 'updateProduct',
    query: `mutation ($id: ID!, $i: UpdateProductInput!) { updateProduct(id: $id, input: $i) { id } }`,
    variables: (role) => ({ id: fx().products.tv.id, i: { title: `Smart TV (${role})` } }),
    expect: ADMIN_ONLY,
  },
  {
    name: 'archiveProduct',
    query: `mutation ($id: ID!) { archiveProduct(id: $id) { status } }`,
    variables: () => ({ id: archiveTarget }),
    expect: ADMIN_ONLY,
  },
];

// Operation by operation, so e.g. every role's addToCart runs before any checkout.
const CELLS = OPERATIONS.flatMap((op) => ROLES.map((role) => [op.name, role, op.expect[role], op] as const));

describe('auth matrix', () => {
  it.each(CELLS)('%s as %s → %s', async (_name, role, expected, op) => {
    const before = await rowSnapshot(t.db.prisma);
    const token = tokens[role];
    const res = await t.gql(op.query, op.variables(role), token ? { token } : {});
    if (expected === 'OK') {
      expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
      return;
    }
    expect(
      res.errors?.map((e) => e.extensions?.code),
      JSON.stringify(res.errors),
    ).toEqual([expected]);
    expect(await rowSnapshot(t.db.prisma)).toEqual(before);
  });

  it('me answers the caller’s own profile, or null for anonymous callers and partners', async () => {
    const me = async (role: Role) =>
      (await t.gql(`{ me { id } }`, {}, tokens[role] ? { token: tokens[role] } : {})).data;
    expect(await me('anonymous')).toEqual({ me: null });
    expect(await me('partner')).toEqual({ me: null });
    expect(await me('customer')).toEqual({ me: { id: t.fixture.users.shopper.id } });
    expect(await me('admin')).toEqual({ me: { id: t.fixture.users.admin.id } });
  });
});
