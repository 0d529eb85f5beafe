import { createHash, randomUUID } from 'node:crypto';
import { createTokenVerifier, signDevToken } from '@recgraph/auth';
import { DEV_JWT_SECRET } from '@recgraph/config';
import { createLogger } from '@recgraph/telemetry';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGateway, type RunningGateway } from '../src/gateway.ts';
import type { SubgraphUrls } from '../src/subgraphList.ts';
import { startTestStack, TEST_SECRET, type GraphQLResponse, type TestStack } from './support/testStack.ts';

let t: TestStack;
/** A second gateway over the same subgraphs, configured as production with small limits. */
let prod: RunningGateway;
const PROD_RATE_POINTS = 5;
const PROD_BODY_LIMIT = 4096;

beforeAll(async () => {
  t = await startTestStack();
  const subgraphUrls = Object.fromEntries(
    Object.entries(t.stack.subgraphs).map(([name, s]) => [name, s.url]),
  ) as SubgraphUrls;
  prod = await createGateway({
    subgraphUrls,
    secret: TEST_SECRET,
    logger: createLogger('gateway', { level: 'silent' }),
    verifyToken: createTokenVerifier({ hs256Secret: DEV_JWT_SECRET }),
    protection: {
      production: true,
      rateLimit: { points: PROD_RATE_POINTS, durationS: 60 },
      maxBodyBytes: PROD_BODY_LIMIT,
      corsOrigins: ['https://shop.example'],
    },
  });
});

afterAll(async () => {
  await prod?.stop();
  await t?.stop();
});

beforeEach(() => t.sql.reset());

interface Answer extends GraphQLResponse {
  status: number;
  headers: Headers;
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { ...((await res.json()) as GraphQLResponse), status: res.status, headers: res.headers };
}

const codeOf = (a: GraphQLResponse) => a.errors?.[0]?.extensions?.code;

/** category { parent { parent { ... } } } nested to `levels` fields. */
function deepQuery(levels: number): string {
  let inner = 'slug';
  for (let i = 0; i < levels - 2; i++) inner = `parent { ${inner} }`;
  return `query ($id: ID!) { product(id: $id) { category { ${inner} } } }`;
}

describe('errors table: refused at the gateway, before any subgraph or SQL', () => {
  it.each([
    [
      'a 20-level deep query',
      () => ({ query: deepQuery(20), variables: { id: t.fixture.products.mug.id } }),
      /depth limit of 12/,
    ],
    [
      'an alias bomb (50 aliases)',
      () => ({
        query: `{ ${Array.from({ length: 50 }, (_, i) => `a${i}: products(first: 1) { totalCount }`).join(' ')} }`,
      }),
      /Aliases limit of 15/i,
    ],
    [
      'a directive flood',
      () => ({ query: `{ __typename ${'@include(if: true) '.repeat(60)} }` }),
      /Directives limit of 50/i,
    ],
    [
      'an oversized selection (cost)',
      () => ({
        query: '{ products(first: 100) { edges { node { reviews(first: 100) { edges { node { rating } } } } } } }',
      }),
      /Cost limit of 20000/i,
    ],
    [
      'a literal page size of 10 000 (cost)',
      () => ({ query: '{ products(first: 10000) { totalCount } }' }),
      /Cost limit/i,
    ],
  ])('%s → 400 BAD_USER_INPUT naming the limit', async (_name, body, message) => {
    const res = await post(t.stack.gateway.url, body());
    expect(res.status).toBe(400);
    expect(codeOf(res)).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0]?.message).toMatch(message);
    expect(res.errors?.[0]?.message).not.toMatch(/^Syntax Error/);
    expect(res.data ?? null).toBeNull();
    expect(t.sql.count, t.sql.statements.join('\n')).toBe(0);
  });

  it('too many tokens → 400 BAD_USER_INPUT', async () => {
    const res = await post(t.stack.gateway.url, { query: `{ ${'__typename '.repeat(1200)}}` });
    expect(res.status).toBe(400);
    expect(codeOf(res)).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0]?.message).toMatch(/1000 tokens/i);
    expect(t.sql.count, t.sql.statements.join('\n')).toBe(0);
  });

  it('a body over the limit → 413 BAD_USER_INPUT "exceeds", also when streamed without a length', async () => {
    const padding = 'x'.repeat(1_100_000);
    const res = await post(t.stack.gateway.url, { query: '{ __typename }', variables: { padding } });
    expect(res.status).toBe(413);
    expect(codeOf(res)).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0]?.message).toMatch(/exceeds the 1000000-byte limit/);

    // The limit is configurable: the production gateway allows 4 KiB.
    const chunked = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(
          new TextEncoder().encode(JSON.stringify({ query: '{ __typename }', variables: { p: 'y'.repeat(8000) } })),
        );
        c.close();
      },
    });
    const streamed = await fetch(prod.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: chunked,
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(((await streamed.json()) as GraphQLResponse).errors?.[0]?.message).toMatch(/exceeds the 4096-byte limit/);
    expect(t.sql.count, t.sql.statements.join('\n')).toBe(0);
  });
});

