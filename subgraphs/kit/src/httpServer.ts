import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Server as NetServer, type AddressInfo, type Socket } from 'node:net';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import {
  extractContext,
  inSpan,
  SpanKind,
  SpanStatusCode,
  tracerFor,
  type Logger,
  type ServiceMetrics,
} from '@recgraph/telemetry';
import { ErrorCode } from './errors.ts';
import { isImageUpload, type ImageUploadLimit } from './imageUpload.ts';

export interface ReadyReport {
  ready: boolean;
  /** Shown in the /health/ready body: which dependency failed and why. */
  checks?: Record<string, { ok: boolean; error?: string }>;
}

export interface Refusal {
  status: number;
  code: ErrorCode;
  message: string;
}

export interface ServeOptions<TContext extends BaseContext> {
  apollo: ApolloServer<TContext>;
  /** Names the service in spans (recgraph.service) and logs. */
  service: string;
  /** Served at GET /metrics; its graphqlPlugin belongs in `apollo`'s plugins. */
  metrics?: ServiceMetrics;
  /** Gets one debug line per GraphQL request (carrying the trace id). */
  logger?: Logger;
  /**
   * Runs first on every request: sets CORS headers, and answers preflight
   * requests itself (returning true when it did).
   */
  cors?: (req: IncomingMessage, res: ServerResponse) => boolean;
  /** Built fresh per request, so per-request DataLoaders never share a cache across users. */
  context: (req: IncomingMessage) => Promise<TContext>;
  host: string;
  /** 0 picks a free port. */
  port: number;
  ready: () => Promise<ReadyReport>;
  /** Further reports beside /health/ready, served at /health/<name> in the same shape (e.g. the gateway's subgraphs). */
  health?: Record<string, () => Promise<ReadyReport>>;
  /** Runs before /graphql (not before health routes); a Refusal ends the request. */
  guard?: (req: IncomingMessage) => Refusal | null;
  /** Extra routes (e.g. static images); return true when handled. */
  routes?: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
  onError?: (error: unknown) => void;
  /** Largest accepted request body (default 1 MB); larger is 413 BAD_USER_INPUT. */
  maxBodyBytes?: number;
  /** The one operation that may send more than maxBodyBytes, up to its own limit: a photo for image search. */
  imageUpload?: ImageUploadLimit;
  /** How long close() lets in-flight requests finish before cutting connections (default 10 s). */
  shutdownGraceMs?: number;
  /**
   * Serve /metrics and /health/* on this port (0: a free one) instead of the GraphQL port, so a
   * public listener exposes only /graphql; probes and scrapers reach the operations port inside.
   */
  opsPort?: number;
}

export interface RunningServer {
  /** http://host:port */
  origin: string;
  /** origin + /graphql */
  url: string;
  port: number;
  /** The node server, for protocols beside HTTP (the gateway's WebSocket subscriptions upgrade on it). */
  server: Server;
  /** http://host:opsPort when operations endpoints have their own port. */
  opsOrigin?: string;
  close(): Promise<void>;
}

export const GRAPHQL_PATH = '/graphql';

class BodyTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`Request body exceeds the ${limit}-byte limit`);
  }
}

async function readBody(req: IncomingMessage, limit: number): Promise<{ text: string; bytes: number }> {
  // Refuse an announced oversize body before reading any of it.
  if (Number(req.headers['content-length'] ?? 0) > limit) throw new BodyTooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new BodyTooLarge(limit);
    chunks.push(chunk);
  }
  return { text: Buffer.concat(chunks).toString('utf8'), bytes: size };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function sendGraphQLError(res: ServerResponse, status: number, code: ErrorCode, message: string): void {
  sendJson(res, status, { errors: [{ message, extensions: { code } }] });
}

/**
 * Serves an ApolloServer on plain node:http (Apollo Server 5 ships no
 * framework integration, and we need only three routes). Both the subgraphs
 * and the gateway use it, so health and error shapes are identical everywhere.
 */
