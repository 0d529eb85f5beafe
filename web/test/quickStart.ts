import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

export interface QuickStart {
  /** The storefront's URL as the banner prints it (the gateway's origin). */
  origin: string;
  /** Where the demo store's product photos are. */
  imagesDir: string;
  stop(): Promise<void>;
}

/**
 * `npm start` (scripts/start.ts) as a shopper runs it: embedded Postgres, the demo store,
 * the first model, every role, the storefront built if stale, on free ports. A small store
 * and a trainer that retrains after a few events, so a test's browsing makes a new version.
 */
export async function startQuickStart(): Promise<QuickStart> {
  const dataDir = mkdtempSync(join(tmpdir(), 'recgraph-web-'));
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'development',
      RECGRAPH_DATA_DIR: dataDir,
      DATABASE_URL: '',
      KAFKA_BROKERS: '',
      DEMO_PRODUCTS: '80',
      LOG_LEVEL: 'warn',
      GATEWAY_PORT: '0',
      CATALOG_PORT: '0',
      RECOMMEND_PORT: '0',
      SEARCH_PORT: '0',
      ASSISTANT_PORT: '0',
      EMBEDDED_PG_PORT: '0',
      TRAINER_AFTER_EVENTS: '8',
      TRAINER_CHECK_SECONDS: '2',
      TRAINER_TUNING_BUDGET_S: '3',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const origin = await new Promise<string>((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`no banner within 240 s:\n${output.slice(-4000)}`)), 240_000);
      const check = () => {
        const m = /Storefront\s+(http:\/\/\S+)\//.exec(output);
        if (m) {
          clearTimeout(timer);
          done(m[1]!);
        }
      };
      child.stdout!.on('data', check);
      child.once('exit', (code) => {
        clearTimeout(timer);
        fail(new Error(`npm start exited ${code} before its banner:\n${output.slice(-4000)}`));
      });
    });
    return { origin, imagesDir: join(dataDir, 'images'), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
