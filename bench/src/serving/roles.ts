// Starts Recgraph's roles as separate OS processes, the way docker-compose.yml
// and k8s/ run them (one process per subgraph, one gateway), or the all-in-one
// `npm start` process, so a benchmark measures the deployed shape from outside.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export const SUBGRAPH_NAMES = ['catalog', 'recommend', 'search', 'assistant'] as const;
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];

export type Layout = 'split' | 'all-in-one';

export interface RoleProcess {
  role: string;
  child: ChildProcess;
  logFile: string;
}

export interface RunningRoles {
  layout: Layout;
  gatewayUrl: string;
  subgraphUrls: Record<SubgraphName, string>;
  processes: RoleProcess[];
  /** Throws, with the log's tail, if a role process has exited (crashed under load). */
  assertAlive(): void;
  /** SIGTERM, then SIGKILL after a grace period; resolves when every process has exited. */
  stop(): Promise<void>;
}

export interface RoleSettings {
  databaseUrl: string;
  modelDir: string;
  subgraphSecret: string;
  jwtSecret: string;
  /** Where each process writes its log (stdout and stderr). */
  logDir: string;
  /** Shared Kafka for the split layout (model-events, subscriptions); undefined: each process's in-process bus. */
  kafkaBrokers?: string | undefined;
  log: (msg: string) => void;
  readyTimeoutMs?: number;
  /** Each role process writes a V8 CPU profile (.cpuprofile) under <dir>/<role> when it exits. */
  cpuProfDir?: string | undefined;
  /** Split layout with Kafka: also run the online feature updater (streaming/src/updater) in its own process. */
  withUpdater?: boolean;
  /** Topic and consumer-group prefix on the shared broker (default recgraph-bench-serving.). */
  topicPrefix?: string;
}

/** A free loopback port (bound and released; the role binds it a moment later). */
export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => (addr && typeof addr === 'object' ? res(addr.port) : rej(new Error('no port'))));
    });
  });
}

// Every child this module started and that has not exited yet, so an aborted run leaves nothing listening.
const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const c of live) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const)
    process.once(sig, () => {
      for (const c of live) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
      setTimeout(() => process.exit(130), 3000).unref();
    });
}

/** `node --import tsx <entry>`: what `tsx <entry>` runs, without a wrapper process in between. */
function spawnRole(
  role: string,
  entry: string,
  env: NodeJS.ProcessEnv,
  logDir: string,
  cpuProfDir?: string,
): RoleProcess {
  installExitHook();
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, `${role}.log`);
  const fd = openSync(logFile, 'w');
  const profile = cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${join(resolve(cpuProfDir), role)}`] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', entry], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  live.add(child);
  child.once('exit', () => live.delete(child));
  return { role, child, logFile };
}

function assertAlive(processes: RoleProcess[]): void {
  for (const p of processes)
    if (p.child.exitCode !== null || p.child.signalCode !== null)
      throw new Error(
        `${p.role} (pid ${p.child.pid}) exited (${p.child.exitCode ?? p.child.signalCode}) under load; log ${p.logFile}:\n${tail(p.logFile, 40)}`,
      );
}

const tail = (file: string, lines = 25) => {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
};

async function waitReady(p: RoleProcess, origin: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (p.child.exitCode !== null || p.child.signalCode !== null)
      throw new Error(
        `${p.role} exited (${p.child.exitCode ?? p.child.signalCode}) before it was ready:\n${tail(p.logFile)}`,
      );
    try {
      const res = await fetch(`${origin}/health/ready`, { signal: AbortSignal.timeout(3000) });
      if (res.ok) return;
      last = `${res.status} ${(await res.text()).slice(0, 300)}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(
    `${p.role} not ready at ${origin}/health/ready within ${timeoutMs / 1000} s (last: ${last}):\n${tail(p.logFile)}`,
  );
}

