import { createTokenVerifier } from '@recgraph/auth';
import { DEV_JWT_SECRET } from '@recgraph/config';
import { createLogger, initTelemetry, InMemorySpanExporter, SpanKind, type ReadableSpan } from '@recgraph/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type RunningGateway } from '../src/gateway.ts';
import type { SubgraphUrls } from '../src/subgraphList.ts';
import { startTestStack, TEST_SECRET, type TestStack } from './support/testStack.ts';

// Before any server starts, as every entry point does: the first caller wins.
const exporter = new InMemorySpanExporter();
const telemetry = initTelemetry({ serviceName: 'recgraph-test', exporter });

let t: TestStack;
/** A gateway whose debug log lines are captured, over the test stack's subgraphs. */
let gateway: RunningGateway;
const logLines: Record<string, unknown>[] = [];

beforeAll(async () => {
  t = await startTestStack();
  const subgraphUrls = Object.fromEntries(
    Object.entries(t.stack.subgraphs).map(([name, s]) => [name, s.url]),
  ) as SubgraphUrls;
  gateway = await createGateway({
    subgraphUrls,
    secret: TEST_SECRET,
    logger: createLogger('gateway', {
      level: 'debug',
      destination: { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) },
    }),
    verifyToken: createTokenVerifier({ hs256Secret: DEV_JWT_SECRET }),
  });
});

afterAll(async () => {
  await gateway?.stop();
  await t?.stop();
  await telemetry.shutdown();
});

const FEDERATED = `query ProductPage($id: ID!) {
  product(id: $id) { id title price { amount currency } recommendedWith(first: 3) { sku title } }
}`;

async function post(url: string, query: string, variables: Record<string, unknown> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables, operationName: /query (\w+)/.exec(query)?.[1] }),
  });
  return { status: res.status, body: (await res.json()) as { data?: unknown; errors?: unknown[] } };
}

/** Spans end just after the response is written: wait for the gateway's own. */
async function spansOnceServed(): Promise<ReadableSpan[]> {
  for (let i = 0; i < 100; i++) {
    const spans = exporter.getFinishedSpans();
    if (spans.some((s) => s.kind === SpanKind.SERVER && s.attributes['recgraph.service'] === 'gateway')) return spans;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('the gateway server span never finished');
}

describe('one trace per federated request', () => {
  it('links gateway server → subgraph fetch clients → subgraph servers → SQL, in a single trace', async () => {
    exporter.reset();
    logLines.length = 0;
    const res = await post(gateway.url, FEDERATED, { id: t.fixture.products.headphones.id });
    expect(res.body.errors).toBeUndefined();
    const spans = await spansOnceServed();

    const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
    const parentOf = (s: ReadableSpan) => byId.get(s.parentSpanContext?.spanId ?? '');
    const descendsFrom = (s: ReadableSpan, ancestor: ReadableSpan): boolean => {
      for (let p = parentOf(s); p; p = parentOf(p)) if (p === ancestor) return true;
      return false;
    };
    const servers = (service: string) =>
      spans.filter((s) => s.kind === SpanKind.SERVER && s.attributes['recgraph.service'] === service);

    const [root, ...others] = servers('gateway');
    expect(others).toHaveLength(0);
    expect(root!.name).toBe('POST /graphql');
    expect(root!.parentSpanContext).toBeUndefined();
    expect(root!.attributes['http.response.status_code']).toBe(200);
    const traceId = root!.spanContext().traceId;
    // ONE trace: nothing this request caused started a trace of its own.
    expect(new Set(spans.map((s) => s.spanContext().traceId))).toEqual(new Set([traceId]));

    const fetches = spans.filter((s) => s.kind === SpanKind.CLIENT && s.name.startsWith('subgraph '));
    expect(new Set(fetches.map((s) => s.attributes['recgraph.subgraph']))).toEqual(new Set(['catalog', 'recommend']));
    for (const f of fetches) expect(descendsFrom(f, root!)).toBe(true);

    for (const name of ['catalog', 'recommend']) {
      const subgraphServers = servers(name);
      expect(subgraphServers.length).toBeGreaterThan(0);
      // traceparent was injected inside the fetch span, so it is the direct parent.
      for (const s of subgraphServers) {
        expect(parentOf(s)?.kind).toBe(SpanKind.CLIENT);
        expect(parentOf(s)?.attributes['recgraph.subgraph']).toBe(name);
      }
      const sql = spans.filter(
        (s) => s.name.startsWith('db ') && subgraphServers.some((server) => descendsFrom(s, server)),
      );
      expect(sql.length, `${name} ran SQL inside its server span`).toBeGreaterThan(0);
      for (const s of sql) {
        expect(s.kind).toBe(SpanKind.CLIENT);
        expect(s.attributes['db.system']).toBe('postgresql');
        expect(String(s.attributes['db.statement'])).toMatch(/SELECT/i);
      }
    }

    // The gateway's request log line carries the same trace id.
    const served = logLines.find((l) => l.msg === 'graphql request served');
    expect(served).toMatchObject({ service: 'gateway', traceId, status: 200 });
  });

  it('continues a caller-supplied W3C trace context', async () => {
    exporter.reset();
    const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: `00-${callerTrace}-00f067aa0ba902b7-01` },
      body: JSON.stringify({ query: '{ products(first: 1) { totalCount } }' }),
    });
    expect(res.status).toBe(200);
    const root = (await spansOnceServed()).find(
      (s) => s.kind === SpanKind.SERVER && s.attributes['recgraph.service'] === 'gateway',
    )!;
    expect(root.spanContext().traceId).toBe(callerTrace);
    expect(root.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
  });
});

