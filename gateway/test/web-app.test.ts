// The storefront's serving rules (gateway/src/webApp.ts) and the development token endpoint
// (devTokens.ts) on a real node:http server; the browser journeys are web/test.
import { createServer, type Server } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createTokenVerifier } from '@recgraph/auth';
import { createLogger } from '@recgraph/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devTokens } from '../src/devTokens.ts';
import { createGateway } from '../src/gateway.ts';
import { GRAPHIQL_CSP, STOREFRONT_CSP, webApp } from '../src/webApp.ts';

const SECRET = 'a-development-secret-of-32-characters!';

describe('storefront serving and demo tokens', () => {
  const dir = mkdtempSync(join(tmpdir(), 'recgraph-webapp-'));
  let server: Server;
  let origin: string;

  beforeAll(async () => {
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>shell</title>');
    writeFileSync(join(dir, 'graphiql.html'), '<!doctype html><title>ide</title>');
    writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
    const web = webApp({ dir, graphiql: true });
    const tokens = devTokens({ secret: SECRET });
    server = createServer((req, res) => {
      void (async () => {
        if ((await tokens(req, res)) || (await web(req, res))) return;
        res.writeHead(404).end('fallthrough');
      })();
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((done) => server.close(done));
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the shell with its CSP, hashed assets as immutable, and client routes as the shell', async () => {
    const root = await fetch(origin + '/');
    expect(root.headers.get('content-security-policy')).toBe(STOREFRONT_CSP);
    expect(await root.text()).toContain('shell');
    const asset = await fetch(origin + '/assets/index-abc123.js');
    expect(asset.headers.get('content-type')).toContain('javascript');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    const route = await fetch(origin + '/product/123', { headers: { accept: 'text/html' } });
    expect(await route.text()).toContain('shell');
    const ide = await fetch(origin + '/graphiql');
    expect(ide.headers.get('content-security-policy')).toBe(GRAPHIQL_CSP);
    expect(await ide.text()).toContain('ide');
  });

  it('leaves missing files, other methods and escapes to the next route', async () => {
    for (const path of ['/assets/missing.js', '/missing.png', '/..%2f..%2fetc%2fpasswd', '/images/x.png']) {
      const res = await fetch(origin + path);
      expect([path, res.status, await res.text()]).toEqual([path, 404, 'fallthrough']);
    }
    const post = await fetch(origin + '/', { method: 'POST' });
    expect(post.status).toBe(404);
  });

  it('mints a token the gateway verifier accepts, for a fresh or given user, and refuses bad input', async () => {
    const verify = createTokenVerifier({ hs256Secret: SECRET });
    const res = await fetch(origin + '/dev/token', { method: 'POST', body: JSON.stringify({ role: 'admin' }) });
    const body = (await res.json()) as { token: string; sub: string; role: string };
    const identity = await verify(`Bearer ${body.token}`);
    expect(identity).toMatchObject({ sub: body.sub, role: 'admin' });
    const sub = '6f1c1d2e-8a4b-4c3d-9e5f-0a1b2c3d4e5f';
    const again = (await (
      await fetch(origin + '/dev/token', { method: 'POST', body: JSON.stringify({ role: 'partner', sub }) })
    ).json()) as { token: string };
    expect(await verify(`Bearer ${again.token}`)).toMatchObject({
      sub,
      role: 'partner',
      scopes: ['read', 'subscribe'],
    });
    for (const bad of ['{"role":"root"}', '{"sub":"not-a-uuid"}', 'nope']) {
      expect((await fetch(origin + '/dev/token', { method: 'POST', body: bad })).status).toBe(400);
    }
    expect((await fetch(origin + '/dev/token')).status).toBe(405);
  });

  it('refuses the token endpoint and the IDE in production', async () => {
    const base = {
      subgraphUrls: { catalog: '', recommend: '', search: '', assistant: '' },
      secret: { bearer: 'x'.repeat(32), identityKey: 'y'.repeat(32) },
      logger: createLogger('gateway', { level: 'silent' }),
      verifyToken: createTokenVerifier({ hs256Secret: SECRET }),
      protection: { production: true },
    };
    await expect(createGateway({ ...base, devTokens: { secret: SECRET } })).rejects.toThrow(
      /cannot be served in production/,
    );
    await expect(createGateway({ ...base, web: { dir, graphiql: true } })).rejects.toThrow(/development only/);
  });
});
