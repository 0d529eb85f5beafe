import type { z } from 'zod';
import {
  artifactsSchema,
  assistantSchema,
  authSchema,
  configSchema,
  databaseSchema,
  DEV_IDENTITY_SIGNING_KEY,
  DEV_JWT_SECRET,
  DEV_SUBGRAPH_SECRET,
  interactionsSchema,
  kafkaSchema,
  recommendSchema,
  runtimeSchema,
  securitySchema,
  serverSchema,
  streamingSchema,
  telemetrySchema,
  trainingSchema,
  type Config,
} from './schema.ts';

/**
 * The processes Recgraph runs, each reading only its own settings. `all` is the
 * all-in-one `npm start`; `tool` is a command-line job (import, eval, tokens)
 * that needs everything except the gateway↔subgraph trust.
 */
export const ROLES = [
  'gateway',
  'catalog',
  'recommend',
  'search',
  'assistant',
  'updater',
  'trainer',
  'migrate',
  'tool',
  'all',
] as const;
export type Role = (typeof ROLES)[number];

type Setting = keyof Config;
/** A whole concern (schema) or single settings out of one. */
type Uses = readonly (z.ZodObject | Setting)[];

const COMMON: Uses = [runtimeSchema, telemetrySchema];
/** What every subgraph process reads besides its own port and concerns. */
const SUBGRAPH: Uses = [
  ...COMMON,
  databaseSchema,
  kafkaSchema,
  interactionsSchema,
  'HOST',
  'SUBGRAPH_SECRET',
  'IDENTITY_SIGNING_KEY',
  'MAX_BODY_BYTES',
];
const WORKER: Uses = [...COMMON, databaseSchema, kafkaSchema, interactionsSchema, 'HOST'];
const ALL_CONCERNS: Uses = [
  artifactsSchema,
  assistantSchema,
  runtimeSchema,
  telemetrySchema,
  databaseSchema,
  kafkaSchema,
  serverSchema,
  authSchema,
  securitySchema,
  trainingSchema,
  streamingSchema,
  interactionsSchema,
  recommendSchema,
];

/**
 * What each role reads. A setting outside its role keeps its default whatever the
 * environment says, so (say) a trainer-only TEXT_ENCODER_DIR path cannot stop the gateway.
 * Adding a setting to a concern adds it to every role that uses the concern;
 * test/roles.test.ts fails for a setting no process role reads.
 */
export const ROLE_SETTINGS: Record<Role, Uses> = {
  gateway: [
    ...COMMON,
    serverSchema,
    authSchema,
    securitySchema,
    kafkaSchema,
    // Only for shared rate-limit counters (RATE_LIMIT_STORE=postgres).
    databaseSchema,
  ],
  catalog: [...SUBGRAPH, 'CATALOG_PORT'],
  recommend: [...SUBGRAPH, 'RECOMMEND_PORT', recommendSchema, artifactsSchema, 'MODEL_DIR'],
  // SEARCH_* and the encoders queries are embedded with (they share the trainer's concern).
  search: [
    ...SUBGRAPH,
    'SEARCH_PORT',
    'MAX_IMAGE_UPLOAD_BYTES',
    'EMBEDDINGS_PROVIDER',
    ...(Object.keys(trainingSchema.shape) as Setting[]).filter((k) => /^SEARCH_|_ENCODER_DIR$/.test(k)),
  ],
  // The subgraphs its tools call (unset: HOST and their default ports), as the gateway does.
  assistant: [
    ...SUBGRAPH,
    'ASSISTANT_PORT',
    'CATALOG_URL',
    'RECOMMEND_URL',
    'SEARCH_URL',
    'CATALOG_PORT',
    'RECOMMEND_PORT',
    'SEARCH_PORT',
    assistantSchema,
    // Knowledge retrieval embeds questions with the search issue's text encoder.
    'TEXT_ENCODER_DIR',
  ],
  updater: [...WORKER, streamingSchema, recommendSchema, artifactsSchema, 'MODEL_DIR'],
  trainer: [...WORKER, streamingSchema, trainingSchema, artifactsSchema],
  migrate: [...COMMON, databaseSchema],
  tool: ALL_CONCERNS.filter((c) => c !== authSchema),
  all: ALL_CONCERNS,
};

/** Settings that are credentials: production refuses placeholders, development defaults and short values. */
export const SECRET_SETTINGS = [
  'SUBGRAPH_SECRET',
  'IDENTITY_SIGNING_KEY',
  'JWT_HS256_SECRET',
] as const satisfies Setting[];

/** Development defaults and the placeholders shipped in examples (published, so not secret). */
export const KNOWN_PLACEHOLDERS: ReadonlySet<string> = new Set([
  DEV_JWT_SECRET,
  DEV_SUBGRAPH_SECRET,
  DEV_IDENTITY_SIGNING_KEY,
  'change-me-in-production-please',
  'change-me-to-a-long-random-string',
  'change-me',
  'changeme',
  'secret',
  'password',
]);
/** Words only a placeholder contains. */
const PLACEHOLDER_WORDS = /change[-_ ]?me|replace[-_ ]?me|do[-_ ]not[-_ ]use|placeholder|your[-_ ]secret/i;

