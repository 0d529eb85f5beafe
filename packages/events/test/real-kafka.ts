/**
 * The real Kafka broker for tests: TEST_KAFKA_BROKERS (written to .infra/env by
 * `npm run infra:up`). Under CI it must be present; tests fail loudly instead of skipping.
 */
export function realKafkaBrokers(): string[] | undefined {
  const brokers = process.env.TEST_KAFKA_BROKERS;
  if (!brokers && process.env.CI)
    throw new Error('TEST_KAFKA_BROKERS is not set under CI: run `npm run infra:up` (scripts/test.sh does).');
  return brokers
    ? brokers
        .split(',')
        .map((b) => b.trim())
        .filter(Boolean)
    : undefined;
}

/**
 * A Python with confluent-kafka (librdkafka), for tests that need a producer other than
 * kafkajs: TEST_KAFKA_PYTHON, which `npm run infra:up` installs and writes to .infra/env.
 * Under CI it must be present wherever the broker is.
 */
export function realKafkaPython(): string | undefined {
  const python = process.env.TEST_KAFKA_PYTHON;
  if (!python && process.env.CI)
    throw new Error('TEST_KAFKA_PYTHON is not set under CI: run `npm run infra:up` (scripts/test.sh does).');
  return python || undefined;
}

/**
 * The classpath of the Apache Kafka Java client (the local broker's jars), for tests that
 * produce with the Java client: TEST_KAFKA_JAVA_CLASSPATH from .infra/env. Required under CI.
 */
export function realKafkaJavaClasspath(): string | undefined {
  const classpath = process.env.TEST_KAFKA_JAVA_CLASSPATH;
  if (!classpath && process.env.CI)
    throw new Error('TEST_KAFKA_JAVA_CLASSPATH is not set under CI: run `npm run infra:up` (scripts/test.sh does).');
  return classpath || undefined;
}

/** The local broker's secured listeners (scripts/infra/lib/kafka-security.sh), from .infra/env. */
export interface SecuredKafka {
  /** SASL over TLS: PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 for one user. */
  saslSslBrokers: string[];
  /** TLS that requires a client certificate signed by the test CA. */
  sslBrokers: string[];
  /** ca.pem, client.pem and client.key. */
  tlsDir: string;
  username: string;
  password: string;
}

/** TEST_KAFKA_SASL_SSL_BROKERS and friends; under CI they must be present wherever the broker is. */
export function realSecuredKafka(): SecuredKafka | undefined {
  const e = process.env;
  const names = [
    'TEST_KAFKA_SASL_SSL_BROKERS',
    'TEST_KAFKA_SSL_BROKERS',
    'TEST_KAFKA_TLS_DIR',
    'TEST_KAFKA_SASL_USERNAME',
    'TEST_KAFKA_SASL_PASSWORD',
  ] as const;
  const missing = names.filter((n) => !e[n]);
  if (missing.length && e.CI)
    throw new Error(
      `${missing.join(', ')} not set under CI: run \`npm run infra:up\` (a broker started before its secured listeners existed restarts once).`,
    );
  if (missing.length) return undefined;
  return {
    saslSslBrokers: e.TEST_KAFKA_SASL_SSL_BROKERS!.split(','),
    sslBrokers: e.TEST_KAFKA_SSL_BROKERS!.split(','),
    tlsDir: e.TEST_KAFKA_TLS_DIR!,
    username: e.TEST_KAFKA_SASL_USERNAME!,
    password: e.TEST_KAFKA_SASL_PASSWORD!,
  };
}
