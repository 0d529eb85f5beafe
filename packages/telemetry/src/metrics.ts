import type { ApolloServerPlugin } from '@apollo/server';
import client from 'prom-client';
import type { IncomingMessage, ServerResponse } from 'node:http';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * Codes a caller causes (the stable codes of ARCHITECTURE.md plus Apollo's request-shape ones):
 * an operation failing only with these is the client's fault and spends no error budget.
 */
const CLIENT_ERROR_CODES = new Set([
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'RATE_LIMITED',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

/** ok | client_error | error (a server fault: any code outside CLIENT_ERROR_CODES). */
export function outcomeOf(codes: readonly string[]): 'ok' | 'client_error' | 'error' {
  if (codes.length === 0) return 'ok';
  return codes.every((c) => CLIENT_ERROR_CODES.has(c)) ? 'client_error' : 'error';
}

export interface ServiceMetrics {
  readonly registry: client.Registry;
  /** Apollo plugin: rate, errors and latency per GraphQL operation. */
  readonly graphqlPlugin: ApolloServerPlugin;
  /** Gateway only: one fetch to a subgraph. */
  observeSubgraphFetch(subgraph: string, seconds: number, ok: boolean): void;
  /** Serves the Prometheus text format (GET /metrics). */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

/**
 * Metrics for one service, named `recgraph_<service>_<subject>_<unit>` as the
 * style guide asks, in a registry of its own so the all-in-one process keeps
 * each service's series apart. Process metrics (CPU, memory, event loop lag)
 * are included, with the same prefix.
 */
export function createServiceMetrics(service: string): ServiceMetrics {
  const registry = new client.Registry();
  const prefix = `recgraph_${service.replace(/[^a-zA-Z0-9_]/g, '_')}_`;
  client.collectDefaultMetrics({ register: registry, prefix });

  const requests = new client.Counter({
    name: `${prefix}graphql_requests_total`,
    help: 'GraphQL operations handled, by operation name and outcome: ok, client_error (only caller-caused codes such as BAD_USER_INPUT) or error (any server fault; what the availability SLO counts).',
    labelNames: ['operation', 'outcome'] as const,
    registers: [registry],
  });
  const errors = new client.Counter({
    name: `${prefix}graphql_errors_total`,
    help: 'GraphQL errors returned, by operation and error code.',
    labelNames: ['operation', 'code'] as const,
    registers: [registry],
  });
  const duration = new client.Histogram({
    name: `${prefix}graphql_request_duration_seconds`,
    help: 'GraphQL operation latency, by operation name.',
    labelNames: ['operation'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const subgraphDuration = new client.Histogram({
    name: `${prefix}subgraph_request_duration_seconds`,
    help: 'Latency of fetches from the gateway to each subgraph.',
    labelNames: ['subgraph', 'outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });

  // Unbounded label values would blow up the series count: anonymous
  // operations share one label and names are capped in length.
  const opLabel = (name: string | null | undefined) => (name ? name.slice(0, 64) : 'anonymous');
  // Every outcome's series exists from an operation's (or subgraph's) first request on, at 0,
  // so an error ratio reads 0 rather than "no data" while nothing fails.
  const seenOperations = new Set<string>();
  const seenSubgraphs = new Set<string>();

  const graphqlPlugin: ApolloServerPlugin = {
    async requestDidStart() {
      const start = process.hrtime.bigint();
      return {
        async willSendResponse(ctx) {
          const op = opLabel(ctx.operationName);
          const seconds = Number(process.hrtime.bigint() - start) / 1e9;
          // The formatted errors carry the codes clients see; ctx.errors holds the
          // same errors before formatting, so only one of the two is counted.
          const body = ctx.response.body;
          const formatted = body.kind === 'single' ? body.singleResult.errors : undefined;
          const all = formatted ?? ctx.errors ?? [];
          duration.observe({ operation: op }, seconds);
          const codes = all.map((e) => String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR'));
          if (!seenOperations.has(op)) {
            seenOperations.add(op);
            for (const outcome of ['ok', 'client_error', 'error'] as const) requests.inc({ operation: op, outcome }, 0);
          }
          requests.inc({ operation: op, outcome: outcomeOf(codes) });
          for (const code of codes) errors.inc({ operation: op, code });
        },
      };
    },
  };

  return {
    registry,
    graphqlPlugin,
    observeSubgraphFetch(subgraph, seconds, ok) {
      if (!seenSubgraphs.has(subgraph)) {
        seenSubgraphs.add(subgraph);
        for (const outcome of ['ok', 'error'] as const) subgraphDuration.zero({ subgraph, outcome });
      }
      subgraphDuration.observe({ subgraph, outcome: ok ? 'ok' : 'error' }, seconds);
    },
    async handle(_req, res) {
      const body = await registry.metrics();
      res.writeHead(200, { 'content-type': registry.contentType });
      res.end(body);
    },
  };
}
