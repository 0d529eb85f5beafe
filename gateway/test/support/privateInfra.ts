/**
 * A Postgres server and a Kafka broker of this test's own, on free ports in a temp directory
 * (scripts/infra with INFRA_STATE_DIR), so outage tests can stop and start them without touching
 * the shared servers every other suite uses. The installed tools (pgserver, the broker's jars)
 * are the shared infra's: `npm run infra:up` must have run once.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export type Service = 'postgres' | 'kafka';

export interface PrivateInfra {
  /** postgresql://…/recgraph on the private server. */
  databaseUrl: string;
  brokers: string[];
  /** scripts/infra/down.sh <service>: Postgres stops fast (pg_ctl -m fast), the broker shuts down cleanly. */
  stop(service: Service): Promise<void>;
  /** scripts/infra/up.sh <service>. */
  start(service: Service): Promise<void>;
  /** Stops both and deletes the directory. */
  close(): Promise<void>;
}

export async function startPrivateInfra(): Promise<PrivateInfra> {
  const dir = mkdtempSync(join(tmpdir(), 'recgraph-private-infra-'));
  const [pg, kafka, controller, saslSsl, ssl] = await Promise.all(Array.from({ length: 5 }, freePort));
  const ports = {
    INFRA_PG_PORT: String(pg),
    INFRA_KAFKA_PORT: String(kafka),
    INFRA_KAFKA_CONTROLLER_PORT: String(controller),
    INFRA_KAFKA_SASL_SSL_PORT: String(saslSsl),
    INFRA_KAFKA_SSL_PORT: String(ssl),
  };
  // One state directory per service: each has its own infra lock, so both start at once.
  const script = async (action: 'up' | 'down', service: Service) => {
    const env = { ...process.env, ...ports, INFRA_STATE_DIR: join(dir, service) };
    try {
      await exec('bash', [`scripts/infra/${action}.sh`, service], { cwd: repoRoot, env, timeout: 150_000 });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      throw new Error(`scripts/infra/${action}.sh ${service} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
    }
  };
  const started = await Promise.allSettled([script('up', 'postgres'), script('up', 'kafka')]);
  const failed = started.find((r) => r.status === 'rejected');
  if (failed) {
    await Promise.allSettled([script('down', 'postgres'), script('down', 'kafka')]);
    rmSync(dir, { recursive: true, force: true });
    throw (failed as PromiseRejectedResult).reason;
  }
  return {
    databaseUrl: `postgresql://postgres@127.0.0.1:${pg}/recgraph`,
    brokers: [`127.0.0.1:${kafka}`],
    stop: (service) => script('down', service),
    start: (service) => script('up', service),
    async close() {
      await Promise.allSettled([script('down', 'postgres'), script('down', 'kafka')]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
