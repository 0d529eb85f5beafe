// `npx tsx bench/src/quick-start-lag.ts [--root <repo>] [--seconds 60]`: how long a simple gateway
// query waits during a fresh `npm start`'s first minute, when the embedding pipeline and the
// knowledge indexer encode the new store in the same process. Starts scripts/start.ts of
// --root (default this repository; another checkout measures another version) on a fresh
// RECGRAPH_DATA_DIR (and DATABASE_URL when set: a fresh database) and free ports, then sends one
// query every 100 ms on a fixed schedule (a slow answer does not delay the next request) from
// the moment the gateway answers, and
// prints the latencies' p50, p99 and max and when the TEXT and IMAGE backfills and the knowledge
// base's first build finished (ms after the gateway answered; negative: before).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { root: { type: 'string' }, seconds: { type: 'string', default: '60' } },
});
const root = resolve(values.root ?? join(import.meta.dirname, '../..'));
const seconds = Number(values.seconds);
if (!Number.isFinite(seconds) || seconds <= 0)
  throw new Error(`--seconds: expected a positive number, got ${values.seconds}`);
const QUERY = '{ products(first: 3, sort: RATING) { totalCount edges { node { id title } } } }';

const dataDir = mkdtempSync(join(tmpdir(), 'recgraph-start-lag-'));
const load = loadavg()[0]!;
const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
  cwd: root,
  env: {
    ...process.env,
    RECGRAPH_DATA_DIR: dataDir,
    // Embedded Postgres unless DATABASE_URL names a fresh database (the embedded one runs in this very process).
    DATABASE_URL: process.env.DATABASE_URL ?? '',
    LOG_LEVEL: 'info',
    GATEWAY_PORT: '0',
    CATALOG_PORT: '0',
    RECOMMEND_PORT: '0',
    SEARCH_PORT: '0',
    ASSISTANT_PORT: '0',
  },
  stdio: ['ignore', 'pipe', 'pipe'],
});
let output = '';
let upAt = 0;
const events: Record<string, number> = {};
const watch = (d: Buffer) => {
  output += d.toString();
  for (const msg of ['TEXT encoder serving', 'IMAGE encoder serving', 'knowledge sweep: stale documents re-indexed'])
    if (!(msg in events) && output.includes(msg)) events[msg] = performance.now();
};
child.stdout.on('data', watch);
child.stderr.on('data', watch);

try {
  const url = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`no banner within 300 s:\n${output.slice(-4000)}`)), 300_000);
    child.stdout.on('data', () => {
      const m = /GraphQL gateway\s+(http:\/\/\S+\/graphql)/.exec(output);
      if (m) {
        clearTimeout(timer);
        done(m[1]!);
      }
    });
    child.once('exit', (code) => fail(new Error(`exited ${code} before starting:\n${output.slice(-4000)}`)));
  });
  upAt = performance.now();
  const ask = async (): Promise<number> => {
    const t = performance.now();
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: QUERY }),
      signal: AbortSignal.timeout(30_000),
    });
    const body = (await res.json()) as { errors?: unknown };
    if (!res.ok || body.errors) throw new Error(`query failed: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
    return performance.now() - t;
  };
  const runs: Promise<number>[] = [];
  for (let k = 0; k < seconds * 10; k++) {
    const due = upAt + k * 100;
    await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
    runs.push(ask());
  }
  const ms = (await Promise.all(runs)).sort((a, b) => a - b);
  const q = (p: number) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))]!;
  console.log(
    JSON.stringify(
      {
        root,
        requests: ms.length,
        p50Ms: +q(0.5).toFixed(1),
        p99Ms: +q(0.99).toFixed(1),
        maxMs: +ms.at(-1)!.toFixed(1),
        over100Ms: ms.filter((x) => x > 100).length,
        doneAfterGatewayUpMs: Object.fromEntries(Object.entries(events).map(([k, v]) => [k, Math.round(v - upAt)])),
        loadAverage1m: { start: +load.toFixed(2), end: +loadavg()[0]!.toFixed(2) },
      },
      null,
      2,
    ),
  );
} finally {
  const exited = new Promise((r) => child.once('exit', r));
  if (child.exitCode === null) child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
  if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
}
