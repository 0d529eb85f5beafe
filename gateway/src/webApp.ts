import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * What the storefront needs and nothing more: its own scripts and styles, GraphQL over HTTP
 * and graphql-ws on this origin ('self' covers ws: of the same host in current browsers),
 * product images from /images/ (and data:/blob: for the photo a shopper drops into search).
 * React sets styles through the DOM, so no inline script or style is allowed.
 */
export const STOREFRONT_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "font-src 'self' data:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** GraphiQL's editor (CodeMirror) and its tooltips set inline styles; still no inline script. */
export const GRAPHIQL_CSP = STOREFRONT_CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'");

export const GRAPHIQL_PATH = '/graphiql';

export interface WebAppOptions {
  /** The storefront's build (web/dist): index.html, graphiql.html, assets/. */
  dir: string;
  /** Serve the GraphQL IDE at /graphiql (development only). */
  graphiql: boolean;
}

// Files are the build's own names: letters, digits, dots, dashes and underscores in at most
// one folder level (assets/<name>-<hash>.js); anything else is not ours to serve.
const SAFE_PATH = /^\/(?:[A-Za-z0-9_-][A-Za-z0-9._-]{0,200}\/)?[A-Za-z0-9_-][A-Za-z0-9._-]{0,200}$/;

/**
 * The storefront from the gateway's own origin: files from the build, index.html for any
 * other GET that asks for a page (the client routes /product/…, /search, /admin), the IDE
 * at /graphiql. Returns false for what is not its own (so /images/ and 404s go on).
 */
export function webApp(options: WebAppOptions) {
  const root = resolve(options.dir);
  async function send(req: IncomingMessage, res: ServerResponse, rel: string, csp: string): Promise<boolean> {
    const file = resolve(root, '.' + rel);
    if (!file.startsWith(root + sep)) return false;
    const type = TYPES[extname(file).toLowerCase()];
    const info = await stat(file).catch(() => null);
    if (!type || !info?.isFile()) return false;
    const hashed = rel.startsWith('/assets/');
    res.writeHead(200, {
      'content-type': type,
      'content-length': info.size,
      // Hashed asset names change with their content; pages must be re-read to find new ones.
      'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'same-origin',
      ...(type.startsWith('text/html') ? { 'content-security-policy': csp, 'x-frame-options': 'DENY' } : {}),
    });
    if (req.method === 'HEAD') {
      res.end();
      return true;
    }
    await new Promise<void>((done, fail) => {
      createReadStream(file).on('error', fail).pipe(res).on('finish', done).on('error', fail);
    });
    return true;
  }
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === GRAPHIQL_PATH || path === GRAPHIQL_PATH + '/') {
      return options.graphiql ? send(req, res, '/graphiql.html', GRAPHIQL_CSP) : false;
    }
    if (path === '/graphiql.html' || path.startsWith('/images/') || path.startsWith('/health/')) return false;
    if (path !== '/' && SAFE_PATH.test(path) && (await send(req, res, path, STOREFRONT_CSP))) return true;
    // SPA fallback: a page request (not a missing script or image) gets the app's shell.
    const wantsPage = extname(path) === '' && (req.headers.accept ?? '').includes('text/html');
    if (path === '/' || wantsPage) return send(req, res, '/index.html', STOREFRONT_CSP);
    return false;
  };
}
