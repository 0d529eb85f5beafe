/**
 * Issue 12, "limits that hold": one regression test per finding, through the
 * real gateway in front of real subgraphs on the real Postgres server.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createTokenVerifier, signDevToken } from '@recgraph/auth';
import { DEV_JWT_SECRET } from '@recgraph/config';
import { openDatabase, type Database } from '@recgraph/db';
import { createLogger } from '@recgraph/telemetry';
import { createTestDatabase, realPostgresUrl } from '../../packages/db/test/real-postgres.ts';
import { createGateway, type GatewayOptions, type RunningGateway } from '../src/gateway.ts';
import { startStack, type RunningStack } from '../src/stack.ts';
import type { SubgraphUrls } from '../src/subgraphList.ts';
import { startTestStack, TEST_SECRET, type GraphQLResponse, type TestStack } from './support/testStack.ts';

const pgUrl = await realPostgresUrl();

interface Answer extends GraphQLResponse {
  status: number;
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { ...((await res.json()) as GraphQLResponse), status: res.status };
}

const codeOf = (a: GraphQLResponse) => a.errors?.[0]?.extensions?.code;
const TYPENAME = { query: '{ __typename }' };
const from = (ip: string) => ({ 'x-forwarded-for': ip });

/** Opens a graphql-ws connection and reports how it ended: 'ack' or the close code. */
function wsHandshake(url: string, headers: Record<string, string>, authorization?: string): Promise<'ack' | number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws', { headers });
    ws.on('open', () =>
      ws.send(JSON.stringify({ type: 'connection_init', payload: authorization ? { authorization } : {} })),
    );
    ws.on('message', (data) => {
      if ((JSON.parse(String(data)) as { type: string }).type === 'connection_ack') {
        resolve('ack');
        ws.close();
      }
    });
    ws.on('close', (code) => resolve(code));
    ws.on('error', reject);
  });
}

