import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, exportSPKI } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ANONYMOUS,
  AuthError,
  createTokenVerifier,
  readForwardedIdentity,
  requireReadAccess,
  requireRole,
  requireSelfOrAdmin,
  signDevToken,
  signForwardedIdentity,
  type Identity,
} from '../src/index.ts';

const SECRET = 'test-secret-that-is-at-least-32-bytes-long!';
const code = async (p: Promise<unknown>) => {
  try {
    await p;
    return 'OK';
  } catch (e) {
    return e instanceof AuthError ? e.code : `unexpected ${(e as Error).message}`;
  }
};

describe('HS256 tokens', () => {
  const verify = createTokenVerifier({ hs256Secret: SECRET, issuer: 'recgraph-test' });

  it('no header is anonymous', async () => {
    expect(await verify(undefined)).toEqual(ANONYMOUS);
  });

  it('accepts a valid customer token', async () => {
    const t = await signDevToken(SECRET, { sub: 'u1', role: 'customer', issuer: 'recgraph-test' });
    expect(await verify(`Bearer ${t}`)).toEqual({
      role: 'customer',
      sub: 'u1',
      scopes: ['read', 'subscribe'],
      allowedUserIds: [],
    });
  });

  it('carries partner scopes and users', async () => {
    const t = await signDevToken(SECRET, {
      sub: 'p',
      role: 'partner',
      scopes: ['read'],
      users: ['u1', 'u2'],
      issuer: 'recgraph-test',
    });
    expect(await verify(`Bearer ${t}`)).toMatchObject({
      role: 'partner',
      scopes: ['read'],
      allowedUserIds: ['u1', 'u2'],
    });
  });

  it.each([
    [
      'expired',
      async () => signDevToken(SECRET, { sub: 'u', role: 'customer', expiresIn: '-1m', issuer: 'recgraph-test' }),
    ],
    [
      'forged (other secret)',
      async () =>
        signDevToken('another-secret-another-secret-another!', { sub: 'u', role: 'admin', issuer: 'recgraph-test' }),
    ],
    ['wrong issuer', async () => signDevToken(SECRET, { sub: 'u', role: 'customer', issuer: 'evil' })],
    [
      'no expiry',
      async () =>
        new SignJWT({ role: 'admin' })
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject('u')
          .setIssuer('recgraph-test')
          .sign(new TextEncoder().encode(SECRET)),
    ],
    [
      'unknown role',
      async () =>
        new SignJWT({ role: 'root' })
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject('u')
          .setIssuer('recgraph-test')
          .setExpirationTime('1h')
          .sign(new TextEncoder().encode(SECRET)),
    ],
    ['alg none', async () => 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1Iiwicm9sZSI6ImFkbWluIn0.'],
    ['garbage', async () => 'not-a-jwt'],
  ])('rejects a %s token as UNAUTHENTICATED', async (_name, make) => {
    expect(await code(verify(`Bearer ${await make()}`))).toBe('UNAUTHENTICATED');
  });

  it('rejects a non-bearer header', async () => {
    expect(await code(verify('Basic dXNlcjpwYXNz'))).toBe('UNAUTHENTICATED');
  });
});

describe('RS256 tokens from a JWKS endpoint', () => {
  let server: Server;
  let url: string;
  let keys: Awaited<ReturnType<typeof generateKeyPair>>;
  beforeAll(async () => {
    keys = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/.well-known/jwks.json`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const sign = (key: Parameters<SignJWT['sign']>[0], claims: object = { role: 'admin' }) =>
    new SignJWT({ ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setSubject('a1')
      .setAudience('recgraph')
      .setExpirationTime('5m')
      .sign(key);

  it('accepts a token signed by the published key', async () => {
    const verify = createTokenVerifier({ jwksUrl: url, audience: 'recgraph' });
    expect(await verify(`Bearer ${await sign(keys.privateKey)}`)).toMatchObject({ role: 'admin', sub: 'a1' });
  });

  it('accepts it with a fixed PEM key too', async () => {
    const verify = createTokenVerifier({ rs256PublicKeyPem: await exportSPKI(keys.publicKey), audience: 'recgraph' });
    expect(await verify(`Bearer ${await sign(keys.privateKey)}`)).toMatchObject({ role: 'admin' });
  });

  it('rejects a token signed by another key', async () => {
    const other = await generateKeyPair('RS256');
    const verify = createTokenVerifier({ jwksUrl: url, audience: 'recgraph' });
    expect(await code(verify(`Bearer ${await sign(other.privateKey)}`))).toBe('UNAUTHENTICATED');
  });

  it('rejects RS256 when only HS256 is configured (no algorithm confusion)', async () => {
    const verify = createTokenVerifier({ hs256Secret: SECRET });
    expect(await code(verify(`Bearer ${await sign(keys.privateKey)}`))).toBe('UNAUTHENTICATED');
  });
});

describe('forwarded identity', () => {
  it('round-trips through the signed header', async () => {
    const id: Identity = { role: 'partner', sub: 'p', scopes: ['subscribe'], allowedUserIds: ['u9'] };
    expect(await readForwardedIdentity(await signForwardedIdentity(id, SECRET), SECRET)).toEqual(id);
  });

  it('refuses a missing or foreign header', async () => {
    expect(await code(readForwardedIdentity(undefined, SECRET))).toBe('UNAUTHENTICATED');
    const forged = await signForwardedIdentity(
      { role: 'admin', scopes: [], allowedUserIds: [] },
      'some-other-secret-of-sufficient-size',
    );
    expect(await code(readForwardedIdentity(forged, SECRET))).toBe('UNAUTHENTICATED');
  });
});

describe('authorization rules', () => {
  const anon = ANONYMOUS;
  const alice: Identity = { role: 'customer', sub: 'alice', scopes: ['read', 'subscribe'], allowedUserIds: [] };
  const partner: Identity = { role: 'partner', sub: 'p', scopes: ['read'], allowedUserIds: ['alice'] };
  const admin: Identity = { role: 'admin', sub: 'root', scopes: ['read', 'subscribe'], allowedUserIds: [] };
  const run = (f: () => void) => {
    try {
      f();
      return 'OK';
    } catch (e) {
      return (e as AuthError).code;
    }
  };

  it.each([
    ['admin-only', (i: Identity) => requireRole(i, 'admin'), ['UNAUTHENTICATED', 'FORBIDDEN', 'FORBIDDEN', 'OK']],
    ["alice's cart", (i: Identity) => requireSelfOrAdmin(i, 'alice'), ['UNAUTHENTICATED', 'OK', 'FORBIDDEN', 'OK']],
    ["bob's cart", (i: Identity) => requireSelfOrAdmin(i, 'bob'), ['UNAUTHENTICATED', 'FORBIDDEN', 'FORBIDDEN', 'OK']],
    ["alice's recommendations", (i: Identity) => requireReadAccess(i, 'alice'), ['UNAUTHENTICATED', 'OK', 'OK', 'OK']],
    [
      "bob's recommendations",
      (i: Identity) => requireReadAccess(i, 'bob'),
      ['UNAUTHENTICATED', 'FORBIDDEN', 'FORBIDDEN', 'OK'],
    ],
    [
      'subscribe to alice',
      (i: Identity) => requireReadAccess(i, 'alice', 'subscribe'),
      ['UNAUTHENTICATED', 'OK', 'FORBIDDEN', 'OK'],
    ],
  ])('%s: anonymous, customer, partner, admin', (_n, rule, expected) => {
    expect([anon, alice, partner, admin].map((i) => run(() => rule(i)))).toEqual(expected);
  });
});
