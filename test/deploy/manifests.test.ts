// The shipped deployment, read as the real tools read it: every Kubernetes overlay rendered by
// `kubectl kustomize` and decoded strictly into the official API types (tools/deploycheck), every
// compose service resolved by compose-go (the loader behind `docker compose config`), and every
// role's environment — ConfigMaps and Secrets resolved — loaded through the real config loader.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, SECRET_SETTINGS, type Role } from '@recgraph/config';
import { STREAMING_TOPIC, STREAMING_TOPICS } from '@recgraph/events';
import {
  appServices,
  asRole,
  COMPOSE_SECRETS,
  composeEnvValues,
  deploycheck,
  haveCommand,
  renderCompose,
  ROLE_LABEL,
  ROOT,
  strongSecret,
  writeEnvFile,
} from './support.ts';

type Obj = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  [k: string]: unknown;
};
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    configMapKeyRef?: { name: string; key: string };
  };
}
interface Container {
  name: string;
  command: string[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  ports?: { containerPort: number; name?: string }[];
  readinessProbe?: { httpGet: { port: number | string } };
  livenessProbe?: { httpGet: { port: number | string } };
  startupProbe?: { httpGet: { port: number | string } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}
interface PodSpec {
  containers: Container[];
  nodeSelector?: Record<string, string>;
  tolerations?: { key: string }[];
}

interface NetworkPolicySpec {
  podSelector: { matchLabels?: Record<string, string> };
  ingress: { from: unknown[] }[];
}

const OVERLAYS = ['dev', 'prod'] as const;
/** What operators put in the Secret "recgraph-secrets" (README "Deployment"). */
const SECRET_KEYS = ['DATABASE_URL', 'SUBGRAPH_SECRET', 'IDENTITY_SIGNING_KEY', 'JWT_HS256_SECRET'];
const SUBGRAPHS = ['catalog', 'recommend', 'search', 'assistant'];

const kubectl = haveCommand('kubectl', ['version', '--client']);

function render(overlay: string): { file: string; objects: Obj[] } {
  const yaml = execFileSync('kubectl', ['kustomize', join(ROOT, 'k8s/overlays', overlay)], { encoding: 'utf8' });
  const file = join(mkdtempSync(join(tmpdir(), 'recgraph-k8s-')), `${overlay}.yaml`);
  writeFileSync(file, yaml);
  return { file, objects: parseAllDocuments(yaml).map((d) => d.toJS() as Obj) };
}

function podSpec(o: Obj): PodSpec | undefined {
  type Template = { template: { spec: PodSpec } };
  if (o.kind === 'Deployment' || o.kind === 'Job') return (o.spec as Template).template.spec;
  if (o.kind === 'CronJob') return (o.spec as { jobTemplate: { spec: Template } }).jobTemplate.spec.template.spec;
  return undefined;
}

/** A container's environment as the kubelet builds it, with `secrets` standing in for the Secret. */
function containerEnv(c: Container, objects: Obj[], secrets: Record<string, string>): Record<string, string> {
  const configMap = (name: string) => {
    const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name);
    if (!cm) throw new Error(`ConfigMap ${name} is referenced but not rendered`);
    return (cm.data ?? {}) as Record<string, string>;
  };
  const env: Record<string, string> = {};
  for (const from of c.envFrom ?? []) {
    if (from.secretRef) throw new Error(`${c.name}: envFrom a whole Secret; reference each key it needs`);
    if (from.configMapRef) Object.assign(env, configMap(from.configMapRef.name));
  }
  for (const v of c.env ?? []) {
    if (v.value !== undefined) env[v.name] = v.value;
    const ref = v.valueFrom?.secretKeyRef;
    if (ref) {
      expect(ref.name, `${c.name} ${v.name}`).toBe('recgraph-secrets');
      expect(SECRET_KEYS, `${c.name} references an undocumented secret key`).toContain(ref.key);
      if (secrets[ref.key] !== undefined) env[v.name] = secrets[ref.key]!;
      else if (!ref.optional) throw new Error(`${c.name}: required secret key ${ref.key} missing`);
    }
    const cmRef = v.valueFrom?.configMapKeyRef;
    if (cmRef) env[v.name] = configMap(cmRef.name)[cmRef.key]!;
  }
  return env;
}

const issues = (role: Role, env: Record<string, string>): string[] => {
  try {
    loadConfig({ env, envFile: false, role });
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.issues.map((i) => `${i.variable}: ${i.message}`);
    throw e;
  }
};

const realSecrets = () => ({
  DATABASE_URL: `postgresql://recgraph:${strongSecret()}@postgres.example:5432/recgraph`,
  SUBGRAPH_SECRET: strongSecret(),
  IDENTITY_SIGNING_KEY: strongSecret(),
  JWT_HS256_SECRET: strongSecret(),
});

describe.skipIf(!kubectl).each(OVERLAYS)('k8s overlay %s', (overlay) => {
  const { file, objects } = render(overlay);
  const workloads = objects.filter((o) => podSpec(o));

  it('every object decodes strictly into the Kubernetes API types', () => {
    const out = deploycheck(['k8s', file]);
    expect(out.trim().split('\n')).toHaveLength(objects.length);
  });

  it('every workload loads its environment through the real config loader, per role', () => {
    expect(workloads.length).toBeGreaterThanOrEqual(9);
    const secrets = realSecrets();
    for (const w of workloads) {
      const role = asRole(w.metadata.labels?.[ROLE_LABEL], `${w.kind} ${w.metadata.name}`);
      for (const c of podSpec(w)!.containers) {
        expect(issues(role, containerEnv(c, objects, secrets)), `${w.kind} ${w.metadata.name}`).toEqual([]);
      }
    }
  });

  it('with the published placeholders in the Secret, every role that reads one refuses to start, naming it', () => {
    const placeholders = {
      DATABASE_URL: 'postgresql://recgraph:change-me@postgres.example:5432/recgraph',
      SUBGRAPH_SECRET: 'change-me-to-a-long-random-string',
      IDENTITY_SIGNING_KEY: 'change-me-in-production-please',
      JWT_HS256_SECRET: 'recgraph-dev-only-jwt-secret-do-not-use-in-prod',
    };
    for (const w of workloads) {
      const role = asRole(w.metadata.labels?.[ROLE_LABEL], w.metadata.name);
      const c = podSpec(w)!.containers[0]!;
      const env = containerEnv(c, objects, placeholders);
      const named = issues(role, env).map((i) => i.split(':')[0]);
      const expected = [...SECRET_SETTINGS, 'DATABASE_URL'].filter((k) => env[k] !== undefined);
      expect(named.sort(), `${w.metadata.name}`).toEqual([...new Set(expected)].sort());
    }
  });

  it('secrets are referenced, never shipped', () => {
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
  });

  it('probes and scrape annotations point at ports the role listens on', () => {
    for (const w of objects.filter((o) => o.kind === 'Deployment')) {
      const c = podSpec(w)!.containers[0]!;
      const env = containerEnv(c, objects, realSecrets());
      const portOf = (p: number | string) =>
        typeof p === 'number' ? p : c.ports?.find((x) => x.name === p)?.containerPort;
      // The ports the process opens: its *_PORT settings (the gateway's GATEWAY_OPS_PORT too).
      const listening = Object.entries(env)
        .filter(([k]) => k.endsWith('_PORT'))
        .map(([, v]) => Number(v));
      for (const probe of [c.readinessProbe, c.livenessProbe, c.startupProbe]) {
        expect(probe, `${w.metadata.name} probes`).toBeDefined();
        expect(listening, `${w.metadata.name} probe port`).toContain(portOf(probe!.httpGet.port));
      }
      const annotations = (w.spec as { template: { metadata: { annotations: Record<string, string> } } }).template
        .metadata.annotations;
      expect(listening, `${w.metadata.name} scrape port`).toContain(Number(annotations['prometheus.io/port']));
      expect(c.resources?.requests?.cpu && c.resources.limits?.memory, `${w.metadata.name} resources`).toBeTruthy();
    }
    const trainer = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'trainer')!;
    expect(podSpec(trainer)!.containers[0]!.readinessProbe!.httpGet.port).toBe('http');
    expect(podSpec(trainer)!.containers[0]!.ports).toEqual([{ containerPort: 9465, name: 'http' }]);
  });

  it('the gateway and every subgraph have an HPA and a PDB; the updater scales up to the partitions', () => {
    for (const name of ['gateway', ...SUBGRAPHS]) {
      expect(
        objects.some((o) => o.kind === 'HorizontalPodAutoscaler' && o.metadata.name === name),
        name,
      ).toBe(true);
      expect(
        objects.some((o) => o.kind === 'PodDisruptionBudget' && o.metadata.name === name),
        name,
      ).toBe(true);
    }
    const partitions = STREAMING_TOPICS.find((t) => t.name === STREAMING_TOPIC.interactions)!.partitions;
    const updater = objects.find((o) => o.kind === 'HorizontalPodAutoscaler' && o.metadata.name === 'updater')!;
    expect((updater.spec as { maxReplicas: number }).maxReplicas).toBeLessThanOrEqual(partitions);
  });

  it('only the gateway (and the monitoring namespace) reaches a subgraph', () => {
    for (const name of SUBGRAPHS) {
      const policies = objects.filter(
        (o) =>
          o.kind === 'NetworkPolicy' &&
          (o.spec as NetworkPolicySpec).podSelector.matchLabels?.['app.kubernetes.io/name'] === name,
      );
      expect(policies, name).toHaveLength(1);
      const from = (policies[0]!.spec as NetworkPolicySpec).ingress.flatMap((r) => r.from);
      expect(from).toEqual([
        { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'gateway' } } },
        { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } },
      ]);
    }
  });

  it('the ingress routes HTTP and WebSocket /graphql to the gateway', () => {
    const ingress = objects.find((o) => o.kind === 'Ingress')!;
    type Path = { path: string; backend: { service: { name: string } } };
    const paths = (ingress.spec as { rules: { http: { paths: Path[] } }[] }).rules[0]!.http.paths;
    expect(paths.find((p) => p.path === '/graphql')?.backend.service.name).toBe('gateway');
    expect(ingress.metadata).toMatchObject({
      annotations: { 'nginx.ingress.kubernetes.io/proxy-read-timeout': '3600' },
    });
  });

  it('training runs as a CronJob: on a GPU node in prod, on CPU in dev', () => {
    const crons = Object.fromEntries(
      objects.filter((o) => o.kind === 'CronJob').map((o) => [o.metadata.name, o] as const),
    );
    if (overlay === 'dev') expect(Object.keys(crons)).toEqual(['train-cpu']);
    else {
      const gpu = podSpec(crons['train-gpu']!)!;
      expect(gpu.containers[0]!.resources!.limits!['nvidia.com/gpu']).toBe('1');
      expect(gpu.nodeSelector).toBeDefined();
      expect(gpu.tolerations?.[0]?.key).toBe('nvidia.com/gpu');
      expect((crons['train-cpu']!.spec as { suspend?: boolean }).suspend).toBe(true);
    }
  });
});

