/**
 * The shipped monitoring configuration, checked by the real tools: promtool validates both
 * Prometheus configs (compose and k8s) and the rule files and runs the alerts' unit tests;
 * amtool validates Alertmanager's routing. The OTel collector's binary is not installable
 * here, so its config is checked structurally: every pipeline names defined components.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { amtoolBin, MONITORING_DIR, promtoolBin, REPO_ROOT } from './tools.ts';

const run = promisify(execFile);
const promtool = promtoolBin();
const amtool = amtoolBin();

describe.skipIf(!promtool || !amtool)('monitoring configuration (promtool, amtool)', () => {
  it('the compose Prometheus config is valid and loads both rule files', async () => {
    const { stdout } = await run(promtool!, ['check', 'config', `${MONITORING_DIR}prometheus/prometheus.yml`]);
    expect(stdout).toMatch(/SUCCESS: 2 rule files found/);
    expect(stdout).toMatch(/is valid prometheus config file syntax/);
  });

  it('the k8s Prometheus config is valid, Kubernetes discovery aside', async () => {
    // Debian's build leaves out the cloud and Kubernetes discovery mechanisms, so each
    // kubernetes_sd_configs block is swapped for an empty static one: everything else
    // (relabelling, its regexes, rule files, alerting) is checked by promtool as shipped.
    const config = parse(readFileSync(`${REPO_ROOT}k8s/monitoring/prometheus.yml`, 'utf8')) as {
      scrape_configs: Record<string, unknown>[];
      alerting: { alertmanagers: Record<string, unknown>[] };
    };
    const swapped = [...config.scrape_configs, ...config.alerting.alertmanagers].filter((c) => c.kubernetes_sd_configs);
    expect(swapped).toHaveLength(2);
    for (const c of swapped) {
      delete c.kubernetes_sd_configs;
      c.static_configs = [{ targets: [] }];
    }
    const dir = mkdtempSync(join(tmpdir(), 'rg-k8s-prom-'));
    try {
      writeFileSync(join(dir, 'prometheus.yml'), stringify(config));
      const { stdout } = await run(promtool!, ['check', 'config', join(dir, 'prometheus.yml')]);
      expect(stdout).toMatch(/is valid prometheus config file syntax/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the rule files are valid', async () => {
    const { stdout } = await run(promtool!, [
      'check',
      'rules',
      `${MONITORING_DIR}prometheus/rules/recording.yml`,
      `${MONITORING_DIR}prometheus/rules/alerts.yml`,
    ]);
    expect(stdout).not.toMatch(/FAILED/);
  });

  it('every alert has a unit test that makes it fire, and all of them pass', async () => {
    const alerts = (
      parse(readFileSync(`${MONITORING_DIR}prometheus/rules/alerts.yml`, 'utf8')) as {
        groups: { rules: { alert: string }[] }[];
      }
    ).groups.flatMap((g) => g.rules.map((r) => r.alert));
    const tests = parse(readFileSync(`${MONITORING_DIR}prometheus/tests/alerts.test.yml`, 'utf8')) as {
      tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[];
    };
    const fired = new Set(
      tests.tests.flatMap((t) =>
        (t.alert_rule_test ?? []).filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname),
      ),
    );
    expect(alerts.filter((a) => !fired.has(a))).toEqual([]);

    const { stdout } = await run(promtool!, ['test', 'rules', 'tests/alerts.test.yml'], {
      cwd: `${MONITORING_DIR}prometheus`,
    });
    expect(stdout).toMatch(/SUCCESS/);
  }, 120_000);

  it('every alert links to its section of docs/operations.md', () => {
    const doc = readFileSync(`${REPO_ROOT}docs/operations.md`, 'utf8');
    const rules = (
      parse(readFileSync(`${MONITORING_DIR}prometheus/rules/alerts.yml`, 'utf8')) as {
        groups: { rules: { alert: string; annotations: { runbook_url: string } }[] }[];
      }
    ).groups.flatMap((g) => g.rules);
    for (const r of rules) {
      expect(r.annotations.runbook_url).toBe(`docs/operations.md#${r.alert.toLowerCase()}`);
      expect(doc).toContain(`### ${r.alert}`);
    }
  });

  it('Alertmanager routing is valid', async () => {
    const { stdout } = await run(amtool!, ['check-config', `${MONITORING_DIR}alertmanager/alertmanager.yml`]);
    expect(stdout).toMatch(/SUCCESS/);
  });
});

describe('OpenTelemetry collector config', () => {
  type Section = Record<string, unknown> | undefined;
  const config = parse(readFileSync(`${MONITORING_DIR}otel-collector/config.yaml`, 'utf8')) as {
    receivers: Section;
    processors: Section;
    exporters: Section;
    connectors: Section;
    extensions: Section;
    service: {
      extensions?: string[];
      pipelines: Record<string, { receivers: string[]; processors?: string[]; exporters: string[] }>;
    };
  };

  it('receives OTLP, sends traces to Jaeger and metrics to Prometheus, and every pipeline names defined components', () => {
    const defined = (section: Section, name: string) => Object.keys(section ?? {}).includes(name);
    const { pipelines } = config.service;
    expect(Object.keys(pipelines).sort()).toEqual(['metrics', 'traces']);
    expect(pipelines.traces!.receivers).toContain('otlp');
    expect(pipelines.traces!.exporters).toContain('otlp/jaeger');
    expect(pipelines.metrics!.exporters).toContain('prometheus');
    for (const p of Object.values(pipelines)) {
      // A connector is an exporter of one pipeline and a receiver of another.
      for (const r of p.receivers) expect(defined(config.receivers, r) || defined(config.connectors, r), r).toBe(true);
      for (const e of p.exporters) expect(defined(config.exporters, e) || defined(config.connectors, e), e).toBe(true);
      for (const x of p.processors ?? []) expect(defined(config.processors, x), x).toBe(true);
    }
    for (const c of Object.keys(config.connectors ?? {})) {
      expect(Object.values(pipelines).some((p) => p.exporters.includes(c))).toBe(true);
      expect(Object.values(pipelines).some((p) => p.receivers.includes(c))).toBe(true);
    }
    for (const x of config.service.extensions ?? []) expect(defined(config.extensions, x), x).toBe(true);
    expect((config.exporters?.['otlp/jaeger'] as { endpoint: string }).endpoint).toBe('jaeger:4317');
  });
});
