/**
 * Issue 12, finding "Kafka: no TLS or SASL": the bus authenticates and encrypts by
 * configuration, against the real broker's secured listeners (scripts/infra: SASL_SSL with
 * PLAIN and SCRAM users, SSL requiring a client certificate from the test CA).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createEventBus,
  eventBusFromConfig,
  kafkaSecurityFromSettings,
  type ConsumedMessage,
  type EventBus,
  type KafkaSecurity,
  type SaslMechanism,
} from '../src/index.ts';
import { realSecuredKafka } from './real-kafka.ts';

const secured = realSecuredKafka();
const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const prefix = `test.sec.${run}.`;
const tuning = { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 300, rebalanceTimeoutMs: 6_000, maxWaitTimeMs: 100 };
const file = (name: string) => readFileSync(join(secured!.tlsDir, name), 'utf8');

describe.skipIf(!secured)('Kafka: no TLS or SASL (issue 12) — secured listeners of the real broker', () => {
  const buses: EventBus[] = [];
  const bus = (brokers: string[], security: KafkaSecurity): EventBus => {
    const b = createEventBus({
      brokers,
      clientId: `sec-${run}`,
      topicPrefix: prefix,
      kafka: { ...tuning, retries: 1 },
      security,
    });
    buses.push(b);
    return b;
  };
  afterAll(async () => {
    await Promise.all(buses.map((b) => b.close()));
  });

  /** Declares a topic, publishes, and reads the message back through a consumer group. */
  async function roundTrip(b: EventBus, topic: string): Promise<void> {
    await b.ensureTopics([{ name: topic, partitions: 1 }]);
    await b.publish(topic, [{ key: 'k', value: Buffer.from(`over ${topic}`) }]);
    const got: ConsumedMessage[] = [];
    let done!: () => void;
    const received = new Promise<void>((r) => (done = r));
    const sub = await b.subscribe({
      groupId: `g-${topic}`,
      topics: [topic],
      fromBeginning: true,
      handleBatch: async (batch) => {
        got.push(...batch);
        done();
      },
    });
    await Promise.race([received, new Promise((_, rej) => setTimeout(() => rej(new Error('no delivery')), 20_000))]);
    await sub.stop();
    expect(got.map((m) => m.value.toString())).toEqual([`over ${topic}`]);
  }

  const tls = () => ({ ca: file('ca.pem') });

  it('SASL PLAIN over TLS (CA pinned): publishes and consumes', async () => {
    const { saslSslBrokers, username, password } = secured!;
    await roundTrip(bus(saslSslBrokers, { tls: tls(), sasl: { mechanism: 'plain', username, password } }), 'plain');
  });

  it.each(['scram-sha-256', 'scram-sha-512'] as SaslMechanism[])('SASL %s over TLS: publishes', async (mechanism) => {
    const { saslSslBrokers, username, password } = secured!;
    const b = bus(saslSslBrokers, { tls: tls(), sasl: { mechanism, username, password } });
    await b.ensureTopics([{ name: mechanism, partitions: 1 }]);
    await expect(b.publish(mechanism, [{ key: 'k', value: Buffer.from('x') }])).resolves.toBeUndefined();
  });

  it('a wrong SASL password is refused with BROKER_ERROR naming authentication', async () => {
    const { saslSslBrokers, username } = secured!;
    const b = bus(saslSslBrokers, { tls: tls(), sasl: { mechanism: 'scram-sha-256', username, password: 'wrong' } });
    await expect(b.ensureTopics([{ name: 'nope', partitions: 1 }])).rejects.toMatchObject({
      code: 'BROKER_ERROR',
      message: expect.stringMatching(/authenticat/i),
    });
  });

  it('a broker certificate from an untrusted CA is refused (no CA pinned, system trust only)', async () => {
    const { saslSslBrokers, username, password } = secured!;
    const b = bus(saslSslBrokers, { tls: {}, sasl: { mechanism: 'plain', username, password } });
    await expect(b.ensureTopics([{ name: 'nope', partitions: 1 }])).rejects.toMatchObject({ code: 'BROKER_ERROR' });
  });

  it('TLS with a client certificate (mTLS listener): publishes and consumes; without one it is refused', async () => {
    const { sslBrokers } = secured!;
    await roundTrip(bus(sslBrokers, { tls: { ...tls(), cert: file('client.pem'), key: file('client.key') } }), 'mtls');
    const anonymous = bus(sslBrokers, { tls: tls() });
    await expect(anonymous.ensureTopics([{ name: 'nope', partitions: 1 }])).rejects.toMatchObject({
      code: 'BROKER_ERROR',
    });
  });

  it('eventBusFromConfig reads the KAFKA_SSL_* files and KAFKA_SASL_* settings', async () => {
    const { saslSslBrokers, username, password, tlsDir } = secured!;
    const b = eventBusFromConfig({
      KAFKA_BROKERS: saslSslBrokers,
      KAFKA_CLIENT_ID: `sec-${run}`,
      KAFKA_TOPIC_PREFIX: prefix,
      KAFKA_SSL_CA_FILE: join(tlsDir, 'ca.pem'),
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: username,
      KAFKA_SASL_PASSWORD: password,
    });
    buses.push(b);
    await b.ensureTopics([{ name: 'from-config', partitions: 1 }]);
    await expect(b.publish('from-config', [{ key: 'k', value: Buffer.from('x') }])).resolves.toBeUndefined();
  });
});

describe('Kafka security settings are validated', () => {
  it('settings that go together are named when one is missing', () => {
    expect(() => kafkaSecurityFromSettings({ KAFKA_SSL_CERT_FILE: '/x.pem' })).toThrow(
      /KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE go together/,
    );
    expect(() => kafkaSecurityFromSettings({ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u' })).toThrow(
      /KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD go together/,
    );
    expect(kafkaSecurityFromSettings({})).toBeUndefined();
  });

  it('rejects a certificate without its key, and an unknown SASL mechanism', () => {
    expect(() =>
      createEventBus({
        brokers: ['127.0.0.1:1'],
        clientId: 'x',
        topicPrefix: '',
        security: { tls: { cert: '-----BEGIN CERTIFICATE-----' } },
      }),
    ).toThrow(/tls.cert and tls.key go together/);
    expect(() =>
      createEventBus({
        brokers: ['127.0.0.1:1'],
        clientId: 'x',
        topicPrefix: '',
        security: { sasl: { mechanism: 'gssapi' as SaslMechanism, username: 'u', password: 'p' } },
      }),
    ).toThrow(/sasl.mechanism must be one of plain, scram-sha-256, scram-sha-512/);
  });
});
