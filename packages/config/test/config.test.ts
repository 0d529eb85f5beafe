import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/index.ts';

const load = (env: Record<string, string>) => loadConfig({ env, envFile: false });

describe('loadConfig', () => {
  it('gives embedded defaults for an empty environment', () => {
    const c = load({});
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.KAFKA_BROKERS).toBeUndefined();
    expect(c.GATEWAY_PORT).toBe(4000);
    expect(c.SEED_DEMO).toBe(true);
  });

  it('parses brokers and urls', () => {
    const c = load({ KAFKA_BROKERS: 'a:9092, b:9093', DATABASE_URL: 'postgresql://u:p@h:5432/d' });
    expect(c.KAFKA_BROKERS).toEqual(['a:9092', 'b:9093']);
    expect(c.DATABASE_URL).toBe('postgresql://u:p@h:5432/d');
  });

  it('treats empty strings as unset', () => {
    expect(load({ DATABASE_URL: '' }).DATABASE_URL).toBeUndefined();
  });

  it.each([
    ['GATEWAY_PORT', 'abc', /GATEWAY_PORT: .*port/],
    ['GATEWAY_PORT', '70000', /GATEWAY_PORT: expected a port between 0 and 65535/],
    ['DATABASE_URL', 'mysql://x/y', /DATABASE_URL: expected a postgres/],
    ['KAFKA_BROKERS', 'localhost', /KAFKA_BROKERS: expected host:port/],
    ['SEED_DEMO', 'maybe', /SEED_DEMO: expected true or false/],
    ['NODE_ENV', 'staging', /NODE_ENV: .*"staging"/],
    ['SUBGRAPH_SECRET', 'short', /SUBGRAPH_SECRET: expected at least 16/],
  ])('rejects %s=%s naming the variable', (name, value, pattern) => {
    expect(() => load({ [name]: value })).toThrowError(pattern);
  });

  it('reports every invalid variable at once', () => {
    try {
      load({ GATEWAY_PORT: 'x', LOG_LEVEL: 'loud' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).issues.map((i) => i.variable).sort()).toEqual(['GATEWAY_PORT', 'LOG_LEVEL']);
    }
  });

  it('refuses production without token verification or with the development credentials', () => {
    expect(() => load({ NODE_ENV: 'production' })).toThrowError(/JWT_HS256_SECRET: production needs/);
    expect(() => load({ NODE_ENV: 'production', JWT_JWKS_URL: 'https://id.example/jwks' })).toThrowError(
      /SUBGRAPH_SECRET: production needs it set/,
    );
    expect(
      load({
        NODE_ENV: 'production',
        JWT_JWKS_URL: 'https://id.example/jwks',
        JWT_ISSUER: 'https://id.example/',
        JWT_AUDIENCE: 'recgraph-api',
        SUBGRAPH_SECRET: 'Yq3LrX0cVb8mN2pT6wZ9eK4hJ7sD1fG5',
        IDENTITY_SIGNING_KEY: 'pO9iU8yT7rE6wQ5aS4dF3gH2jK1lZ0xC',
      }).NODE_ENV,
    ).toBe('production');
  });
});
