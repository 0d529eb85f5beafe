import { describe, expect, it } from 'vitest';
import { ConfigError, DEV_JWT_SECRET, loadConfig, ROLES, roleSettings, type Role } from '../src/index.ts';
import { ALL_SETTINGS } from '../src/roles.ts';

const load = (role: Role, env: Record<string, string>) => loadConfig({ env, envFile: false, role });
const issuesOf = (role: Role, env: Record<string, string>): string[] => {
  try {
    load(role, env);
    return [];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.issues.map((i) => `${i.variable}: ${i.message}`);
  }
};

const BEARER = 'Yq3LrX0cVb8mN2pT6wZ9eK4hJ7sD1fG5';
const IDENTITY = 'pO9iU8yT7rE6wQ5aS4dF3gH2jK1lZ0xC';
const JWT = 'mN8bV7cX6zL5kJ4hG3fD2sA1qW0eR9tY';
const PROD = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgresql://recgraph:s3cr3t-db-pass@db:5432/recgraph',
  KAFKA_BROKERS: 'kafka:9092',
  SUBGRAPH_SECRET: BEARER,
  IDENTITY_SIGNING_KEY: IDENTITY,
  JWT_HS256_SECRET: JWT,
  JWT_ISSUER: 'https://id.example/',
  JWT_AUDIENCE: 'recgraph-api',
};
const SERVING: Role[] = ['gateway', 'catalog', 'recommend', 'search', 'assistant'];

describe('configuration per role', () => {
  it('every setting is read by some process role', () => {
    const processRoles = ROLES.filter((r) => r !== 'all' && r !== 'tool');
    const unread = ALL_SETTINGS.filter(
      (s) =>
        !processRoles.some((r) => roleSettings(r).has(s)) &&
        !['SEED_DEMO', 'DEMO_PRODUCTS', 'EMBEDDED_PG_PORT'].includes(s),
    );
    expect(unread).toEqual([]);
  });

  it.each(ROLES)('%s starts in production with real credentials', (role) => {
    expect(issuesOf(role, PROD)).toEqual([]);
  });

  it('a role ignores settings it does not read, even invalid ones', () => {
    const env = { ...PROD, TEXT_ENCODER_DIR: '/nowhere', CORS_ORIGINS: 'not a url', TRAINER_CRON: 'soon' };
    expect(issuesOf('catalog', env)).toEqual([]);
    expect(issuesOf('updater', env).join()).toMatch(/TRAINER_CRON/);
    expect(issuesOf('search', env).join()).toMatch(/TEXT_ENCODER_DIR/);
    expect(issuesOf('gateway', env).join()).toMatch(/CORS_ORIGINS/);
    // Workers and the migration job need no gateway credentials at all.
    const { SUBGRAPH_SECRET: _s, IDENTITY_SIGNING_KEY: _i, JWT_HS256_SECRET: _j, ...noCredentials } = PROD;
    for (const role of ['updater', 'trainer', 'migrate'] as const) expect(issuesOf(role, noCredentials)).toEqual([]);
  });

  it.each([
    ['SUBGRAPH_SECRET', 'change-me-in-production-please'],
    ['SUBGRAPH_SECRET', 'change-me-to-a-long-random-string'],
    ['SUBGRAPH_SECRET', 'dev-subgraph-secret-change-me'],
    ['IDENTITY_SIGNING_KEY', 'dev-identity-signing-key-change-me'],
    ['IDENTITY_SIGNING_KEY', 'only-twenty-bytes-xx'],
    ['JWT_HS256_SECRET', DEV_JWT_SECRET],
    ['JWT_HS256_SECRET', 'a-31-byte-secret-0123456789abcd'],
  ])('production refuses %s=%s in every role that reads it, naming the variable', (name, value) => {
    for (const role of ROLES) {
      const issues = issuesOf(role, { ...PROD, [name]: value });
      if (roleSettings(role).has(name as never)) expect(issues.join('\n')).toMatch(new RegExp(`^${name}: `, 'm'));
      else expect(issues).toEqual([]);
    }
  });

  it('production needs both gateway credentials in every serving role, and they must differ', () => {
    for (const role of SERVING) {
      expect(issuesOf(role, { ...PROD, SUBGRAPH_SECRET: '' })).toEqual([
        expect.stringMatching(/^SUBGRAPH_SECRET: production needs it set/),
      ]);
      const { IDENTITY_SIGNING_KEY: _omit, ...noKey } = PROD;
      expect(issuesOf(role, noKey)).toEqual([expect.stringMatching(/^IDENTITY_SIGNING_KEY: production needs it set/)]);
      expect(issuesOf(role, { ...PROD, IDENTITY_SIGNING_KEY: BEARER }).join()).toMatch(
        /IDENTITY_SIGNING_KEY: must differ from SUBGRAPH_SECRET/,
      );
    }
  });

  it('production refuses a placeholder database password and the embedded database in split roles', () => {
    const placeholder = { ...PROD, DATABASE_URL: 'postgresql://recgraph:change-me@db:5432/recgraph' };
    expect(issuesOf('migrate', placeholder)).toEqual([expect.stringMatching(/^DATABASE_URL: its password/)]);
    const { DATABASE_URL: _omit, ...embedded } = PROD;
    expect(issuesOf('recommend', embedded)).toEqual([expect.stringMatching(/^DATABASE_URL: production needs it/)]);
    expect(issuesOf('gateway', embedded)).toEqual([]);
  });

  it('development keeps working with no settings at all', () => {
    for (const role of ROLES) expect(issuesOf(role, {})).toEqual([]);
    expect(load('gateway', {}).IDENTITY_SIGNING_KEY).not.toBe(load('gateway', {}).SUBGRAPH_SECRET);
  });

  it('the message names the role and the variable', () => {
    expect(() => load('recommend', { ...PROD, SUBGRAPH_SECRET: 'change-me-to-a-long-random-string' })).toThrowError(
      /Invalid configuration for the recommend:\n {2}- SUBGRAPH_SECRET: is a published placeholder/,
    );
  });
});