/** The shortest secret production accepts, in bytes (an HS256 key should be at least the hash's 32). */
export const MIN_SECRET_BYTES = 32;
const HOW_TO = 'generate one with `openssl rand -base64 48`';

const settingsOf = (uses: Uses): Setting[] =>
  uses.flatMap((u) => (typeof u === 'string' ? [u] : (Object.keys(u.shape) as Setting[])));

/** Whether the Kafka settings ask for TLS (KAFKA_SSL or any of its files). */
const kafkaTls = (cfg: Config) =>
  cfg.KAFKA_SSL || Boolean(cfg.KAFKA_SSL_CA_FILE || cfg.KAFKA_SSL_CERT_FILE || cfg.KAFKA_SSL_KEY_FILE);

/** Every setting `role` reads. */
export function roleSettings(role: Role): ReadonlySet<Setting> {
  return new Set(settingsOf(ROLE_SETTINGS[role]));
}

/** Every setting the schema defines (for the test that each is read by some role). */
export const ALL_SETTINGS: readonly Setting[] = Object.keys(configSchema.shape) as Setting[];

/** Why `value` cannot be a production credential, or undefined when it can. */
export function weakSecret(value: string): string | undefined {
  if (KNOWN_PLACEHOLDERS.has(value) || PLACEHOLDER_WORDS.test(value))
    return `is a published placeholder or development default; ${HOW_TO}`;
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes < MIN_SECRET_BYTES)
    return `must be at least ${MIN_SECRET_BYTES} bytes in production (got ${bytes}); ${HOW_TO}`;
  return undefined;
}

/**
 * What production refuses for `role`, given its parsed settings and the variables it was given:
 * missing credentials, credentials that are placeholders, defaults or short, one key reused
 * for two purposes, and the embedded database in a process that must share it.
 */
export function productionIssues(
  role: Role,
  cfg: Config,
  given: Readonly<Record<string, string>>,
): { variable: string; message: string }[] {
  const uses = roleSettings(role);
  const issues: { variable: string; message: string }[] = [];
  // Settings that need each other, in every environment.
  if (uses.has('ARTIFACT_STORE') && cfg.ARTIFACT_STORE === 's3' && !cfg.ARTIFACT_S3_BUCKET)
    issues.push({ variable: 'ARTIFACT_S3_BUCKET', message: 'ARTIFACT_STORE=s3 needs the bucket' });
  if (cfg.NODE_ENV !== 'production') return issues;
  for (const name of SECRET_SETTINGS) {
    if (!uses.has(name)) continue;
    const value = given[name];
    if (value === undefined) {
      if (name !== 'JWT_HS256_SECRET') issues.push({ variable: name, message: `production needs it set; ${HOW_TO}` });
      continue;
    }
    const why = weakSecret(value);
    if (why) issues.push({ variable: name, message: why });
  }
  if (uses.has('JWT_JWKS_URL') && !cfg.JWT_HS256_SECRET && !cfg.JWT_JWKS_URL)
    issues.push({ variable: 'JWT_HS256_SECRET', message: 'production needs JWT_HS256_SECRET or JWT_JWKS_URL' });
  // Without them any token the same key signed, for any service or tenant, would be accepted.
  for (const name of ['JWT_ISSUER', 'JWT_AUDIENCE'] as const)
    if (uses.has(name) && !cfg[name])
      issues.push({ variable: name, message: 'production needs it: tokens are checked for the issuer and audience' });
  if (uses.has('KAFKA_SASL_MECHANISM') && cfg.KAFKA_SASL_MECHANISM && !kafkaTls(cfg))
    issues.push({
      variable: 'KAFKA_SASL_MECHANISM',
      message:
        'production sends SASL credentials only over TLS: set KAFKA_SSL=true (and KAFKA_SSL_CA_FILE for a private CA)',
    });
  if (uses.has('IDENTITY_SIGNING_KEY') && given.SUBGRAPH_SECRET && given.SUBGRAPH_SECRET === given.IDENTITY_SIGNING_KEY)
    issues.push({
      variable: 'IDENTITY_SIGNING_KEY',
      message: 'must differ from SUBGRAPH_SECRET (whoever holds the bearer must not be able to sign identities)',
    });
  if (uses.has('DATABASE_URL') && cfg.DATABASE_URL) {
    const password = decodeURIComponent(new URL(cfg.DATABASE_URL).password);
    if (password && (KNOWN_PLACEHOLDERS.has(password) || PLACEHOLDER_WORDS.test(password)))
      issues.push({ variable: 'DATABASE_URL', message: 'its password is a published placeholder; set the real one' });
  }
  // One process owns an embedded database; split roles must share a real one.
  if (uses.has('DATABASE_URL') && !cfg.DATABASE_URL && role !== 'all' && role !== 'tool' && role !== 'gateway')
    issues.push({
      variable: 'DATABASE_URL',
      message: `production needs it: the ${role} shares the database with the other roles`,
    });
  return issues;
}
