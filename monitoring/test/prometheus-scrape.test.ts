/**
 * A real Prometheus (Debian's build, from `npm run infra:up`) scrapes a running platform:
 * the gateway and the four subgraphs, the online updater and the trainer, on free ports,
 * over the real Postgres and the real Kafka broker, with the shipped scrape config
 * (targets swapped for those ports) and the shipped recording and alert rules. Traffic
 * goes through the gateway and the event stream; then every recording rule must evaluate
 * and return series, and so must every dashboard panel's PromQL. Each role's /metrics also
 * passes `promtool check metrics`, and the dashboards' JSON files are current.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse, stringify } from 'yaml';
import { signDevToken } from '@recgraph/auth';
import { DEV_JWT_SECRET } from '@recgraph/config';
import { generateStore, seedStore } from '@recgraph/data';
import { openDatabase, type Database } from '@recgraph/db';
import { createEventBus, STREAMING_TOPIC, STREAMING_TOPICS, type EventBus } from '@recgraph/events';
import { SUBGRAPHS } from '@recgraph/gateway/subgraphList';
import {
  createOnlineFeatureUpdater,
  createPeriodicTrainer,
  type OnlineFeatureUpdater,
  type PeriodicTrainer,
} from '@recgraph/streaming';
import { createTestDatabase, realPostgresUrl } from '../../packages/db/test/real-postgres.ts';
import { realKafkaBrokers } from '../../packages/events/test/real-kafka.ts';
import { startTestStack, type TestStack } from '../../gateway/test/support/testStack.ts';
import { DASHBOARDS, DASHBOARDS_DIR, dashboardJson } from '../src/dashboards.ts';
import { MONITORING_DIR, prometheusBin, promtoolBin } from './tools.ts';

const prometheus = prometheusBin();
const promtool = promtoolBin();
const brokers = realKafkaBrokers();
const pgUrl = await realPostgresUrl();
const run = `${Date.now().toString(36)}${randomUUID().slice(0, 6)}`;

/** The roles the shipped config must scrape: the gateway, every subgraph, and both workers. */
const ROLES = ['gateway', ...SUBGRAPHS.map((s) => s.name), 'updater', 'trainer'];

type ScrapeConfig = { job_name: string; static_configs: { targets: string[]; labels?: Record<string, string> }[] };

const listen = async (server: Server): Promise<number> => {
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return (server.address() as AddressInfo).port;
};

const freePort = async () => {
  const s = createServer();
  const port = await listen(s);
  await new Promise((r) => s.close(r));
  return port;
};