describe('errors table: argument and lookup errors from the subgraphs, through the gateway', () => {
  // 10 000 in a variable is now refused by the gateway's cost estimate (limits-that-hold.test.ts).
  it('page size 500 (a variable, within the cost limit) → BAD_USER_INPUT from the subgraph', async () => {
    const res = await t.gql('query ($n: Int) { products(first: $n) { totalCount } }', { n: 500 });
    expect(codeOf(res)).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0]?.message).toMatch(/first/);
    expect(res.data ?? null).toBeNull();
  });

  it('a malformed id → BAD_USER_INPUT', async () => {
    const res = await t.gql('{ product(id: "not-a-uuid") { id } }');
    expect(codeOf(res)).toBe('BAD_USER_INPUT');
    expect(res.data?.product ?? null).toBeNull();
  });

  it('an unknown product → null without errors (the schema says nullable lookup)', async () => {
    const res = await t.gql('query ($id: ID!) { product(id: $id) { id } }', { id: randomUUID() });
    expect(res.status).toBe(200);
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ product: null });
  });

  it('an unknown category where one must exist → NOT_FOUND', async () => {
    const res = await t.gql('query ($c: ID!) { products(first: 1, filter: { categoryId: $c }) { totalCount } }', {
      c: randomUUID(),
    });
    expect(codeOf(res)).toBe('NOT_FOUND');
  });
});

describe('rate limiting', () => {
  it('over budget → 429 RATE_LIMITED with Retry-After; each caller has their own budget', async () => {
    const token = await signDevToken(DEV_JWT_SECRET, { sub: randomUUID(), role: 'customer' });
    const auth = { authorization: `Bearer ${token}` };
    for (let i = 0; i < PROD_RATE_POINTS; i++) {
      const ok = await post(prod.url, { query: '{ __typename }' }, auth);
      expect(ok.status).toBe(200);
    }
    t.sql.reset();
    const limited = await post(prod.url, { query: '{ products(first: 1) { totalCount } }' }, auth);
    expect(limited.status).toBe(429);
    expect(codeOf(limited)).toBe('RATE_LIMITED');
    const retryAfter = limited.errors?.[0]?.extensions?.retryAfterSeconds as number;
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited.headers.get('retry-after')).toBe(String(retryAfter));
    expect(limited.errors?.[0]?.message).toMatch(/retry after/);
    expect(limited.data ?? null).toBeNull();
    expect(t.sql.count).toBe(0);

    // Another subject (and anonymous callers, by address) are unaffected.
    const other = await signDevToken(DEV_JWT_SECRET, { sub: randomUUID(), role: 'customer' });
    expect((await post(prod.url, { query: '{ __typename }' }, { authorization: `Bearer ${other}` })).status).toBe(200);
  });
});

