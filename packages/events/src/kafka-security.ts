// How the Kafka client authenticates and encrypts: TLS (a private CA, client certificates)
// and SASL (PLAIN, SCRAM-SHA-256/512), as a managed or self-run production cluster asks for.
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { SASLOptions } from 'kafkajs';
import { z } from 'zod';
import { EventBusError } from './errors.ts';

export const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

/** PEM text, not paths: the caller (eventBusFromConfig) reads the files the configuration names. */
export interface KafkaTls {
  /** CA certificates that sign the brokers' certificates; absent → the system's trusted CAs. */
  ca?: string;
  /** Client certificate chain and its key, for brokers that require client authentication (mTLS). */
  cert?: string;
  key?: string;
  /** Passphrase of an encrypted key. */
  keyPassword?: string;
}

export interface KafkaSecurity {
  /** Present → every broker connection is TLS, and brokers' certificates are always verified. */
  tls?: KafkaTls;
  sasl?: { mechanism: SaslMechanism; username: string; password: string };
}

const pem = (what: string) =>
  z.string().refine((s) => s.includes('-----BEGIN '), `${what} must be PEM text (-----BEGIN …)`);

export const kafkaSecuritySchema = z
  .object({
    tls: z
      .object({
        ca: pem('tls.ca').optional(),
        cert: pem('tls.cert').optional(),
        key: pem('tls.key').optional(),
        keyPassword: z.string().min(1).optional(),
      })
      .strict()
      .refine((t) => !t.cert === !t.key, 'tls.cert and tls.key go together')
      .optional(),
    sasl: z
      .object({
        mechanism: z.enum(SASL_MECHANISMS, { error: `sasl.mechanism must be one of ${SASL_MECHANISMS.join(', ')}` }),
        username: z.string().min(1, 'sasl.username must not be empty'),
        password: z.string().min(1, 'sasl.password must not be empty'),
      })
      .strict()
      .optional(),
  })
  .strict();

/** The kafkajs client options for a security setting (no TLS, no SASL when absent). */
export function kafkajsSecurity(security: KafkaSecurity | undefined): {
  ssl?: ConnectionOptions;
  sasl?: SASLOptions;
} {
  const out: { ssl?: ConnectionOptions; sasl?: SASLOptions } = {};
  if (security?.tls) {
    const { ca, cert, key, keyPassword } = security.tls;
    out.ssl = {
      rejectUnauthorized: true,
      ...(ca ? { ca: [ca] } : {}),
      ...(cert && key ? { cert, key } : {}),
      ...(keyPassword ? { passphrase: keyPassword } : {}),
    };
  }
  if (security?.sasl) {
    const { mechanism, username, password } = security.sasl;
    // A switch, not a spread: kafkajs's SASLOptions is a union discriminated by the literal mechanism.
    out.sasl =
      mechanism === 'plain'
        ? { mechanism, username, password }
        : mechanism === 'scram-sha-256'
          ? { mechanism, username, password }
          : { mechanism, username, password };
  }
  return out;
}

/** Settings as packages/config names them (file paths), read into a KafkaSecurity. */
export interface KafkaSecuritySettings {
  KAFKA_SSL?: boolean | undefined;
  KAFKA_SSL_CA_FILE?: string | undefined;
  KAFKA_SSL_CERT_FILE?: string | undefined;
  KAFKA_SSL_KEY_FILE?: string | undefined;
  KAFKA_SSL_KEY_PASSWORD?: string | undefined;
  KAFKA_SASL_MECHANISM?: SaslMechanism | undefined;
  KAFKA_SASL_USERNAME?: string | undefined;
  KAFKA_SASL_PASSWORD?: string | undefined;
}

/**
 * Reads the files the settings name. Settings that only make sense together are checked here,
 * at start-up, with the variables named (EventBusError INVALID_ARGUMENT).
 */
export function kafkaSecurityFromSettings(s: KafkaSecuritySettings): KafkaSecurity | undefined {
  if (!s.KAFKA_SSL_CERT_FILE !== !s.KAFKA_SSL_KEY_FILE)
    throw new EventBusError('INVALID_ARGUMENT', 'KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE go together');
  const sasl = [s.KAFKA_SASL_MECHANISM, s.KAFKA_SASL_USERNAME, s.KAFKA_SASL_PASSWORD];
  if (sasl.some(Boolean) && !sasl.every(Boolean))
    throw new EventBusError(
      'INVALID_ARGUMENT',
      'KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD go together',
    );
  const read = (file: string | undefined) => (file ? readFileSync(file, 'utf8') : undefined);
  const anyTls = s.KAFKA_SSL || s.KAFKA_SSL_CA_FILE || s.KAFKA_SSL_CERT_FILE || s.KAFKA_SSL_KEY_FILE;
  const security: KafkaSecurity = {};
  if (anyTls) {
    security.tls = {};
    const ca = read(s.KAFKA_SSL_CA_FILE);
    const cert = read(s.KAFKA_SSL_CERT_FILE);
    const key = read(s.KAFKA_SSL_KEY_FILE);
    if (ca) security.tls.ca = ca;
    if (cert) security.tls.cert = cert;
    if (key) security.tls.key = key;
    if (s.KAFKA_SSL_KEY_PASSWORD) security.tls.keyPassword = s.KAFKA_SSL_KEY_PASSWORD;
  }
  if (s.KAFKA_SASL_MECHANISM && s.KAFKA_SASL_USERNAME && s.KAFKA_SASL_PASSWORD) {
    security.sasl = {
      mechanism: s.KAFKA_SASL_MECHANISM,
      username: s.KAFKA_SASL_USERNAME,
      password: s.KAFKA_SASL_PASSWORD,
    };
  }
  return security.tls || security.sasl ? security : undefined;
}