describe('/metrics', () => {
  async function scrape(origin: string): Promise<string> {
    const res = await fetch(`${origin}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    return res.text();
  }

  it('the gateway exposes request, error, latency, subgraph-fetch and process series', async () => {
    const { origin } = t.stack.gateway;
    const id = t.fixture.products.headphones.id;
    expect((await post(t.stack.gateway.url, FEDERATED, { id })).status).toBe(200);
    await post(t.stack.gateway.url, 'query BadId { product(id: "nope") { id } }');
    const text = await scrape(origin);
    expect(text).toMatch(/^recgraph_gateway_graphql_requests_total\{operation="ProductPage",outcome="ok"\} 1$/m);
    expect(text).toMatch(/^recgraph_gateway_graphql_errors_total\{operation="BadId",code="BAD_USER_INPUT"\} 1$/m);
    expect(text).toMatch(
      /^recgraph_gateway_graphql_request_duration_seconds_bucket\{le="[\d.+Inf]+",operation="ProductPage"\} 1$/m,
    );
    expect(text).toMatch(/^recgraph_gateway_graphql_request_duration_seconds_count\{operation="ProductPage"\} 1$/m);
    for (const subgraph of ['catalog', 'recommend']) {
      expect(text).toMatch(
        new RegExp(
          `^recgraph_gateway_subgraph_request_duration_seconds_count\\{subgraph="${subgraph}",outcome="ok"\\} [1-9]`,
          'm',
        ),
      );
    }
    expect(text).toMatch(/^recgraph_gateway_process_cpu_user_seconds_total /m);
    expect(text).toMatch(/^recgraph_gateway_process_resident_memory_bytes /m);
    expect(text).toMatch(/^recgraph_gateway_nodejs_eventloop_lag_seconds /m);
  });

  it('every subgraph exposes its own series, open to scrapers without the gateway secret', async () => {
    await post(t.stack.gateway.url, FEDERATED, { id: t.fixture.products.mug.id });
    for (const [name, server] of Object.entries(t.stack.subgraphs)) {
      const text = await scrape(server.origin);
      expect(text).toMatch(new RegExp(`^# TYPE recgraph_${name}_graphql_request_duration_seconds histogram`, 'm'));
      expect(text).toMatch(new RegExp(`^recgraph_${name}_process_cpu_user_seconds_total `, 'm'));
      // Only the subgraphs this query touched have observations.
      if (name === 'catalog' || name === 'recommend') {
        expect(text).toMatch(new RegExp(`^recgraph_${name}_graphql_request_duration_seconds_bucket\\{`, 'm'));
      }
    }
    const catalog = await scrape(t.stack.subgraphs.catalog.origin);
    // The gateway names the operations it sends after the client's.
    expect(catalog).toMatch(
      /^recgraph_catalog_graphql_requests_total\{operation="ProductPage__catalog__\d+",outcome="ok"\} [1-9]/m,
    );
  });
});
