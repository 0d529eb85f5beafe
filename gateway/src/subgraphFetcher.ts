import type { RemoteGraphQLDataSource } from '@apollo/gateway';
import { Agent, request } from 'undici';

type Fetcher = RemoteGraphQLDataSource['fetcher'];
type FetcherResponse = Awaited<ReturnType<Fetcher>>;

/**
 * The gateway's HTTP client for subgraph fetches: undici over kept-alive
 * connections. Apollo's default (make-fetch-happen, an npm-registry client with
 * a cache layer, over node-fetch) cost more CPU per fetch than the rest of the
 * gateway's request pipeline in a profile under load (`npm run bench --
 * serving-open-loop --cpu-prof <dir>`); undici's request API is the
 * lowest-overhead client Node has. Only what RemoteGraphQLDataSource reads
 * of a response is provided.
 */
export function createSubgraphFetcher(options: { connections?: number; timeoutMs?: number } = {}): {
  fetcher: Fetcher;
  close(): Promise<void>;
} {
  const dispatcher = new Agent({
    // Subgraphs keep idle connections 65 s (subgraphs/kit): close ours first so a reused one is never reset.
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 60_000,
    connections: options.connections ?? 128,
    pipelining: 1,
  });
  const fetcher: Fetcher = async (url, init) => {
    const res = await request(url, {
      method: (init?.method ?? 'GET') as 'POST',
      headers: init?.headers as Record<string, string> | undefined,
      body: init?.body as string | undefined,
      dispatcher,
      // One deadline for the whole fetch, body included: a hung subgraph must not hold the client's request.
      ...(options.timeoutMs ? { signal: AbortSignal.timeout(options.timeoutMs) } : {}),
    });
    const text = await res.body.text();
    return new SubgraphResponse(url, res.statusCode, res.headers, text) as unknown as FetcherResponse;
  };
  return { fetcher, close: () => dispatcher.close() };
}

const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  413: 'Payload Too Large',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

class SubgraphResponse {
  readonly ok: boolean;
  readonly statusText: string;
  readonly headers: { get(name: string): string | null };
  readonly redirected = false;

  constructor(
    readonly url: string,
    readonly status: number,
    raw: Record<string, string | string[] | undefined>,
    private readonly body: string,
  ) {
    this.ok = status >= 200 && status < 300;
    this.statusText = STATUS_TEXT[status] ?? '';
    this.headers = {
      get: (name) => {
        const v = raw[name.toLowerCase()];
        return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
      },
    };
  }

  text(): Promise<string> {
    return Promise.resolve(this.body);
  }

  json(): Promise<unknown> {
    return Promise.resolve(JSON.parse(this.body) as unknown);
  }
}