describe.skipIf(!prometheus || !promtool || !brokers || !pgUrl)('a real Prometheus scraping the platform', () => {
  let t: TestStack;
  let bus: EventBus;
  let updater: OnlineFeatureUpdater;
  let trainer: PeriodicTrainer;
  let trainerDb: Database;
  const servers: Server[] = [];
  let prom: ChildProcess | undefined;
  let promUrl = '';
  let dir = '';
  const targets = new Map<string, string>();

  async function query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
    const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await res.json()) as { status: string; error?: string; data?: { result: never[] } };
    if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`);
    return body.data!.result;
  }

  /** One round of traffic: queries (ok and a client error), a served list, and what the shopper did with it. */
  async function traffic(token: string, userId: string): Promise<void> {
    const { products } = t.fixture;
    const product = await t.gql(
      `query ProductPage($id: ID!) { product(id: $id) { id title recommendedWith(first: 3) { sku } } }`,
      {
        id: products.headphones.id,
      },
    );
    expect(product.errors).toBeUndefined();
    const bad = await t.gql(`query BadPage { products(first: 0) { totalCount } }`);
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const recs = await t.gql<{ recommendations: { product: { id: string } }[] }>(
      `query ForYou($u: ID!) { recommendations(userId: $u, first: 5) { product { id } } }`,
      { u: userId },
      { token },
    );
    expect(recs.errors).toBeUndefined();
    const shown = recs.data!.recommendations[0]!.product.id;
    const events = ['CLICK', 'ADD_TO_CART', 'PURCHASE'].map((type) => ({
      eventId: `scrape-${type}-${randomUUID()}`,
      type,
      productId: shown,
    }));
    const tracked = await t.gql(
      `mutation Track($i: [TrackEventInput!]!) { trackEvents(inputs: $i) { recorded } }`,
      { i: events },
      { token },
    );
    expect(tracked.errors).toBeUndefined();
  }

  beforeAll(async () => {
    bus = createEventBus({
      brokers: brokers!,
      clientId: 'prometheus-scrape',
      topicPrefix: `scrape.${run}.`,
      kafka: { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 300, rebalanceTimeoutMs: 6_000, maxWaitTimeMs: 100 },
    });
    await bus.ensureTopics(STREAMING_TOPICS);
    t = await startTestStack({ bus, databaseUrl: await createTestDatabase(pgUrl!) });
    updater = createOnlineFeatureUpdater({ bus, db: t.db, groupId: `scrape-updater-${run}`, batchSize: 50, k: 5 });
    await updater.start();
    // The trainer on a small synthetic store of its own: one promoted model, so the model gauges exist.
    trainerDb = await openDatabase({ url: await createTestDatabase(pgUrl!), poolSize: 4 });
    await seedStore(trainerDb, generateStore({ seed: 7, products: 60, users: 80 }));
    dir = mkdtempSync(join(tmpdir(), 'rg-prometheus-'));
    trainer = createPeriodicTrainer({
      db: trainerDb,
      bus,
      training: {
        algorithm: 'als',
        params: { factors: 8, iterations: 3 },
        modelDir: join(dir, 'models'),
        margin: 0.01,
      },
      embeddings: false,
    });
    await trainer.start();
    expect((await trainer.runNow('manual')).outcome).toBe('promoted');

    // Each role's /metrics where Prometheus expects it.
    for (const [name, s] of Object.entries(t.stack.subgraphs)) targets.set(name, new URL(s.url).host);
    targets.set('gateway', new URL(t.stack.gateway.url).host);
    for (const [name, registry] of [
      ['updater', updater.metrics.service],
      ['trainer', trainer.metrics.service],
    ] as const) {
      const server = createServer((req, res) => void registry.handle(req, res));
      servers.push(server);
      targets.set(name, `127.0.0.1:${await listen(server)}`);
    }

    // A dead letter: an undecodable message straight onto the interactions topic.
    await bus.publish(STREAMING_TOPIC.interactions, [{ key: 'scrape', value: Buffer.from('not an event') }]);

    // The shipped config, with this run's targets, a 1 s cadence and no Alertmanager.
    const shipped = parse(readFileSync(`${MONITORING_DIR}prometheus/prometheus.yml`, 'utf8')) as {
      global: Record<string, unknown>;
      rule_files: string[];
      alerting?: unknown;
      scrape_configs: ScrapeConfig[];
    };
    const port = await freePort();
    targets.set('prometheus', `127.0.0.1:${port}`);
    const config = {
      ...shipped,
      global: { ...shipped.global, scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: shipped.rule_files.map((f) => `${MONITORING_DIR}prometheus/${f}`),
      alerting: undefined,
      scrape_configs: shipped.scrape_configs
        .filter((c) => targets.has(c.job_name))
        .map((c) => ({
          ...c,
          static_configs: c.static_configs.map((s) => ({ ...s, targets: [targets.get(c.job_name)!] })),
        })),
    };
    writeFileSync(join(dir, 'prometheus.yml'), stringify(config));

    const token = await signDevToken(DEV_JWT_SECRET, { sub: t.fixture.users.shopper.id, role: 'customer' });
    await traffic(token, t.fixture.users.shopper.id);

    prom = spawn(
      prometheus!,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let log = '';
    prom.stderr!.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-4000)));
    promUrl = `http://127.0.0.1:${port}`;
    await vi.waitFor(
      async () => {
        if (prom!.exitCode !== null) throw new Error(`prometheus exited: ${log}`);
        expect((await fetch(`${promUrl}/-/ready`)).status).toBe(200);
      },
      { timeout: 20_000, interval: 200 },
    );
    // A second round once Prometheus has scraped the first, so every counter moves between scrapes.
    await vi.waitFor(async () => expect(await query('up{job="gateway"}')).toHaveLength(1), {
      timeout: 10_000,
      interval: 200,
    });
    await new Promise((r) => setTimeout(r, 1500));
    await traffic(token, t.fixture.users.shopper.id);
    await trainer.runNow('manual');
  }, 180_000);

  afterAll(async () => {
    prom?.kill('SIGTERM');
    for (const s of servers) s.close();
    await trainer?.stop();
    await updater?.stop();
    await t?.stop();
    await trainerDb?.close();
    await bus?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the shipped config scrapes every role, and every target is up', async () => {
    const shipped = parse(readFileSync(`${MONITORING_DIR}prometheus/prometheus.yml`, 'utf8')) as {
      scrape_configs: ScrapeConfig[];
    };
    const jobs = shipped.scrape_configs.map((c) => c.job_name);
    expect(jobs).toEqual(expect.arrayContaining(ROLES));
    await vi.waitFor(
      async () => {
        const up = await query('up');
        expect(
          up
            .filter((s) => s.value[1] === '1')
            .map((s) => s.metric.service)
            .sort(),
        ).toEqual([...ROLES, 'prometheus'].sort());
      },
      { timeout: 15_000, interval: 250 },
    );
  });

  it('every role’s /metrics passes promtool check metrics', async () => {
    for (const role of ROLES) {
      const text = await (await fetch(`http://${targets.get(role)}/metrics`)).text();
      const out = await new Promise<string>((resolve) => {
        const p = execFile(promtool!, ['check', 'metrics'], (_err, stdout, stderr) => resolve(stdout + stderr));
        p.stdin!.end(text);
      });
      // promtool lists problems one per line and prints nothing when there are none. prom-client's
      // default nodejs_active_* gauges end in _total (its naming, not ours): those lines are ignored.
      const problems = out
        .split('\n')
        .filter((l) => l.trim() && !/^recgraph_[a-z]+_nodejs_active_\w+_total non-counter/.test(l));
      expect(problems, role).toEqual([]);
    }
  });

  it('every recording rule evaluates and returns series', async () => {
    await vi.waitFor(
      async () => {
        const res = (await (await fetch(`${promUrl}/api/v1/rules?type=record`)).json()) as {
          data: { groups: { rules: { name: string; health: string; lastError?: string }[] }[] };
        };
        const rules = res.data.groups.flatMap((g) => g.rules);
        expect(rules.length).toBeGreaterThan(30);
        expect(
          rules.filter((r) => r.health !== 'ok').map((r) => `${r.name}: ${r.health} ${r.lastError ?? ''}`),
        ).toEqual([]);
        const empty: string[] = [];
        for (const r of rules) if ((await query(r.name)).length === 0) empty.push(r.name);
        expect(empty).toEqual([]);
      },
      { timeout: 30_000, interval: 1000 },
    );
  });

  it('every dashboard panel’s PromQL parses and returns series', async () => {
    const exprs = DASHBOARDS.flatMap((d) =>
      d.panels.flatMap((p) => p.targets.map((x) => ({ where: `${d.uid} / ${p.title}`, expr: x.expr }))),
    );
    await vi.waitFor(
      async () => {
        const empty: string[] = [];
        for (const { where, expr } of exprs) if ((await query(expr)).length === 0) empty.push(`${where}: ${expr}`);
        expect(empty).toEqual([]);
      },
      { timeout: 30_000, interval: 1000 },
    );
  });

  it('the series say what happened: attributed clicks and revenue, a client error that spends no budget, a dead letter', async () => {
    const value = async (expr: string) => Number((await query(expr))[0]?.value[1] ?? NaN);
    await vi.waitFor(
      async () => {
        // The shopper clicked, carted and bought from the list shown.
        expect(await value('max(recgraph:kpi_ctr:ratio)')).toBeGreaterThan(0);
        expect(await value('max(recgraph:kpi_conversion:ratio)')).toBeGreaterThan(0);
        expect(await value('sum(recgraph:kpi_attributed_revenue:sum)')).toBeGreaterThan(0);
        expect(
          await value('recgraph:graphql_requests:rate5m{service="gateway",operation="BadPage",outcome="client_error"}'),
        ).toBeGreaterThan(0);
        expect(await value('sum(recgraph:graphql_requests:rate5m{service="gateway",outcome="error"})')).toBe(0);
        expect(await value('sum(recgraph_updater_dead_letters_total)')).toBeGreaterThan(0);
        expect(await value('count(recgraph_updater_update_latency_seconds_count > 0)')).toBe(1);
      },
      { timeout: 20_000, interval: 1000 },
    );
  });

  it('the provisioned dashboard files are the ones monitoring/src/dashboards.ts defines (npm run dashboards)', () => {
    for (const d of DASHBOARDS)
      expect(JSON.parse(readFileSync(new URL(`${d.uid}.json`, DASHBOARDS_DIR), 'utf8'))).toEqual(dashboardJson(d));
  });
});
