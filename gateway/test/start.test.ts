import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

describe('npm start (scripts/start.ts)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'recgraph-start-'));
  let child: ChildProcess | undefined;

  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts everything on free ports, answers through the gateway and stops cleanly on SIGTERM', async () => {
    child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        RECGRAPH_DATA_DIR: dataDir,
        DATABASE_URL: '',
        SEED_DEMO: 'false',
        LOG_LEVEL: 'warn',
        GATEWAY_PORT: '0',
        CATALOG_PORT: '0',
        RECOMMEND_PORT: '0',
        SEARCH_PORT: '0',
        ASSISTANT_PORT: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const gatewayUrl = await new Promise<string>((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`no banner within 150 s:\n${output}`)), 150_000);
      const check = () => {
        const m = /GraphQL gateway\s+(http:\/\/\S+\/graphql)/.exec(output);
        if (m) {
          clearTimeout(timer);
          done(m[1]!);
        }
      };
      child!.stdout!.on('data', check);
      child!.once('exit', (code) => fail(new Error(`exited ${code} before starting:\n${output}`)));
    });
    const res = await fetch(gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ categories { id } products(first: 1) { totalCount } }' }),
    });
    expect(await res.json()).toEqual({ data: { categories: [], products: { totalCount: 0 } } });
    expect((await fetch(new URL('/health/ready', gatewayUrl))).status).toBe(200);

    const exited = new Promise<number | null>((done) => child!.once('exit', (code) => done(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 200_000);
});
