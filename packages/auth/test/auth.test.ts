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

describe('verified and signed once, honoured only while valid (caches)', () => {
  it('a cached bearer token is refused once it expires, and a tampered copy is never accepted', async () => {
    // No clock tolerance, so "expired" is the expiry itself.
    const verify = createTokenVerifier({ hs256Secret: SECRET, clockToleranceSeconds: 0 });
    const t = await new SignJWT({ role: 'customer' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u-short')
      .setExpirationTime(Math.floor(Date.now() / 1000) + 1)
      .sign(new TextEncoder().encode(SECRET));
    expect(await code(verify(`Bearer ${t}`))).toBe('OK');
    expect(await code(verify(`Bearer ${t}`))).toBe('OK');
    const [h, p] = t.split('.');
    expect(await code(verify(`Bearer ${h}.${p}.${'A'.repeat(43)}`))).toBe('UNAUTHENTICATED');
    await new Promise((r) => setTimeout(r, 1_100));
    expect(await code(verify(`Bearer ${t}`))).toBe('UNAUTHENTICATED');
  });

  it('one caller’s identity is signed once and reused; another caller gets their own; each is read back as itself', async () => {
    const a: Identity = { role: 'customer', sub: 'cache-a', scopes: ['read'], allowedUserIds: [] };
    const b: Identity = { role: 'customer', sub: 'cache-b', scopes: ['read'], allowedUserIds: [] };
    const [a1, a2, b1] = [
      await signForwardedIdentity(a, SECRET),
      await signForwardedIdentity({ ...a }, SECRET),
      await signForwardedIdentity(b, SECRET),
    ];
    expect(a2).toBe(a1);
    expect(b1).not.toBe(a1);
    expect(await readForwardedIdentity(a1, SECRET)).toEqual(a);
    expect(await readForwardedIdentity(a1, SECRET)).toEqual(a);
    expect(await readForwardedIdentity(b1, SECRET)).toEqual(b);
    // The cache is per key: a header verified under one key proves nothing under another.
    expect(await code(readForwardedIdentity(a1, 'another-identity-key-of-at-least-32-bytes'))).toBe('UNAUTHENTICATED');
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
