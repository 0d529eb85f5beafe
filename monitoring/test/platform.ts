/**
 * The whole platform observed by a real Prometheus, for the scrape test and the dashboard
 * renderer (render-dashboards.ts): the gateway and the four subgraphs, the online updater and
 * the trainer on free ports over the real Postgres and Kafka, and Prometheus (Debian's build)
 * running the shipped scrape config (targets swapped for those ports) and rules.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { signDevToken } from '@recgraph/auth';
import { DEV_JWT_SECRET } from '@recgraph/config';
import { generateStore, seedStore } from '@recgraph/data';
import { openDatabase, type Database } from '@recgraph/db';
import { createEventBus, STREAMING_TOPIC, STREAMING_TOPICS, type EventBus } from '@recgraph/events';
import {
  createOnlineFeatureUpdater,
  createPeriodicTrainer,
  type OnlineFeatureUpdater,
  type PeriodicTrainer,
} from '@recgraph/streaming';
import { createTestDatabase } from '../../packages/db/test/real-postgres.ts';
import { startTestStack, type TestStack } from '../../gateway/test/support/testStack.ts';
import { MONITORING_DIR } from './tools.ts';

export type ScrapeConfig = {
  job_name: string;
  static_configs: { targets: string[]; labels?: Record<string, string> }[];
};

export interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface RangeSeries {
  metric: Record<string, string>;
  values: [number, string][];
}

export interface TrafficOptions {
  /** A fixture user (default the shopper), or any user by id. */
  user?: 'shopper' | 'otherShopper' | 'u1' | 'u2' | 'u3' | { id: string };
  /** What the user does with the first product shown: click it (trackEvent), or click, add it to the cart and check out (default). */
  action?: 'click' | 'buy';
  /** An empty list: an error (default), or just no events (carted and bought products leave the list). */
  strict?: boolean;
}

export interface ObservedPlatform {
  stack: TestStack;
  updater: OnlineFeatureUpdater;
  trainer: PeriodicTrainer;
  /** job name → host:port Prometheus scrapes. */
  targets: Map<string, string>;
  prometheusUrl: string;
  /** An instant query; throws on a PromQL error. */
  query(expr: string): Promise<Sample[]>;
  queryRange(expr: string, start: number, end: number, stepS: number): Promise<RangeSeries[]>;
  /**
   * One round of traffic: a federated product page, a client error, a served list, and what the
   * user does with its first product. Throws when a response is not as expected.
   */
  traffic(o?: TrafficOptions): Promise<void>;
  /** An undecodable message on the interactions topic: the updater dead-letters it. */
  deadLetter(): Promise<void>;
  stop(): Promise<void>;
}

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

/** The shipped compose config (monitoring/prometheus/prometheus.yml), as parsed YAML. */
export function shippedPrometheusConfig(): {
  global: Record<string, unknown>;
  rule_files: string[];
  alerting?: unknown;
  scrape_configs: ScrapeConfig[];
} {
  return parse(readFileSync(`${MONITORING_DIR}prometheus/prometheus.yml`, 'utf8')) as ReturnType<
    typeof shippedPrometheusConfig
  >;
}

