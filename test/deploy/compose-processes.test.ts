// docker-compose.yml without Docker: every application service runs as a local process with the
// command and environment compose resolves for it (compose-go, from an .env made as the README
// says). Service host names map to loopback: `postgres` to a fresh database on the project's real
// Postgres, `kafka` to the real broker behind a door that stays closed at first, so the roles
// must start and serve without Kafka, then attach once it answers and carry events end to end.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDevToken, signForwardedIdentity } from '@recgraph/auth';
import { generateStore, seedStore } from '@recgraph/data';
import { openDatabase } from '@recgraph/db';
import { createTestDatabase, realPostgresUrl } from '../../packages/db/test/real-postgres.ts';
import { brokerDoor, type BrokerDoor } from '../../packages/events/test/broker-door.ts';
import { realKafkaBrokers } from '../../packages/events/test/real-kafka.ts';
import { seedFixture, type Fixture } from '../../gateway/test/support/fixture.ts';
import { appServices, composeEnvValues, renderCompose, ROOT, writeEnvFile, type ComposeService } from './support.ts';

const serverUrl = await realPostgresUrl();
const brokers = realKafkaBrokers();

interface Role {
  service: string;
  process: ChildProcess;
  log: string;
  env: Record<string, string>;
  /** Where its /health/ready answers (absent for the migrate job). */
  health?: string;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const tail = (file: string) => readFileSync(file, 'utf8').split('\n').slice(-25).join('\n');

describe.skipIf(!serverUrl || !brokers)('compose application services as local processes', () => {
  const logs = mkdtempSync(join(tmpdir(), 'recgraph-compose-'));
  const roles: Role[] = [];
  const composeEnv = composeEnvValues();
  let door: BrokerDoor;
  let databaseUrl: string;
  let fixture: Fixture;
  let services: [string, ComposeService, string][];
  let gatewayUrl: string;

  /** The service's compose environment with host names and ports mapped to this machine. */
  function localEnv(env: Record<string, string>, ports: Map<string, Map<string, number>>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(env)) {
      let value = v;
      if (k === 'DATABASE_URL') value = databaseUrl;
      else if (k === 'KAFKA_BROKERS') value = door.address;
      else if (k === 'HOST') value = '127.0.0.1';
      else if (k === 'OTEL_EXPORTER_OTLP_ENDPOINT' || k === 'MLFLOW_TRACKING_URI') continue; // services not run here
      // http://<service>:<port>/... → the port that service was given here.
      value = value.replace(/^http:\/\/([a-z-]+):(\d+)/, (all, host: string, port: string) => {
        const mapped = ports.get(host)?.get(port);
        return mapped ? `http://127.0.0.1:${mapped}` : all;
      });
      out[k] = value;
    }
    return out;
  }

  function start(service: string, command: string[], env: Record<string, string>, health?: string): Role {
    const log = join(logs, `${service}.log`);
    const out = createWriteStream(log);
    const child = spawn(command[0]!, command.slice(1), {
      cwd: ROOT,
      // Nothing of this shell leaks in: the role sees what compose would give it.
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        RECGRAPH_DATA_DIR: join(logs, service),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.pipe(out);
    child.stderr.pipe(out);
    const role = { service, process: child, log, env, ...(health ? { health } : {}) };
    roles.push(role);
    return role;
  }

  async function ready(role: Role, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (role.process.exitCode !== null)
        throw new Error(`${role.service} exited ${role.process.exitCode}:\n${tail(role.log)}`);
      const ok = await fetch(role.health!, { signal: AbortSignal.timeout(2000) }).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`${role.service} not ready within ${timeoutMs} ms:\n${tail(role.log)}`);
  }

  beforeAll(async () => {
    databaseUrl = await createTestDatabase(serverUrl!);
    door = await brokerDoor(brokers![0]!);
    const rendered = renderCompose(writeEnvFile(composeEnv)).services;
    services = appServices(rendered);
    // Each service's ports (its *_PORT settings) get free ones here.
    const ports = new Map<string, Map<string, number>>();
    for (const [name, s] of services) {
      const mine = new Map<string, number>();
      for (const [k, v] of Object.entries(s.environment ?? {}))
        if (k.endsWith('_PORT') && v) mine.set(v, await freePort());
      ports.set(name, mine);
    }
    const envOf = (name: string, s: ComposeService) =>
      localEnv(
        Object.fromEntries(Object.entries(s.environment ?? {}).filter((e): e is [string, string] => e[1] !== null)),
        ports,
      );
    const healthOf = (name: string, env: Record<string, string>) => {
      const port = env.GATEWAY_OPS_PORT ?? Object.entries(env).find(([k]) => k.endsWith('_PORT'))?.[1];
      return port ? `http://127.0.0.1:${port}/health/ready` : undefined;
    };
    const mapPorts = (name: string, env: Record<string, string>) => {
      for (const [k, v] of Object.entries(env)) if (k.endsWith('_PORT')) env[k] = String(ports.get(name)!.get(v) ?? v);
      return env;
    };

    // Start order as compose has it: migrate runs to completion first.
    const [, migrateService] = services.find(([n]) => n === 'migrate')!;
    const migrate = start('migrate', migrateService.command!, envOf('migrate', migrateService));
    const code = await new Promise<number | null>((r) => migrate.process.once('exit', r));
    expect(code, tail(migrate.log)).toBe(0);
    const db = await openDatabase({ url: databaseUrl, poolSize: 2 });
    fixture = await seedFixture(db.prisma);
    // Enough history to train a model on.
    await seedStore(db, generateStore({ seed: 7, products: 60, users: 30, interactionsPerUser: 15 }));
    await db.close();

    // Every role at once (the GPU profile's trainer is not part of a default `up`).
    // A second recommend replica: it shares nothing with the first but the database.
    const [, recommendService] = services.find(([n]) => n === 'recommend')!;
    services.push(['recommend-2', recommendService, 'recommend']);
    ports.set('recommend-2', new Map([['4002', await freePort()]]));
    for (const [name, s] of services) {
      if (name === 'migrate') continue;
      const env = mapPorts(name, envOf(name, s));
      // Replicas notice a model promoted by the nightly job (no bus event) by polling the registry; 30 s by default.
      if (name.startsWith('recommend')) env.MODEL_POLL_INTERVAL_S = '1';
      start(name, s.command!, env, healthOf(name, env));
    }
    await Promise.all(roles.filter((r) => r.health).map((r) => ready(r, 150_000)));
    const gateway = roles.find((r) => r.service === 'gateway')!;
    gatewayUrl = `http://127.0.0.1:${gateway.env.GATEWAY_PORT}/graphql`;
  }, 240_000);

  afterAll(async () => {
    await Promise.all(
      roles.map(
        (r) =>
          new Promise<void>((resolve) => {
            if (r.process.exitCode !== null || r.process.signalCode !== null) return resolve();
            r.process.once('exit', () => resolve());
            r.process.kill('SIGTERM');
            setTimeout(() => r.process.kill('SIGKILL'), 10_000).unref();
          }),
      ),
    );
    await door?.close();
  }, 60_000);

  const gql = async (query: string, variables: Record<string, unknown> = {}, token?: string) => {
    const res = await fetch(gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
  };

  it('runs every default application service, each ready while Kafka is still unreachable', () => {
    expect(roles.map((r) => r.service).sort()).toEqual(
      ['assistant', 'catalog', 'gateway', 'migrate', 'recommend', 'recommend-2', 'search', 'trainer', 'updater'].sort(),
    );
    for (const r of roles) if (r.service !== 'migrate') expect(r.process.exitCode, r.service).toBeNull();
  });

  it('the gateway answers a federated query (catalog, search and recommend) without Kafka', async () => {
    const mug = fixture.products.mug;
    const res = await gql(
      `query ($id: ID!) {
        product(id: $id) { sku }
        search(query: "mug") { totalCount }
        popularProducts(first: 3) { id }
      }`,
      { id: mug.id },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data?.product).toEqual({ sku: 'MUG-1' });
    expect((res.data?.search as { totalCount: number }).totalCount).toBeGreaterThan(0);
    expect(Array.isArray(res.data?.popularProducts)).toBe(true);
    const gateway = roles.find((r) => r.service === 'gateway')!;
    const subgraphs = await fetch(`http://127.0.0.1:${gateway.env.GATEWAY_OPS_PORT}/health/subgraphs`);
    expect(subgraphs.status).toBe(200);
  });

  it('an event tracked while Kafka is down is stored, and reaches the updater once the broker appears', async () => {
    const token = await signDevToken(composeEnv.JWT_HS256_SECRET!, {
      sub: fixture.users.shopper.id,
      role: 'customer',
      issuer: composeEnv.JWT_ISSUER,
      audience: composeEnv.JWT_AUDIENCE,
    });
    const track = (eventId: string) =>
      gql(
        `mutation ($i: TrackEventInput!) { trackEvent(input: $i) { eventId status } }`,
        { i: { eventId, type: 'VIEW', productId: fixture.products.mug.id } },
        token,
      );
    expect((await track('compose:before-kafka')).data).toEqual({
      trackEvent: { eventId: 'compose:before-kafka', status: 'RECORDED' },
    });
    await door.open();
    expect((await track('compose:after-kafka')).data).toMatchObject({ trackEvent: { status: 'RECORDED' } });
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      // The updater marks what it folded; both events travelled outbox → Kafka → updater.
      await expect
        .poll(
          async () =>
            (
              await client.query<{ n: string }>(
                `SELECT count(*) AS n FROM interactions WHERE event_id LIKE 'compose:%' AND folded_at IS NOT NULL`,
              )
            ).rows[0]!.n,
          { timeout: 60_000, interval: 1_000 },
        )
        .toBe('2');
    } finally {
      await client.end();
    }
  }, 90_000);

  it('a model trained by one trainer process is served by two recommend processes that share nothing but the database', async () => {
    // The nightly job's command (k8s train CronJob) with the trainer's compose environment.
    const [, trainerService] = services.find(([n]) => n === 'trainer')!;
    const env = localEnv(
      Object.fromEntries(
        Object.entries(trainerService.environment ?? {}).filter((e): e is [string, string] => e[1] !== null),
      ),
      new Map(),
    );
    const train = start('train-job', ['node', '--import', 'tsx', 'packages/training/src/cli/train.ts'], env);
    expect(await new Promise((r) => train.process.once('exit', r)), tail(train.log)).toBe(0);
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    const active = (
      await client.query<{ id: string; artifact_uri: string }>(
        `SELECT id, artifact_uri FROM model_versions WHERE status = 'ACTIVE'`,
      )
    ).rows;
    await client.end();
    expect(active).toHaveLength(1);
    // In the shared store, not on the trainer's disk.
    expect(active[0]!.artifact_uri).toBe(`db:model_artifacts/${active[0]!.id}`);
    const identity = await signForwardedIdentity(
      { role: 'admin', sub: fixture.users.admin.id, scopes: ['read'], allowedUserIds: [] },
      composeEnv.IDENTITY_SIGNING_KEY!,
    );
    for (const replica of roles.filter((r) => r.service.startsWith('recommend'))) {
      const served = async () => {
        const res = await fetch(`http://127.0.0.1:${replica.env.RECOMMEND_PORT}/graphql`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-recgraph-gateway': composeEnv.SUBGRAPH_SECRET!,
            'x-recgraph-identity': identity,
          },
          body: JSON.stringify({ query: '{ activeModel { version { id } items } }' }),
        });
        const body = (await res.json()) as { data?: { activeModel: { version: { id: string } } | null } };
        return body.data?.activeModel?.version.id;
      };
      await expect.poll(served, { timeout: 30_000, interval: 500 }).toBe(active[0]!.id);
    }
  }, 90_000);
});
