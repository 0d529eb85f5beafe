/** Issue 12's configuration findings, each a regression test named after it. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type Role } from '../src/index.ts';

const issuesOf = (role: Role, env: Record<string, string>): string[] => {
  try {
    loadConfig({ env, envFile: false, role });
    return [];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.issues.map((i) => `${i.variable}: ${i.message}`);
  }
};

const PROD = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgresql://recgraph:s3cr3t-db-pass@db:5432/recgraph',
  KAFKA_BROKERS: 'kafka:9093',
  SUBGRAPH_SECRET: 'Yq3LrX0cVb8mN2pT6wZ9eK4hJ7sD1fG5',
  IDENTITY_SIGNING_KEY: 'pO9iU8yT7rE6wQ5aS4dF3gH2jK1lZ0xC',
  JWT_HS256_SECRET: 'mN8bV7cX6zL5kJ4hG3fD2sA1qW0eR9tY',
  JWT_ISSUER: 'https://id.example/',
  JWT_AUDIENCE: 'recgraph-api',
};

describe('issuer/audience are optional in production (issue 12)', () => {
  it('the gateway refuses production without JWT_ISSUER and JWT_AUDIENCE, naming both', () => {
    const { JWT_ISSUER: _i, JWT_AUDIENCE: _a, ...without } = PROD;
    expect(issuesOf('gateway', without)).toEqual([
      expect.stringMatching(/^JWT_ISSUER: production needs it/),
      expect.stringMatching(/^JWT_AUDIENCE: production needs it/),
    ]);
    expect(issuesOf('gateway', PROD)).toEqual([]);
    // Development keeps working without them.
    expect(issuesOf('gateway', { NODE_ENV: 'development' })).toEqual([]);
  });
});

describe('Kafka: no TLS or SASL (issue 12) — settings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kafka-tls-settings-'));
  const ca = join(dir, 'ca.pem');
  writeFileSync(ca, '-----BEGIN CERTIFICATE-----\n');
  const sasl = { KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'svc', KAFKA_SASL_PASSWORD: 'pw' };

  it('production refuses SASL credentials over plaintext, in every role on Kafka', () => {
    for (const role of ['gateway', 'catalog', 'updater', 'trainer'] as const) {
      expect(issuesOf(role, { ...PROD, ...sasl })).toEqual([
        expect.stringMatching(/^KAFKA_SASL_MECHANISM: production sends SASL credentials only over TLS/),
      ]);
      expect(issuesOf(role, { ...PROD, ...sasl, KAFKA_SSL: 'true' })).toEqual([]);
      expect(issuesOf(role, { ...PROD, ...sasl, KAFKA_SSL_CA_FILE: ca })).toEqual([]);
    }
  });

  it('names a missing certificate file and an unknown mechanism', () => {
    expect(issuesOf('catalog', { ...PROD, KAFKA_SSL_CA_FILE: join(dir, 'nope.pem') })).toEqual([
      expect.stringMatching(/^KAFKA_SSL_CA_FILE: expected the path of a readable PEM file/),
    ]);
    expect(issuesOf('catalog', { ...PROD, KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: 'gssapi' }).join()).toMatch(
      /KAFKA_SASL_MECHANISM: expected plain, scram-sha-256 or scram-sha-512/,
    );
  });
});
