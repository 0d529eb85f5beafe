/**
 * Issue 12's findings about the gateway's operations surface, each a regression test named
 * after it: operations endpoints public on the gateway port, readiness returning raw error
 * text, and WebSocket validation errors leaking field suggestions in production.
 */
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createTokenVerifier, signDevToken } from '@recgraph/auth';
import { DEV_JWT_SECRET } from '@recgraph/config';
import { createEventBus, STREAMING_TOPICS } from '@recgraph/events';
import { createLogger } from '@recgraph/telemetry';
import { createGateway, type RunningGateway } from '../src/gateway.ts';
import type { SubgraphUrls } from '../src/subgraphList.ts';
import { Live } from './support/subscriptionClient.ts';
import { startTestStack, TEST_SECRET, type TestStack } from './support/testStack.ts';

let t: TestStack;
/** Production settings, its operations endpoints on their own port. */
let prod: RunningGateway;
const bus = createEventBus({ clientId: 'hardening', topicPrefix: 'hardening.' });

beforeAll(async () => {
  await bus.ensureTopics(STREAMING_TOPICS);
  t = await startTestStack();
  const subgraphUrls = Object.fromEntries(
    Object.entries(t.stack.subgraphs).map(([name, s]) => [name, s.url]),
  ) as SubgraphUrls;
  prod = await createGateway({
    subgraphUrls,
    secret: TEST_SECRET,
    logger: createLogger('gateway', { level: 'silent' }),
    verifyToken: createTokenVerifier({ hs256Secret: DEV_JWT_SECRET }),
    protection: { production: true },
    opsPort: 0,
    bus,
  });
});

afterAll(async () => {
  await prod?.stop();
  await t?.stop();
  await bus.close();
});

describe('/metrics and /health/ready are public on the gateway port (issue 12)', () => {
  it('with an operations port, the GraphQL port serves none of them; the operations port serves all', async () => {
    for (const path of ['/metrics', '/health/ready', '/health/live']) {
      const onPublic = await fetch(prod.origin + path);
      await onPublic.body?.cancel();
      expect(onPublic.status, path).toBe(404);
      const onOps = await fetch(prod.opsOrigin! + path);
      await onOps.body?.cancel();
      expect(onOps.status, path).toBe(200);
    }
    // GraphQL itself is only on the public port.
    const graphqlOnOps = await fetch(`${prod.opsOrigin}/graphql`, { method: 'POST' });
    await graphqlOnOps.body?.cancel();
    expect(graphqlOnOps.status).toBe(404);
  });
});

describe('readiness returns raw database error text (issue 12)', () => {
  it('a failing check is named, its error text stays in the log', async () => {
    const search = t.stack.subgraphs.search;
    await search.close();
    const res = await fetch(`${t.stack.gateway.origin}/health/subgraphs`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { status: string; checks: Record<string, Record<string, unknown>> };
    expect(body.checks.search).toEqual({ ok: false });
    expect(JSON.stringify(body)).not.toMatch(/ECONNREFUSED|fetch failed|answered|127\.0\.0\.1/);
  });
});

describe('WebSocket validation errors leak field suggestions in production (issue 12)', () => {
  it('a misspelt subscription field is refused without "Did you mean"', async () => {
    const token = await signDevToken(DEV_JWT_SECRET, { sub: t.fixture.users.shopper.id, role: 'customer' });
    const client = createClient({
      url: prod.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
      lazy: true,
    });
    try {
      const typo = new Live(client, 'subscription { modelPromote { modelVersionId } }');
      const errors = await typo.refusal();
      expect(errors[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(errors[0]?.message).toMatch(/Cannot query field "modelPromote"/);
      expect(errors.map((e) => e.message).join(' ')).not.toMatch(/Did you mean/);
    } finally {
      await client.dispose();
    }
  });
});