describe.skipIf(!kubectl)('the strict decoder', () => {
  it('refuses unknown fields and unknown kinds', () => {
    const dir = mkdtempSync(join(tmpdir(), 'recgraph-k8s-'));
    const bad = join(dir, 'bad.yaml');
    writeFileSync(
      bad,
      [
        'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: x }\nspec: { replicass: 2, selector: {}, template: {} }',
        'apiVersion: example.com/v1\nkind: Widget\nmetadata: { name: y }',
      ].join('\n---\n'),
    );
    expect(() => deploycheck(['k8s', bad])).toThrowError(/unknown field "spec.replicass"[\s\S]*Widget/);
  });
});

describe('docker-compose.yml', () => {
  const envFile = writeEnvFile(composeEnvValues());

  it('renders with an .env made as the README says, and not without one (naming the variables)', () => {
    expect(Object.keys(renderCompose(envFile).services)).toContain('gateway');
    const empty = writeEnvFile({});
    expect(() => renderCompose(empty)).toThrowError(/SUBGRAPH_SECRET|POSTGRES_PASSWORD|IDENTITY_SIGNING_KEY/);
  });

  it('.env.example names every secret compose requires, with no value filled in', () => {
    const example = readFileSync(join(ROOT, '.env.example'), 'utf8');
    for (const k of COMPOSE_SECRETS) expect(example).toMatch(new RegExp(`^${k}=$`, 'm'));
  });

  it('every application service (GPU profile included) loads its environment through the real config loader', () => {
    const services = appServices(renderCompose(envFile, ['gpu']).services);
    expect(services.map(([n]) => n).sort()).toEqual(
      ['assistant', 'catalog', 'gateway', 'migrate', 'recommend', 'search', 'trainer', 'trainer-gpu', 'updater'].sort(),
    );
    for (const [name, service, role] of services) {
      const env = Object.fromEntries(
        Object.entries(service.environment ?? {}).filter((e): e is [string, string] => e[1] !== null),
      );
      expect(issues(role, env), name).toEqual([]);
      // Its health check asks the port the role listens on.
      if (service.healthcheck?.test) {
        const port = /127\.0\.0\.1:(\d+)\/health\/ready/.exec(service.healthcheck.test.join(' '))?.[1];
        const ports = Object.entries(env)
          .filter(([k]) => k.endsWith('_PORT'))
          .map(([, v]) => v);
        expect(ports, `${name} healthcheck`).toContain(port);
      }
    }
  });

  it('with the published placeholders, every role refuses to start, naming the variable', () => {
    const services = appServices(
      renderCompose(
        writeEnvFile({
          ...composeEnvValues(),
          POSTGRES_PASSWORD: 'change-me',
          SUBGRAPH_SECRET: 'change-me-in-production-please',
          IDENTITY_SIGNING_KEY: 'change-me-to-a-long-random-string',
          JWT_HS256_SECRET: 'recgraph-dev-only-jwt-secret-do-not-use-in-prod',
        }),
      ).services,
    );
    for (const [name, service, role] of services) {
      const env = Object.fromEntries(
        Object.entries(service.environment ?? {}).filter((e): e is [string, string] => e[1] !== null),
      );
      const named = issues(role, env).map((i) => i.split(':')[0]);
      expect(named, name).toContain('DATABASE_URL');
      for (const k of SECRET_SETTINGS) if (env[k]) expect(named, `${name} ${k}`).toContain(k);
    }
  });
});
