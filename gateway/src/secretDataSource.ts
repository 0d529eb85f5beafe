import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { IDENTITY_HEADER } from '@recgraph/auth';
import { ErrorCode, GATEWAY_SECRET_HEADER } from '@recgraph/subgraph-kit';
import { GraphQLError } from 'graphql';
import { injectTraceHeaders, inSpan, outcomeOf, SpanKind, tracerFor, type ServiceMetrics } from '@recgraph/telemetry';
import type { GatewayContext } from './context.ts';

const tracer = tracerFor('gateway');

type ProcessResult = ReturnType<RemoteGraphQLDataSource<GatewayContext>['process']>;

export interface SubgraphSourceOptions {
  /** Subgraph name, for span names and the fetch-latency label. */
  name: string;
  url: string;
  /** Sent in x-recgraph-gateway. */
  secret: string;
  metrics?: ServiceMetrics;
  /** The HTTP client (subgraphFetcher.ts); Apollo's default otherwise. */
  fetcher?: RemoteGraphQLDataSource['fetcher'];
}

/** An overdue fetch: the fetcher's deadline (SUBGRAPH_TIMEOUT_MS) or undici's own timeouts. */
const isFetchTimeout = (err: unknown): boolean => {
  const e = err as { name?: unknown; code?: unknown } | null;
  return e?.name === 'TimeoutError' || (typeof e?.code === 'string' && /^UND_ERR_.*TIMEOUT$/.test(e.code));
};

/**
 * How the gateway calls one subgraph. Proves the request came through the
 * gateway, passes along who the caller is (signed once per request in the
 * context), and continues the caller's trace: each fetch is a CLIENT span
 * whose traceparent the subgraph picks up, and its latency is recorded.
 */
export class SecretDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  readonly #secret: string;
  readonly #name: string;
  readonly #metrics: ServiceMetrics | undefined;

  constructor(options: SubgraphSourceOptions) {
    super({ url: options.url, ...(options.fetcher ? { fetcher: options.fetcher } : {}) });
    this.#secret = options.secret;
    this.#name = options.name;
    this.#metrics = options.metrics;
  }

  override async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): ProcessResult {
    // Composition and health fetches belong to no client request.
    if (!('incomingRequestContext' in options)) return super.process(options);
    const started = performance.now();
    let ok = false;
    try {
      const response = await inSpan(
        tracer,
        `subgraph ${this.#name}`,
        { 'recgraph.subgraph': this.#name, 'server.address': this.url ?? '' },
        () => super.process(options),
        { kind: SpanKind.CLIENT },
      );
      // A subgraph answering a caller's mistake (BAD_USER_INPUT, ...) is a working subgraph.
      ok =
        outcomeOf((response.errors ?? []).map((e) => String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR'))) !==
        'error';
      return response;
    } catch (err) {
      if (!isFetchTimeout(err)) throw err;
      throw new GraphQLError(`The ${this.#name} service did not answer in time; retry later`, {
        extensions: { code: ErrorCode.TIMEOUT },
      });
    } finally {
      this.#metrics?.observeSubgraphFetch(this.#name, (performance.now() - started) / 1000, ok);
    }
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const headers = request.http?.headers;
    if (!headers) return;
    headers.set(GATEWAY_SECRET_HEADER, this.#secret);
    const forwarded = (context as Partial<GatewayContext> | undefined)?.forwardedIdentity;
    if (forwarded) headers.set(IDENTITY_HEADER, forwarded);
    // Runs inside the fetch's CLIENT span, so the subgraph's span becomes its child.
    injectTraceHeaders(headers);
  }
}
