import type { IncomingMessage, ServerResponse } from 'node:http';

const LOCALHOST = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/;

const ALLOWED_HEADERS =
  'authorization, content-type, apollo-require-preflight, x-apollo-operation-name, traceparent, tracestate';

/**
 * CORS for browser clients. `origins` lists the exact origins allowed; with
 * none configured, development allows any localhost origin and production
 * allows none (same-origin and server-side callers need no CORS).
 * Returns true when it answered the request itself (a preflight).
 */
export function createCorsHandler(origins: string[] | undefined, production: boolean) {
  const allowed = new Set(origins ?? []);
  const isAllowed = (origin: string) => allowed.has(origin) || (!origins && !production && LOCALHOST.test(origin));
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const origin = req.headers.origin;
    // Caches must not serve one origin's answer to another.
    res.setHeader('vary', 'Origin');
    const ok = origin !== undefined && isAllowed(origin);
    if (ok) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-allow-credentials', 'true');
      res.setHeader('access-control-expose-headers', 'retry-after');
    }
    if (req.method !== 'OPTIONS') return false;
    if (ok) {
      res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
      res.setHeader('access-control-allow-headers', ALLOWED_HEADERS);
      res.setHeader('access-control-max-age', '600');
    }
    // A refused origin gets no allow headers: the browser then blocks the call.
    res.writeHead(204).end();
    return true;
  };
}
