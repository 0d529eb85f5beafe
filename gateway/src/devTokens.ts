import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { signDevToken } from '@recgraph/auth';

export const DEV_TOKEN_PATH = '/dev/token';

export interface DevTokenOptions {
  /** The HS256 secret the gateway's verifier accepts (JWT_HS256_SECRET or the development default). */
  secret: string;
  issuer?: string;
  audience?: string;
}

const ROLES = ['customer', 'partner', 'admin'] as const;
type Role = (typeof ROLES)[number];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function answer(res: ServerResponse, status: number, body: unknown): true {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
  return true;
}

/**
 * POST /dev/token {"role": "customer"|"partner"|"admin", "sub"?: uuid}: a development token,
 * as `npm run token` mints, so the storefront's "sign in as a demo shopper" works in a
 * browser, which cannot hold the signing secret. Development only: createGateway refuses
 * it in production. A new shopper (no sub) gets a fresh user id.
 */
export function devTokens(options: DevTokenOptions) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if (new URL(req.url ?? '/', 'http://localhost').pathname !== DEV_TOKEN_PATH) return false;
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end();
      return true;
    }
    let body: { role?: unknown; sub?: unknown };
    try {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of req) {
        size += (chunk as Buffer).length;
        if (size > 1024) return answer(res, 413, { error: 'body over 1 kB' });
        chunks.push(chunk as Buffer);
      }
      body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as typeof body;
    } catch {
      return answer(res, 400, { error: 'body is not JSON' });
    }
    const role = body.role ?? 'customer';
    if (!ROLES.includes(role as Role)) return answer(res, 400, { error: `role must be one of ${ROLES.join(', ')}` });
    if (body.sub !== undefined && (typeof body.sub !== 'string' || !UUID.test(body.sub))) {
      return answer(res, 400, { error: 'sub must be a UUID' });
    }
    const sub = (body.sub as string | undefined) ?? randomUUID();
    const token = await signDevToken(options.secret, {
      sub,
      role: role as Role,
      // A demo partner reads models and experiments and subscribes for the users it covers.
      scopes: role === 'partner' ? ['read', 'subscribe'] : [],
      expiresIn: '12h',
      ...(options.issuer ? { issuer: options.issuer } : {}),
      ...(options.audience ? { audience: options.audience } : {}),
    });
    return answer(res, 200, { token, sub, role });
  };
}