describe.skipIf(!pgUrl)('limits that hold (real gateway, real Postgres)', () => {
  let t: TestStack;
  let dbUrl: string;
  const extra: RunningGateway[] = [];
  const extraDbs: Database[] = [];
  const extraStacks: RunningStack[] = [];
  let subgraphUrls: SubgraphUrls;

  beforeAll(async () => {
    dbUrl = await createTestDatabase(pgUrl!);
    t = await startTestStack({ databaseUrl: dbUrl });
    subgraphUrls = Object.fromEntries(
      Object.entries(t.stack.subgraphs).map(([name, s]) => [name, s.url]),
    ) as SubgraphUrls;
  });

  afterAll(async () => {
    for (const g of extra) await g.stop();
    for (const s of extraStacks) await s.stop();
    for (const d of extraDbs) await d.close();
    await t?.stop();
  });

  /** Another gateway over the same subgraphs (a replica), with its own protection. */
  async function gateway(options: Partial<GatewayOptions> = {}): Promise<RunningGateway> {
    const g = await createGateway({
      subgraphUrls,
      secret: TEST_SECRET,
      logger: createLogger('gateway', { level: 'silent' }),
      verifyToken: createTokenVerifier({ hs256Secret: DEV_JWT_SECRET }),
      ...options,
    });
    extra.push(g);
    return g;
  }

  describe('rate limiting behind a proxy', () => {
    it('behind one trusted ingress (hop count), each anonymous shopper has their own budget', async () => {
      const g = await gateway({
        protection: { rateLimit: { points: 3, durationS: 60 }, trustedProxies: { hops: 1, cidrs: [] } },
      });
      for (let i = 0; i < 3; i++) expect((await post(g.url, TYPENAME, from('198.51.100.1'))).status).toBe(200);
      const over = await post(g.url, TYPENAME, from('198.51.100.1'));
      expect([over.status, codeOf(over)]).toEqual([429, 'RATE_LIMITED']);
      // Another shopper behind the same ingress (the same socket peer) is not affected.
      expect((await post(g.url, TYPENAME, from('198.51.100.2'))).status).toBe(200);
      // Only the entry our proxy appended counts: a client-written one to its left is ignored.
      const spoofed = await post(g.url, TYPENAME, from('203.0.113.77, 198.51.100.1'));
      expect(codeOf(spoofed)).toBe('RATE_LIMITED');
    });

    it('trusted proxy CIDRs are skipped wherever they are in the chain', async () => {
      const g = await gateway({
        protection: {
          rateLimit: { points: 2, durationS: 60 },
          trustedProxies: { hops: 0, cidrs: ['127.0.0.0/8', '10.0.0.0/8'] },
        },
      });
      const chain = from('198.51.100.9, 10.1.2.3');
      for (let i = 0; i < 2; i++) expect((await post(g.url, TYPENAME, chain)).status).toBe(200);
      expect(codeOf(await post(g.url, TYPENAME, chain))).toBe('RATE_LIMITED');
      expect((await post(g.url, TYPENAME, from('198.51.100.10, 10.1.2.3'))).status).toBe(200);
    });

    it('without trusted proxies X-Forwarded-For is ignored: a client cannot mint fresh budgets', async () => {
      const g = await gateway({ protection: { rateLimit: { points: 2, durationS: 60 } } });
      expect((await post(g.url, TYPENAME, from('192.0.2.1'))).status).toBe(200);
      expect((await post(g.url, TYPENAME, from('192.0.2.2'))).status).toBe(200);
      expect(codeOf(await post(g.url, TYPENAME, from('192.0.2.3')))).toBe('RATE_LIMITED');
    });

    it('the WebSocket path resolves the client address the same way (per-client connection cap)', async () => {
      const g = await gateway({
        bus: t.stack.bus,
        protection: { trustedProxies: { hops: 1, cidrs: [] } },
        subscriptionLimits: { maxConnectionsPerClient: 1 },
      });
      const opened: Promise<'ack' | number>[] = [];
      // Held open: the first connection per address counts until it closes.
      const hold = new WebSocket(g.url.replace(/^http/, 'ws'), 'graphql-transport-ws', {
        headers: from('198.51.100.20'),
      });
      await new Promise<void>((resolve) => {
        hold.on('open', () => hold.send(JSON.stringify({ type: 'connection_init', payload: {} })));
        hold.on('message', () => resolve());
      });
      opened.push(wsHandshake(g.url, from('198.51.100.20')), wsHandshake(g.url, from('198.51.100.21')));
      const [same, other] = await Promise.all(opened);
      hold.close();
      expect(same).toBe(4429);
      expect(other).toBe('ack');
    });
  });

  describe('invalid or forged tokens were never limited', () => {
    it('failed authentications are limited per client address, before verification once spent', async () => {
      const g = await gateway({
        protection: { authFailureLimit: { points: 3, durationS: 60 }, trustedProxies: { hops: 1, cidrs: [] } },
      });
      const forged = `Bearer ${await signDevToken('not-the-secret-not-the-secret-not-the-secret', { sub: randomUUID(), role: 'admin' })}`;
      const valid = `Bearer ${await signDevToken(DEV_JWT_SECRET, { sub: randomUUID(), role: 'customer' })}`;
      for (let i = 0; i < 3; i++) {
        const r = await post(g.url, TYPENAME, { ...from('198.51.100.30'), authorization: forged });
        expect([r.status, codeOf(r)]).toEqual([401, 'UNAUTHENTICATED']);
      }
      const limited = await post(g.url, TYPENAME, { ...from('198.51.100.30'), authorization: forged });
      expect([limited.status, codeOf(limited)]).toEqual([429, 'RATE_LIMITED']);
      // Spent: even a valid token from that address waits out the window...
      expect(codeOf(await post(g.url, TYPENAME, { ...from('198.51.100.30'), authorization: valid }))).toBe(
        'RATE_LIMITED',
      );
      // ...while other addresses, and anonymous requests, are unaffected.
      expect((await post(g.url, TYPENAME, { ...from('198.51.100.31'), authorization: valid })).status).toBe(200);
      expect((await post(g.url, TYPENAME, from('198.51.100.30'))).status).toBe(200);
    });

    it('the WebSocket handshake charges the same budget', async () => {
      const g = await gateway({
        bus: t.stack.bus,
        protection: { authFailureLimit: { points: 2, durationS: 60 }, trustedProxies: { hops: 1, cidrs: [] } },
      });
      const forged = 'Bearer not.a.token';
      expect(await wsHandshake(g.url, from('198.51.100.40'), forged)).toBe(4401);
      expect(await wsHandshake(g.url, from('198.51.100.40'), forged)).toBe(4401);
      expect(await wsHandshake(g.url, from('198.51.100.40'), forged)).toBe(4429);
      expect(await wsHandshake(g.url, from('198.51.100.41'))).toBe('ack');
    });
  });

  it('limits are per replica (memory): two gateways on one Postgres share one budget', async () => {
    // Each replica with its own connection pool, as separate processes would have.
    const other = await openDatabase({ url: dbUrl, migrate: false, poolSize: 2 });
    extraDbs.push(other);
    const protection = { rateLimit: { points: 4, durationS: 60 }, trustedProxies: { hops: 1, cidrs: [] } };
    const a = await gateway({ protection, rateLimitStore: { kind: 'postgres', prisma: t.db.prisma } });
    const b = await gateway({ protection, rateLimitStore: { kind: 'postgres', prisma: other.prisma } });
    const shopper = from('198.51.100.50');
    for (const g of [a, b, a, b]) expect((await post(g.url, TYPENAME, shopper)).status).toBe(200);
    expect(codeOf(await post(a.url, TYPENAME, shopper))).toBe('RATE_LIMITED');
    expect(codeOf(await post(b.url, TYPENAME, shopper))).toBe('RATE_LIMITED');
    const row = await t.db.prisma.rateLimit.findUniqueOrThrow({ where: { key: 'gw-req:ip:198.51.100.50' } });
    expect(row.points).toBe(6);
  });

  describe('cost limit bypass', () => {
    // Each list multiplies what it holds: 20 products × 10 similar × 10 similar × 10 reviews.
    const FAN_OUT = `query ($n: Int) {
      products(first: $n) { edges { node { recommendedWith { recommendedWith { reviews { edges { node { rating } } } } } } } }
    }`;

    it('a page size in a variable ($n = 100) counts: refused with a stable code, before any SQL', async () => {
      t.sql.reset();
      const r = await post(t.stack.gateway.url, {
        query:
          'query ($n: Int!) { products(first: $n) { edges { node { reviews(first: $n) { edges { node { rating body } } } } } } }',
        variables: { n: 100 },
      });
      expect([r.status, codeOf(r), r.errors?.[0]?.extensions?.reason]).toEqual([400, 'BAD_USER_INPUT', 'QUERY_COST']);
      expect(r.errors?.[0]?.message).toMatch(/Cost limit of 20000 exceeded/);
      expect(t.sql.count).toBe(0);
      // The variable's own default counts too.
      const byDefault = await post(t.stack.gateway.url, {
        query:
          'query ($n: Int = 100) { products(first: $n) { edges { node { reviews(first: $n) { edges { node { rating body } } } } } } }',
      });
      expect(byDefault.errors?.[0]?.extensions?.reason).toBe('QUERY_COST');
    });

    it('a subscription is estimated with its variables too (graphql-ws error, before anything is pushed)', async () => {
      const g = await gateway({ bus: t.stack.bus });
      const sub = randomUUID();
      const token = `Bearer ${await signDevToken(DEV_JWT_SECRET, { sub, role: 'customer' })}`;
      const ws = new WebSocket(g.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
      const error = await new Promise<{ extensions?: { code?: string; reason?: string } }[]>((resolve, reject) => {
        ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: token } })));
        ws.on('message', (data) => {
          const m = JSON.parse(String(data)) as { type: string; payload?: unknown };
          if (m.type === 'connection_ack')
            ws.send(
              JSON.stringify({
                type: 'subscribe',
                id: '1',
                payload: {
                  query: `subscription ($u: ID!, $n: Int!) {
                    recommendationsUpdated(userId: $u, first: $n) { items { product { reviews(first: $n) { edges { node { rating body } } } } } }
                  }`,
                  variables: { u: sub, n: 100 },
                },
              }),
            );
          if (m.type === 'error') resolve(m.payload as never);
        });
        ws.on('close', (code) => reject(new Error(`closed ${code}`)));
      });
      ws.close();
      expect(error[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'QUERY_COST' });
    });

    it("the schema's default page sizes count: nested defaults are refused", async () => {
      const r = await post(t.stack.gateway.url, { query: FAN_OUT });
      expect([r.status, codeOf(r), r.errors?.[0]?.extensions?.reason]).toEqual([400, 'BAD_USER_INPUT', 'QUERY_COST']);
      // Small pages of the same shape are fine.
      const small = await post(t.stack.gateway.url, {
        query:
          '{ products(first: 2) { edges { node { recommendedWith(first: 2) { reviews(first: 2) { edges { node { rating } } } } } } } }',
      });
      expect(small.errors).toBeUndefined();
    });
  });

  it('fuzz finding: a NUL character reached Postgres as an internal error; now BAD_USER_INPUT before any SQL', async () => {
    t.sql.reset();
    for (const body of [
      { query: 'query ($p: String!) { suggest(prefix: $p) { text } }', variables: { p: 'a\u0000b' } },
      { query: '{ suggest(prefix: "\\u0000") { text } }' },
    ]) {
      const r = await post(t.stack.gateway.url, body);
      expect([r.status, codeOf(r), r.errors?.[0]?.extensions?.reason]).toEqual([
        400,
        'BAD_USER_INPUT',
        'NUL_CHARACTER',
      ]);
    }
    expect(t.sql.count).toBe(0);
  });

  describe('no statement_timeout, no pool acquire timeout, no timeout on gateway→subgraph fetches', () => {
    /** A whole stack over its own pool with these timeouts, on the same database. */
    async function stackWith(pool: { statementTimeoutMs: number; poolTimeoutMs: number; poolSize: number }) {
      const db = await openDatabase({ url: dbUrl, migrate: false, ...pool });
      extraDbs.push(db);
      const stack = await startStack({ prisma: db.prisma, secret: TEST_SECRET, logLevel: 'silent' });
      extraStacks.push(stack);
      return stack;
    }

    /** Holds an exclusive lock on products until released: every read of it waits. */
    async function lockProducts(): Promise<() => Promise<void>> {
      const c = new pg.Client({ connectionString: dbUrl });
      await c.connect();
      await c.query('BEGIN');
      await c.query('LOCK TABLE products IN ACCESS EXCLUSIVE MODE');
      return async () => {
        await c.query('ROLLBACK');
        await c.end();
      };
    }

    const COUNT = { query: '{ products(first: 1) { totalCount } }' };

    it('a statement over DATABASE_STATEMENT_TIMEOUT_MS fails TIMEOUT (and the service recovers)', async () => {
      const stack = await stackWith({ statementTimeoutMs: 300, poolTimeoutMs: 5000, poolSize: 2 });
      const release = await lockProducts();
      try {
        const r = await post(stack.gateway.url, COUNT);
        expect(r.status).toBe(200);
        expect(codeOf(r)).toBe('TIMEOUT');
        expect(r.errors?.[0]?.message).toMatch(/database statement took too long/);
      } finally {
        await release();
      }
      expect((await post(stack.gateway.url, COUNT)).errors).toBeUndefined();
    });

    it('waiting over DATABASE_POOL_TIMEOUT_MS for a connection fails TIMEOUT', async () => {
      const stack = await stackWith({ statementTimeoutMs: 3000, poolTimeoutMs: 300, poolSize: 1 });
      const release = await lockProducts();
      try {
        // The first holds the only connection (waiting on the lock); the second cannot get one.
        const first = post(stack.gateway.url, COUNT);
        await new Promise((r) => setTimeout(r, 100));
        const second = await post(stack.gateway.url, COUNT);
        expect(codeOf(second)).toBe('TIMEOUT');
        expect(second.errors?.[0]?.message).toMatch(/No database connection became free/);
        await release();
        expect((await first).errors).toBeUndefined();
      } finally {
        await release().catch(() => undefined);
      }
    });

    it('a subgraph slower than SUBGRAPH_TIMEOUT_MS fails TIMEOUT at the gateway', async () => {
      const stack = await stackWith({ statementTimeoutMs: 5000, poolTimeoutMs: 5000, poolSize: 2 });
      const urls = Object.fromEntries(Object.entries(stack.subgraphs).map(([n, s]) => [n, s.url])) as SubgraphUrls;
      const g = await gateway({ subgraphUrls: urls, protection: { subgraphTimeoutMs: 300 } });
      const release = await lockProducts();
      try {
        const started = Date.now();
        const r = await post(g.url, COUNT);
        expect(Date.now() - started).toBeLessThan(3000);
        expect(codeOf(r)).toBe('TIMEOUT');
        expect(r.errors?.[0]?.message).toMatch(/catalog service did not answer in time/);
      } finally {
        await release();
      }
      expect((await post(g.url, COUNT)).errors).toBeUndefined();
    });
  });
});