async function stopAll(processes: RoleProcess[], graceMs = 15_000): Promise<void> {
  await Promise.all(
    processes.map(
      ({ child }) =>
        new Promise<void>((res) => {
          if (child.exitCode !== null || child.signalCode !== null) return res();
          const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
          child.once('exit', () => {
            clearTimeout(kill);
            res();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
}

/** The key the bench's roles sign and verify forwarded identities with (direct subgraph requests sign with it too). */
export const BENCH_IDENTITY_SIGNING_KEY = 'bench-identity-signing-key-0123456789abcdef';

/**
 * The issuer and audience the bench's gateway requires of tokens (production requires both);
 * tokens the benchmarks sign carry them.
 */
export const BENCH_JWT_CLAIMS = { issuer: 'recgraph-bench', audience: 'recgraph-api' } as const;

/** The environment packages/config reads, as a deployment would set it (docker-compose.yml's x-recgraph env). */
function baseEnv(s: RoleSettings, ports: Record<SubgraphName | 'gateway', number>, dataDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Settings of the shell the bench runs in must not leak into the roles under test.
  for (const k of Object.keys(env))
    if (/^(TEST_|BENCH_|OTEL_|KAFKA_|CATALOG_|RECOMMEND_|SEARCH_|ASSISTANT_|GATEWAY_|TRAINER_|UPDATER_)/.test(k))
      delete env[k];
  return {
    ...env,
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    HOST: '127.0.0.1',
    DATABASE_URL: s.databaseUrl,
    SUBGRAPH_SECRET: s.subgraphSecret,
    IDENTITY_SIGNING_KEY: BENCH_IDENTITY_SIGNING_KEY,
    JWT_HS256_SECRET: s.jwtSecret,
    JWT_ISSUER: BENCH_JWT_CLAIMS.issuer,
    JWT_AUDIENCE: BENCH_JWT_CLAIMS.audience,
    // The per-identity limiter (600/min by default) would answer RATE_LIMITED under load: off, as for any load test.
    RATE_LIMIT_POINTS: '0',
    MODEL_DIR: s.modelDir,
    RECGRAPH_DATA_DIR: dataDir,
    SEED_DEMO: 'false',
    SUPERGRAPH_MODE: 'static',
    GATEWAY_PORT: String(ports.gateway),
    CATALOG_PORT: String(ports.catalog),
    RECOMMEND_PORT: String(ports.recommend),
    SEARCH_PORT: String(ports.search),
    ASSISTANT_PORT: String(ports.assistant),
  };
}

async function allocatePorts(): Promise<Record<SubgraphName | 'gateway', number>> {
  const [gateway, catalog, recommend, search, assistant] = await Promise.all(
    Array.from({ length: 5 }, () => freePort()),
  );
  return { gateway: gateway!, catalog: catalog!, recommend: recommend!, search: search!, assistant: assistant! };
}

const origin = (port: number) => `http://127.0.0.1:${port}`;

/**
 * Every role in its own process: `subgraphs/<name>/src/index.ts` ×4, then
 * `gateway/src/index.ts` once the subgraphs answer /health/ready (the gateway's
 * readiness probes them too). The gateway finds them through *_PORT on HOST,
 * as `subgraphUrlsFromConfig` reads it.
 */
export async function startSplitRoles(s: RoleSettings): Promise<RunningRoles> {
  const ports = await allocatePorts();
  const env = baseEnv(s, ports, join(s.logDir, 'data-split'));
  if (s.kafkaBrokers) {
    env.KAFKA_BROKERS = s.kafkaBrokers;
    env.KAFKA_TOPIC_PREFIX = s.topicPrefix ?? 'recgraph-bench-serving.';
  }
  const timeout = s.readyTimeoutMs ?? 240_000;
  const processes: RoleProcess[] = [];
  const stop = () => stopAll(processes);
  try {
    const t = performance.now();
    const subgraphs = SUBGRAPH_NAMES.map((name) =>
      spawnRole(name, `subgraphs/${name}/src/index.ts`, env, s.logDir, s.cpuProfDir),
    );
    processes.push(...subgraphs);
    await Promise.all(subgraphs.map((p, i) => waitReady(p, origin(ports[SUBGRAPH_NAMES[i]!]), timeout)));
    const gateway = spawnRole('gateway', 'gateway/src/index.ts', env, s.logDir, s.cpuProfDir);
    processes.push(gateway);
    await waitReady(gateway, origin(ports.gateway), timeout);
    if (s.withUpdater && s.kafkaBrokers) {
      const updaterPort = await freePort();
      const updaterEnv = { ...env, UPDATER_PORT: String(updaterPort) };
      const updater = spawnRole('updater', 'streaming/src/updater/index.ts', updaterEnv, s.logDir, s.cpuProfDir);
      processes.push(updater);
      await waitReady(updater, origin(updaterPort), timeout);
    }
    s.log(
      `split layout ready in ${((performance.now() - t) / 1000).toFixed(1)} s: ${processes.map((p) => `${p.role} pid ${p.child.pid}`).join(', ')}`,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return running('split', ports, processes, stop);
}

/** The handle on a started layout: where its gateway and subgraphs answer, and its processes. */
function running(
  layout: Layout,
  ports: Awaited<ReturnType<typeof allocatePorts>>,
  processes: RoleProcess[],
  stop: () => Promise<void>,
): RunningRoles {
  return {
    layout,
    gatewayUrl: `${origin(ports.gateway)}/graphql`,
    subgraphUrls: Object.fromEntries(SUBGRAPH_NAMES.map((n) => [n, `${origin(ports[n])}/graphql`])) as Record<
      SubgraphName,
      string
    >,
    processes,
    assertAlive: () => assertAlive(processes),
    stop,
  };
}

/**
 * `npm start` (scripts/start.ts) in one process, on the same database: it finds
 * products and an active model, so it seeds and trains nothing, and runs the
 * updater and trainer on its in-process bus beside the servers, as it ships.
 */
export async function startAllInOne(s: RoleSettings): Promise<RunningRoles> {
  const ports = await allocatePorts();
  const env = baseEnv(s, ports, join(s.logDir, 'data-all-in-one'));
  const processes: RoleProcess[] = [];
  const stop = () => stopAll(processes);
  try {
    const t = performance.now();
    const p = spawnRole('all-in-one', 'scripts/start.ts', env, s.logDir, s.cpuProfDir);
    processes.push(p);
    await waitReady(p, origin(ports.gateway), s.readyTimeoutMs ?? 240_000);
    s.log(`all-in-one ready in ${((performance.now() - t) / 1000).toFixed(1)} s: pid ${p.child.pid}`);
  } catch (err) {
    await stop();
    throw err;
  }
  return running('all-in-one', ports, processes, stop);
}

export const startRoles = (layout: Layout, s: RoleSettings) =>
  layout === 'split' ? startSplitRoles(s) : startAllInOne(s);
