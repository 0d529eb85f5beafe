import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.svg': 'image/svg+xml',
};

// One flat folder of generated files: a plain file name is all we ever need,
// (as @recgraph/data's imageStem writes them), so anything with a slash, a
// leading dot or an encoded byte is refused.
const SAFE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,200}$/;

export const IMAGES_PREFIX = '/images/';

/** Route for GET/HEAD /images/<file> from `dir`; returns false for other paths. */
export function staticImages(dir: string) {
  const root = resolve(dir);
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (!path.startsWith(IMAGES_PREFIX)) return false;
    const notFound = () => {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return true;
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return true;
    }
    const name = path.slice(IMAGES_PREFIX.length);
    const type = TYPES[extname(name).toLowerCase()];
    if (!SAFE_NAME.test(name) || !type) return notFound();
    const file = resolve(root, name);
    if (!file.startsWith(root + sep)) return notFound();
    const info = await stat(file).catch(() => null);
    if (!info?.isFile()) return notFound();
    res.writeHead(200, {
      'content-type': type,
      'content-length': info.size,
      'cache-control': 'public, max-age=86400',
      'x-content-type-options': 'nosniff',
      // SVG can carry script; never let it run in our origin.
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox",
    });
    if (req.method === 'HEAD') {
      res.end();
      return true;
    }
    await new Promise<void>((done, fail) => {
      createReadStream(file).on('error', fail).pipe(res).on('finish', done).on('error', fail);
    });
    return true;
  };
}