export async function serveGraphQL<TContext extends BaseContext>(opts: ServeOptions<TContext>): Promise<RunningServer> {
  const limit = opts.maxBodyBytes ?? 1_000_000;
  const upload = opts.imageUpload;
  /** What is read before deciding: a body over `limit` may still be an image upload. */
  const readLimit = Math.max(limit, upload?.maxBytes ?? 0);

  async function handleGraphQL(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const refusal = opts.guard?.(req);
    if (refusal) return sendGraphQLError(res, refusal.status, refusal.code, refusal.message);
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    let body: unknown = undefined;
    if (req.method === 'POST') {
      const { text: raw, bytes } = await readBody(req, readLimit);
      const json = headers.get('content-type')?.includes('application/json');
      // Over the ordinary limit only an image upload may pass; anything else is refused unparsed.
      if (bytes > limit && (!upload || !json)) throw new BodyTooLarge(limit);
      if (json) {
        try {
          body = raw ? JSON.parse(raw) : undefined;
        } catch {
          if (bytes > limit) throw new BodyTooLarge(limit);
          return sendGraphQLError(res, 400, ErrorCode.BAD_USER_INPUT, 'Request body is not valid JSON');
        }
      } else {
        body = raw;
      }
      if (bytes > limit && upload && !isImageUpload(body, bytes, limit, upload)) throw new BodyTooLarge(limit);
    }
    const result = await opts.apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
      context: () => opts.context(req),
    });
    for (const [key, value] of result.headers) res.setHeader(key, value);
    res.statusCode = result.status ?? 200;
    if (result.body.kind === 'complete') {
      res.end(result.body.string);
      return;
    }
    for await (const chunk of result.body.asyncIterator) res.write(chunk);
    res.end();
  }

  /** /metrics and /health/*; false when the request is for something else. */
  async function handleOps(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    if (url.pathname === '/metrics' && opts.metrics && req.method === 'GET') {
      await opts.metrics.handle(req, res);
      return true;
    }
    if (url.pathname === '/health/live' && (req.method === 'GET' || req.method === 'HEAD')) {
      sendJson(res, 200, { status: 'live' });
      return true;
    }
    const name = url.pathname.startsWith('/health/') ? url.pathname.slice('/health/'.length) : undefined;
    const check =
      name === 'ready' ? opts.ready : name && Object.hasOwn(opts.health ?? {}, name) ? opts.health?.[name] : undefined;
    if (check && (req.method === 'GET' || req.method === 'HEAD')) {
      const report = await check().catch((err: unknown): ReadyReport => ({
        ready: false,
        checks: { self: { ok: false, error: String(err) } },
      }));
      // Which dependency failed, never its error text (it can quote hosts, users, SQL): that goes to the log.
      const failing = Object.entries(report.checks ?? {}).filter(([, c]) => !c.ok);
      if (failing.length) opts.logger?.warn({ checks: Object.fromEntries(failing), report: name }, 'not ready');
      sendJson(res, report.ready ? 200 : 503, {
        status: report.ready ? 'ready' : 'unavailable',
        checks: Object.fromEntries(Object.entries(report.checks ?? {}).map(([n, c]) => [n, { ok: c.ok }])),
      });
      return true;
    }
    return false;
  }

  async function handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (opts.cors?.(req, res)) return;
    if (opts.opsPort === undefined && (await handleOps(req, res, url))) return;
    if (url.pathname === GRAPHQL_PATH) {
      if (req.method !== 'GET' && req.method !== 'POST') {
        return sendGraphQLError(res, 405, ErrorCode.BAD_USER_INPUT, 'Use GET or POST for /graphql');
      }
      return handleGraphQL(req, res, url);
    }
    if (opts.routes && (await opts.routes(req, res))) return;
    sendJson(res, 404, { error: 'not found' });
  }

  /** Never throws: every failure becomes an error response. */
  async function respond(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    try {
      await handle(req, res, url);
    } catch (err) {
      if (err instanceof BodyTooLarge) {
        if (!res.headersSent) {
          sendGraphQLError(
            res,
            413,
            ErrorCode.BAD_USER_INPUT,
            err.limit === limit
              ? `Request body exceeds the ${limit}-byte limit; send a smaller query (persisted queries send only a hash)` +
                  (upload
                    ? `; only ${upload.field} with the photo in a variable may send up to ${upload.maxBytes} bytes`
                    : '')
              : `Request body exceeds the ${err.limit}-byte limit (the largest, for a ${upload?.field ?? 'photo'} upload); send a smaller photo`,
          );
        } else res.destroy();
        return;
      }
      opts.onError?.(err);
      if (!res.headersSent) sendGraphQLError(res, 500, ErrorCode.INTERNAL_SERVER_ERROR, 'Internal server error');
      else res.destroy();
    }
  }

  const tracer = tracerFor(opts.service);

  /**
   * GraphQL requests run inside a SERVER span that continues the caller's W3C
   * trace context; AsyncLocalStorage then carries it through Apollo into
   * resolvers, subgraph fetches and SQL. Health probes and scrapes would only
   * add noise to traces, so they get none.
   */
  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== GRAPHQL_PATH) return respond(req, res, url);
    const started = performance.now();
    await inSpan(
      tracer,
      `${req.method ?? 'GET'} ${GRAPHQL_PATH}`,
      { 'http.request.method': req.method ?? 'GET', 'url.path': GRAPHQL_PATH, 'recgraph.service': opts.service },
      async (span) => {
        await respond(req, res, url);
        span.setAttribute('http.response.status_code', res.statusCode);
        if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        opts.logger?.debug(
          { method: req.method, status: res.statusCode, ms: Math.round(performance.now() - started) },
          'graphql request served',
        );
      },
      { kind: SpanKind.SERVER, parent: extractContext(req.headers) },
    );
  }

  /** The operations endpoints' own server (opsPort). */
  async function listenOps(opsPort: number): Promise<Server> {
    const ops = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      handleOps(req, res, url)
        .then((handled) => handled || sendJson(res, 404, { error: 'not found' }))
        .catch((err: unknown) => {
          opts.onError?.(err);
          if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
          else res.destroy();
        });
    });
    await new Promise<void>((resolve, reject) => {
      ops.once('error', reject);
      ops.listen(opsPort, opts.host, () => {
        ops.off('error', reject);
        resolve();
      });
    });
    return ops;
  }

  await opts.apollo.start();
  const server = createServer((req, res) => {
    serve(req, res).catch((err: unknown) => {
      opts.onError?.(err);
      res.destroy();
    });
  });
  // Node closes an idle keep-alive connection after 5 s, which races clients (load
  // balancers, the gateway's own fetches, load generators) reusing it: they see
  // "connection reset". Idle connections are kept longer than clients keep theirs.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  // Upgraded sockets (WebSockets) leave HTTP's connection tracking, so
  // closeAllConnections() cannot end them; close() cuts them itself.
  const sockets = new Set<Socket>();
  /** Per connection: requests in progress, requests answered, and when it last finished one. */
  const use = new WeakMap<Socket, { busy: number; served: number; idleSince: number }>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    use.set(socket, { busy: 0, served: 0, idleSince: Date.now() });
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const u = use.get(req.socket);
    if (!u) return;
    u.busy++;
    res.once('close', () => {
      u.busy--;
      u.served++;
      u.idleSince = Date.now();
    });
  });
  /**
   * Closes keep-alive connections idle for a moment after answering. Not http's closeIdleConnections:
   * it also drops a connection whose request has arrived but not been read yet (the event loop was
   * busy), and its client sees a reset. A connection that has sent nothing yet is left to the grace period.
   */
  const closeIdle = () => {
    const now = Date.now();
    for (const socket of sockets) {
      const u = use.get(socket);
      if (u && u.busy === 0 && u.served > 0 && now - u.idleSince >= 250) socket.destroy();
    }
  };
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const originOf = (p: number) => `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${p}`;
  const origin = originOf(port);
  const opsServer =
    opts.opsPort === undefined
      ? undefined
      : await listenOps(opts.opsPort).catch((err: unknown) => {
          server.close();
          throw err;
        });
  let closed: Promise<void> | undefined;
  return {
    origin,
    url: origin + GRAPHQL_PATH,
    port,
    server,
    ...(opsServer ? { opsOrigin: originOf((opsServer.address() as AddressInfo).port) } : {}),
    close() {
      closed ??= (async () => {
        // Probes see the shutdown at once; the ops port holds no long requests.
        const opsClosed = opsServer && new Promise<void>((resolve) => opsServer.close(() => resolve()));
        opsServer?.closeAllConnections();
        await opsClosed;
        // Stop accepting. net's close, not http's: http's also drops every idle connection at once,
        // including one accepted a moment ago whose request has not been read yet (its client sees a reset).
        const done = new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve()));
        // Idle keep-alive sockets (the gateway's agent holds some) would keep close() waiting forever:
        // they are closed as they appear; in-flight requests get the grace period.
        const sweep = setInterval(closeIdle, 100);
        const force = setTimeout(() => {
          server.closeAllConnections();
          for (const socket of sockets) socket.destroy();
        }, opts.shutdownGraceMs ?? 10_000);
        await done;
        clearInterval(sweep);
        clearTimeout(force);
        await opts.apollo.stop();
      })();
      return closed;
    },
  };
}
