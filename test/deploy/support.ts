import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ROLES, type Role } from '@recgraph/config';

export const ROOT = resolve(import.meta.dirname, '../..');

/** The label naming the config role of a compose service or Kubernetes workload. */
export const ROLE_LABEL = 'recgraph.dev/role';
export const COMPOSE_ROLE_LABEL = 'dev.recgraph.role';

export function asRole(value: string | undefined, where: string): Role {
  if (!value || !(ROLES as readonly string[]).includes(value))
    throw new Error(`${where}: no valid role label (${value})`);
  return value as Role;
}

/** A strong random secret, as `openssl rand -hex 32` makes one. */
export const strongSecret = () => randomBytes(32).toString('hex');

/** tools/deploycheck, built (or reused from .infra/bin) by the project's own script. */
export function deploycheck(args: string[]): string {
  return execFileSync('bash', [join(ROOT, 'scripts/deploy/deploycheck.sh'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** An .env as the README says to make one: .env.example with every secret filled in. */
export function writeEnvFile(values: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'recgraph-env-'));
  const file = join(dir, '.env');
  writeFileSync(
    file,
    Object.entries(values)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n') + '\n',
  );
  return file;
}

export interface ComposeService {
  command?: string[];
  environment?: Record<string, string | null>;
  labels?: Record<string, string>;
  profiles?: string[];
  healthcheck?: { test?: string[] };
  depends_on?: Record<string, { condition: string }>;
}

/** docker-compose.yml as `docker compose config` resolves it (compose-go), with this .env. */
export function renderCompose(envFile: string, profiles: string[] = []): { services: Record<string, ComposeService> } {
  const args = ['compose', join(ROOT, 'docker-compose.yml'), '--env-file', envFile];
  for (const p of profiles) args.push('--profile', p);
  return JSON.parse(deploycheck(args)) as { services: Record<string, ComposeService> };
}

/** Secrets the README tells operators to generate (the .env keys compose requires). */
export const COMPOSE_SECRETS = [
  'POSTGRES_PASSWORD',
  'SUBGRAPH_SECRET',
  'IDENTITY_SIGNING_KEY',
  'JWT_HS256_SECRET',
  'GRAFANA_ADMIN_PASSWORD',
] as const;

export function composeEnvValues(): Record<string, string> {
  return {
    ...Object.fromEntries(COMPOSE_SECRETS.map((k) => [k, strongSecret()])),
    JWT_ISSUER: 'https://id.example.com/',
    JWT_AUDIENCE: 'recgraph-api',
    ALERT_WEBHOOK_URL: 'http://alert-receiver.example:8080/alerts',
  };
}

/** The application services: those naming a role. */
export function appServices(services: Record<string, ComposeService>): [string, ComposeService, Role][] {
  return Object.entries(services)
    .filter(([, s]) => s.labels?.[COMPOSE_ROLE_LABEL])
    .map(([name, s]) => [name, s, asRole(s.labels?.[COMPOSE_ROLE_LABEL], `compose service ${name}`)]);
}

/** Under CI a missing tool is a failure, locally a skip with a reason. */
export function haveCommand(cmd: string, args: string[] = ['version']): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return true;
  } catch {
    if (process.env.CI) throw new Error(`${cmd} is required under CI (it renders the Kubernetes overlays)`);
    return false;
  }
}
