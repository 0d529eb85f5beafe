import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { infraTool } from '../../../monitoring/test/tools.ts';

/** The MLflow CLI `npm run infra:up` installs (undefined locally without it; under CI its absence throws). */
export const mlflowBin = () => infraTool('mlflow-venv/bin/mlflow');

export interface MlflowServer {
  url: string;
  /** GET/POST one REST call of the tracking API (/api/2.0/mlflow/...), failing on non-2xx. */
  api<T>(path: string, body?: unknown): Promise<T>;
  /** The bytes of one run artifact, through the server's artifact proxy. */
  artifact(runArtifactUri: string, path: string): Promise<Uint8Array>;
  close(): Promise<void>;
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

/**
 * A real MLflow tracking server (`mlflow server`, SQLite store copied from the migrated
 * template infra:up prepares, artifacts served by the server) on a free loopback port.
 */
export async function startMlflowServer(bin: string): Promise<MlflowServer> {
  const dir = mkdtempSync(join(tmpdir(), 'rg-mlflow-'));
  copyFileSync(infraTool('mlflow-template.sqlite')!, join(dir, 'mlflow.db'));
  const port = await freePort();
  const child = spawn(
    bin,
    [
      'server',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--workers',
      '1',
      '--backend-store-uri',
      `sqlite:///${join(dir, 'mlflow.db')}`,
      '--artifacts-destination',
      join(dir, 'artifacts'),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], detached: true },
  );
  let log = '';
  child.stderr!.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  const close = async () => {
    // The server forks workers: stop the whole process group.
    if (child.exitCode === null) {
      process.kill(-child.pid!, 'SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 150_000;
  for (;;) {
    if (child.exitCode !== null) {
      await close();
      throw new Error(`mlflow server exited with ${child.exitCode}: ${log}`);
    }
    const ok = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      await close();
      throw new Error(`mlflow server did not answer /health within 150 s: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const server: MlflowServer = {
    url,
    async api<T>(path: string, body?: unknown): Promise<T> {
      const res = await fetch(`${url}/api/2.0/mlflow/${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      });
      if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    },
    async artifact(runArtifactUri, path) {
      const rest = runArtifactUri.replace(/^mlflow-artifacts:\/+/, '');
      const res = await fetch(`${url}/api/2.0/mlflow-artifacts/artifacts/${rest}/${path}`);
      if (!res.ok) throw new Error(`artifact ${path}: HTTP ${res.status}`);
      return new Uint8Array(await res.arrayBuffer());
    },
    close,
  };
  // The first tracking call initialises the store lazily (seconds on a busy machine): pay it here.
  await server.api('experiments/search', { max_results: 1 });
  return server;
}
