import { signDevToken, signForwardedIdentity } from '@recgraph/auth';
import { DEV_JWT_SECRET } from '@recgraph/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, TEST_SECRET, type TestStack } from './support/testStack.ts';

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack();
});
afterAll(async () => {
  await t?.stop();
});

const QUERY = '{ products(first: 1) { totalCount } }';

describe('bearer tokens at the gateway', () => {
  it('answers anonymous and signed-in callers', async () => {
    expect((await t.gql(QUERY)).errors).toBeUndefined();
    const token = await signDevToken(DEV_JWT_SECRET, { sub: t.fixture.products.mug.id, role: 'customer' });
    const res = await t.gql(QUERY, {}, { token });
    expect(res.errors).toBeUndefined();
    expect(res.status).toBe(200);
  });

  it.each([
    ['expired', () => signDevToken(DEV_JWT_SECRET, { sub: 'u', role: 'customer', expiresIn: '-5m' })],
    ['forged', () => signDevToken('a-different-secret-that-is-long-enough!!', { sub: 'u', role: 'admin' })],
    ['malformed', async () => 'abc.def'],
  ])('refuses a %s token with 401 UNAUTHENTICATED and no data', async (_name, make) => {
    const res = await t.gql(QUERY, {}, { token: await make() });
    expect(res.status).toBe(401);
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(res.data ?? null).toBeNull();
  });

  it.each([
    ['a malformed identity', async () => 'eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoiYWRtaW4ifQ.bad'],
    // Whoever holds the bearer (SUBGRAPH_SECRET) still cannot mint an admin: identities need IDENTITY_SIGNING_KEY.
    [
      'an admin identity signed with the bearer',
      () => signForwardedIdentity({ role: 'admin', sub: 'x', scopes: [], allowedUserIds: [] }, TEST_SECRET.bearer),
    ],
  ])('subgraphs refuse %s', async (_name, make) => {
    const res = await fetch(t.stack.subgraphs.catalog.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-recgraph-gateway': TEST_SECRET.bearer,
        'x-recgraph-identity': await make(),
      },
      body: JSON.stringify({ query: QUERY }),
    });
    const body = (await res.json()) as { errors?: { extensions?: { code?: string } }[] };
    expect(res.status).toBe(401);
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
