import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** The header the gateway adds to every subgraph request. */
export const GATEWAY_SECRET_HEADER = 'x-recgraph-gateway';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

export type SecretCheck = 'ok' | 'missing' | 'wrong';

/**
 * Hashing both sides first gives equal-length buffers, so timingSafeEqual
 * neither throws nor leaks the secret's length.
 */
export function checkGatewaySecret(headers: IncomingHttpHeaders, secret: string): SecretCheck {
  const sent = headers[GATEWAY_SECRET_HEADER];
  const value = Array.isArray(sent) ? sent[0] : sent;
  if (!value) return 'missing';
  return timingSafeEqual(digest(value), digest(secret)) ? 'ok' : 'wrong';
}
