/**
 * A real Prometheus (Debian's build, from `npm run infra:up`) scrapes a running platform
 * (platform.ts: the gateway and the four subgraphs, the online updater and the trainer on
 * free ports over the real Postgres and Kafka) with the shipped scrape config and rules.
 * Traffic goes through the gateway and the event stream; then every recording rule must
 * evaluate and return series, and so must every dashboard panel's PromQL. Each role's
 * /metrics also passes `promtool check metrics`, and the dashboards' JSON files are current.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SUBGRAPHS } from '@recgraph/gateway/subgraphList';
import { realPostgresUrl } from '../../packages/db/test/real-postgres.ts';
import { realKafkaBrokers } from '../../packages/events/test/real-kafka.ts';
import { DASHBOARDS, DASHBOARDS_DIR, dashboardJson } from '../src/dashboards.ts';
import { shippedPrometheusConfig, startObservedPlatform, type ObservedPlatform } from './platform.ts';
import { prometheusBin, promtoolBin } from './tools.ts';

const prometheus = prometheusBin();
const promtool = promtoolBin();
const brokers = realKafkaBrokers();
const pgUrl = await realPostgresUrl();

/** The roles the shipped config must scrape: the gateway, every subgraph, and both workers. */
const ROLES = ['gateway', ...SUBGRAPHS.map((s) => s.name), 'updater', 'trainer'];

describe.skipIf(!prometheus || !promtool || !brokers || !pgUrl)('a real Prometheus scraping the platform', () => {
  let p: ObservedPlatform;
  const query = (expr: string) => p.query(expr);

  beforeAll(async () => {
    p = await startObservedPlatform({
      brokers: brokers!,
      pgUrl: pgUrl!,
      prometheusBin: prometheus!,
      scrapeInterval: '1s',
    });
    await p.deadLetter();
    await p.traffic();
    // A second round once Prometheus has scraped the first, so every counter moves between scrapes.
    await vi.waitFor(async () => expect(await query('up{job="gateway"}')).toHaveLength(1), {
      timeout: 10_000,
      interval: 200,
    });
    await new Promise((r) => setTimeout(r, 1500));
    await p.traffic();
    await p.trainer.runNow('manual');
  }, 180_000);

  afterAll(async () => {
    await p?.stop();
  });

  it('the shipped config scrapes every role, and every target is up', async () => {
    expect(shippedPrometheusConfig().scrape_configs.map((c) => c.job_name)).toEqual(expect.arrayContaining(ROLES));
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
      const text = await (await fetch(`http://${p.targets.get(role)}/metrics`)).text();
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
        const res = (await (await fetch(`${p.prometheusUrl}/api/v1/rules?type=record`)).json()) as {
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
        // The catalog answered BadPage's BAD_USER_INPUT: a working subgraph, not a failed fetch.
        expect(await value('max(recgraph:subgraph_fetch_errors:ratio_rate5m)')).toBe(0);
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