export async function startObservedPlatform(o: {
  brokers: string[];
  pgUrl: string;
  prometheusBin: string;
  scrapeInterval: string;
}): Promise<ObservedPlatform> {
  const run = `${Date.now().toString(36)}${randomUUID().slice(0, 6)}`;
  const cleanups: (() => Promise<void> | void)[] = [];
  const stop = async () => {
    for (const c of cleanups.reverse()) await c();
  };
  try {
    const bus: EventBus = createEventBus({
      brokers: o.brokers,
      clientId: 'observed-platform',
      topicPrefix: `observed.${run}.`,
      kafka: { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 300, rebalanceTimeoutMs: 6_000, maxWaitTimeMs: 100 },
    });
    cleanups.push(() => bus.close());
    await bus.ensureTopics(STREAMING_TOPICS);
    const stack = await startTestStack({ bus, databaseUrl: await createTestDatabase(o.pgUrl) });
    cleanups.push(() => stack.stop());
    const updater = createOnlineFeatureUpdater({
      bus,
      db: stack.db,
      groupId: `observed-updater-${run}`,
      batchSize: 50,
      k: 5,
    });
    await updater.start();
    cleanups.push(() => updater.stop());
    // The trainer on a small synthetic store of its own: one promoted model, so the model gauges exist.
    const trainerDb: Database = await openDatabase({ url: await createTestDatabase(o.pgUrl), poolSize: 4 });
    cleanups.push(() => trainerDb.close());
    await seedStore(trainerDb, generateStore({ seed: 7, products: 60, users: 80 }));
    const dir = mkdtempSync(join(tmpdir(), 'rg-prometheus-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const trainer = createPeriodicTrainer({
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
    cleanups.push(() => trainer.stop());
    const first = await trainer.runNow('manual');
    if (first.outcome !== 'promoted') throw new Error(`the first training run was ${first.outcome}, not promoted`);

    // Each role's /metrics where Prometheus expects it.
    const targets = new Map<string, string>();
    for (const [name, s] of Object.entries(stack.stack.subgraphs)) targets.set(name, new URL(s.url).host);
    targets.set('gateway', new URL(stack.stack.gateway.url).host);
    for (const [name, registry] of [
      ['updater', updater.metrics.service],
      ['trainer', trainer.metrics.service],
    ] as const) {
      const server = createServer((req, res) => void registry.handle(req, res));
      cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
      targets.set(name, `127.0.0.1:${await listen(server)}`);
    }

    // The shipped config with this run's targets, the given cadence and no Alertmanager.
    const shipped = shippedPrometheusConfig();
    const port = await freePort();
    targets.set('prometheus', `127.0.0.1:${port}`);
    const config = {
      ...shipped,
      global: { ...shipped.global, scrape_interval: o.scrapeInterval, evaluation_interval: o.scrapeInterval },
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
    const prom: ChildProcess = spawn(
      o.prometheusBin,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let log = '';
    prom.stderr!.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-4000)));
    cleanups.push(async () => {
      if (prom.exitCode === null) {
        prom.kill('SIGTERM');
        await new Promise((r) => prom.once('exit', r));
      }
    });
    const prometheusUrl = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      if (prom.exitCode !== null) throw new Error(`prometheus exited with ${prom.exitCode}: ${log}`);
      if (
        await fetch(`${prometheusUrl}/-/ready`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      if (i > 200) throw new Error(`prometheus not ready after 40 s: ${log}`);
      await new Promise((r) => setTimeout(r, 200));
    }

    const api = async <T>(path: string): Promise<T> => {
      const body = (await (await fetch(`${prometheusUrl}/api/v1/${path}`)).json()) as {
        status: string;
        error?: string;
        data?: { result: T };
      };
      if (body.status !== 'success') throw new Error(`${path}: ${body.error}`);
      return body.data!.result;
    };
    const expectOk = (what: string, r: { errors?: unknown[] }) => {
      if (r.errors) throw new Error(`${what}: ${JSON.stringify(r.errors)}`);
    };

    return {
      stack,
      updater,
      trainer,
      targets,
      prometheusUrl,
      query: (expr) => api<Sample[]>(`query?query=${encodeURIComponent(expr)}`),
      queryRange: (expr, start, end, stepS) =>
        api<RangeSeries[]>(`query_range?query=${encodeURIComponent(expr)}&start=${start}&end=${end}&step=${stepS}`),
      async traffic({ user = 'shopper', action = 'buy', strict = true } = {}) {
        expectOk(
          'product page',
          await stack.gql(
            `query ProductPage($id: ID!) { product(id: $id) { id title recommendedWith(first: 3) { sku } } }`,
            {
              id: stack.fixture.products.headphones.id,
            },
          ),
        );
        const bad = await stack.gql(`query BadPage { products(first: 0) { totalCount } }`);
        if (bad.errors?.[0]?.extensions?.code !== 'BAD_USER_INPUT') throw new Error(`BadPage: ${JSON.stringify(bad)}`);
        // Just after start the serving caches may still be loading: an empty list is retried for a while.
        const userId = typeof user === 'string' ? stack.fixture.users[user].id : user.id;
        const token = await signDevToken(DEV_JWT_SECRET, { sub: userId, role: 'customer' });
        let shown: string | undefined;
        for (let attempt = 0; !shown && attempt < (strict ? 20 : 2); attempt++) {
          if (attempt > 0) await new Promise((r) => setTimeout(r, 500));
          const recs = await stack.gql<{ recommendations: { product: { id: string } }[] }>(
            `query ForYou($u: ID!) { recommendations(userId: $u, first: 5) { product { id } } }`,
            { u: userId },
            { token },
          );
          expectOk('recommendations', recs);
          shown = recs.data!.recommendations[0]?.product.id;
        }
        if (!shown) {
          if (strict) throw new Error(`user ${userId} was recommended nothing for 10 s`);
          return;
        }
        expectOk(
          'trackEvents',
          await stack.gql(
            `mutation Track($i: [TrackEventInput!]!) { trackEvents(inputs: $i) { recorded } }`,
            { i: [{ eventId: `observed-click-${randomUUID()}`, type: 'CLICK', productId: shown }] },
            { token },
          ),
        );
        if (action === 'click') return;
        // A real purchase goes through the cart and checkout (a tracked PURCHASE is only a claim).
        const cart = await stack.gql(
          `mutation Cart($p: ID!) { addToCart(productId: $p, quantity: 1) { id } }`,
          { p: shown },
          { token },
        );
        // Repeated purchases sell the small fixture store out: outside the strict test, that ends the round.
        if (!strict && cart.errors?.[0]?.extensions?.code === 'BAD_USER_INPUT') return;
        expectOk('addToCart', cart);
        expectOk('checkout', await stack.gql(`mutation Checkout { checkout { id } }`, {}, { token }));
      },
      async deadLetter() {
        await bus.publish(STREAMING_TOPIC.interactions, [{ key: 'observed', value: Buffer.from('not an event') }]);
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