describe('automatic persisted queries', () => {
  const query = 'query ProductSku($id: ID!) { product(id: $id) { sku } }';
  const sha256Hash = createHash('sha256').update(query).digest('hex');
  const persisted = { persistedQuery: { version: 1, sha256Hash } };

  it('hash only → PERSISTED_QUERY_NOT_FOUND (as BAD_USER_INPUT), register, then hash only works over POST and GET', async () => {
    const id = t.fixture.products.mug.id;
    const unknown = await post(t.stack.gateway.url, { variables: { id }, extensions: persisted });
    expect(codeOf(unknown)).toBe('BAD_USER_INPUT');
    expect(unknown.errors?.[0]?.extensions?.reason).toBe('PERSISTED_QUERY_NOT_FOUND');
    // Apollo Client and other APQ clients retry with the full query on this message.
    expect(unknown.errors?.[0]?.message).toBe('PersistedQueryNotFound');

    const registered = await post(t.stack.gateway.url, { query, variables: { id }, extensions: persisted });
    expect(registered.errors).toBeUndefined();
    expect(registered.data).toEqual({ product: { sku: 'MUG-1' } });

    const byHash = await post(t.stack.gateway.url, { variables: { id }, extensions: persisted });
    expect(byHash.errors).toBeUndefined();
    expect(byHash.data).toEqual({ product: { sku: 'MUG-1' } });

    const search = new URLSearchParams({
      operationName: 'ProductSku',
      variables: JSON.stringify({ id }),
      extensions: JSON.stringify(persisted),
    });
    // GET is CDN-cacheable; Apollo's CSRF protection wants a non-simple header on it.
    const res = await fetch(`${t.stack.gateway.url}?${search}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { product: { sku: 'MUG-1' } } });
  });

  it('a hash that does not match the query → BAD_USER_INPUT', async () => {
    const res = await post(t.stack.gateway.url, {
      query: '{ __typename }',
      extensions: { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } },
    });
    expect(codeOf(res)).toBe('BAD_USER_INPUT');
    expect(res.status).toBe(400);
  });
});

describe('production hardening', () => {
  const introspection = '{ __schema { queryType { name } } }';

  it('introspection is off in production and on in development', async () => {
    const refused = await post(prod.url, { query: introspection });
    expect(refused.status).toBe(400);
    expect(codeOf(refused)).toBe('BAD_USER_INPUT');
    expect(refused.errors?.[0]?.message).toMatch(/introspection/i);
    expect((await t.gql(introspection)).data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });

  it('no field suggestions and no stack traces in production', async () => {
    const typo = '{ produc(id: "x") { id } }';
    const dev = await t.gql(typo);
    expect(dev.errors?.[0]?.message).toMatch(/Did you mean/);
    const res = await post(prod.url, { query: typo });
    expect(codeOf(res)).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0]?.message).not.toMatch(/Did you mean/);
    expect(res.errors?.[0]?.extensions?.stacktrace).toBeUndefined();
  });
});

describe('CORS', () => {
  const preflight = (url: string, origin: string) =>
    fetch(url, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, authorization',
      },
    });

  it('answers preflight for a configured origin, and nothing that allows another', async () => {
    const ok = await preflight(prod.url, 'https://shop.example');
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(ok.headers.get('access-control-allow-methods')).toMatch(/POST/);
    expect(ok.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    expect(ok.headers.get('vary')).toMatch(/Origin/);

    const evil = await preflight(prod.url, 'https://evil.example');
    expect(evil.status).toBe(204);
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    // Production with a list: localhost is not implicitly allowed.
    expect((await preflight(prod.url, 'http://localhost:5173')).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('development allows localhost origins by default, on actual requests too', async () => {
    const ok = await preflight(t.stack.gateway.url, 'http://localhost:5173');
    expect(ok.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    const res = await post(t.stack.gateway.url, { query: '{ __typename }' }, { origin: 'http://127.0.0.1:3000' });
    expect(res.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:3000');
    expect(res.headers.get('access-control-expose-headers')).toMatch(/retry-after/);
  });
});
