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
