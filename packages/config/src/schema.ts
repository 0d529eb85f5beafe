import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/** Comma-separated list → trimmed, non-empty strings. */
const csv = z.string().transform((s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean),
);

const port = z.coerce
  .number({ error: 'expected a TCP port number' })
  .int('expected an integer port')
  .min(0, 'expected a port between 0 and 65535')
  .max(65535, 'expected a port between 0 and 65535');

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'expected true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** A PEM file that exists (read by the process that uses it). */
const pemFile = z
  .string()
  .min(1)
  .refine((f) => existsSync(f), { error: 'expected the path of a readable PEM file' });

const postgresUrl = z
  .string()
  .url('expected a URL such as postgresql://user:pass@host:5432/db')
  .refine((u) => /^postgres(ql)?:\/\//.test(u), 'expected a postgres:// or postgresql:// URL');

/** Development values, so `npm start` works with no setup; production refuses them (roles.ts). */
export const DEV_JWT_SECRET = 'recgraph-dev-only-jwt-secret-do-not-use-in-prod';
export const DEV_SUBGRAPH_SECRET = 'dev-subgraph-secret-change-me';
export const DEV_IDENTITY_SIGNING_KEY = 'dev-identity-signing-key-change-me';

/**
 * One schema per concern (as in graphql-hive's environment.ts). Each maps
 * environment variable names to typed values; `loadConfig` runs them all and
 * reports every problem at once.
 */
export const runtimeSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Where embedded state (PGlite database, model artifacts) lives. */
  RECGRAPH_DATA_DIR: z.string().min(1).default('.data'),
});

export const databaseSchema = z.object({
  /** Unset → embedded PGlite with pgvector under RECGRAPH_DATA_DIR/pg. */
  DATABASE_URL: postgresUrl.optional(),
  /** Connection pool size for a real server (the embedded one is always 1). */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /** Postgres statement_timeout of every pooled connection, ms (0: none); over it a request fails TIMEOUT. */
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
  /** Longest wait for a free pooled connection, ms (0: forever); over it a request fails TIMEOUT. */
  DATABASE_POOL_TIMEOUT_MS: z.coerce.number().int().min(0).default(5_000),
  /** Port for the embedded Postgres wire-protocol server (0 = pick a free one). */
  EMBEDDED_PG_PORT: port.default(0),
});

export const kafkaSchema = z.object({
  /** Unset → in-process event bus. */
  KAFKA_BROKERS: csv.pipe(z.array(z.string().regex(/^[^:\s]+:\d+$/, 'expected host:port')).min(1)).optional(),
  KAFKA_CLIENT_ID: z.string().min(1).default('recgraph'),
  KAFKA_TOPIC_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9._-]*$/, 'expected letters, digits, ".", "_" or "-"')
    .default('recgraph.'),
  /** TLS to the brokers (implied by any KAFKA_SSL_*_FILE); brokers' certificates are always verified. */
  KAFKA_SSL: bool.default(false),
  /** CA certificates (PEM) that sign the brokers' certificates; unset → the system's trusted CAs. */
  KAFKA_SSL_CA_FILE: pemFile.optional(),
  /** Client certificate chain and its key (PEM), for brokers that require client certificates. */
  KAFKA_SSL_CERT_FILE: pemFile.optional(),
  KAFKA_SSL_KEY_FILE: pemFile.optional(),
  /** Passphrase of an encrypted KAFKA_SSL_KEY_FILE. */
  KAFKA_SSL_KEY_PASSWORD: z.string().min(1).optional(),
  /** SASL authentication (with KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD); production refuses it without TLS. */
  KAFKA_SASL_MECHANISM: z
    .enum(['plain', 'scram-sha-256', 'scram-sha-512'], { error: 'expected plain, scram-sha-256 or scram-sha-512' })
    .optional(),
  KAFKA_SASL_USERNAME: z.string().min(1).optional(),
  KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
});

export const serverSchema = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  GATEWAY_PORT: port.default(4000),
  /**
   * The gateway's /metrics and /health/* on this port only (probes and scrapers reach it inside the
   * cluster), so GATEWAY_PORT, the public one, serves nothing but /graphql. Unset: both on GATEWAY_PORT.
   */
  GATEWAY_OPS_PORT: port.optional(),
  CATALOG_PORT: port.default(4001),
  RECOMMEND_PORT: port.default(4002),
  SEARCH_PORT: port.default(4003),
  ASSISTANT_PORT: port.default(4004),
  /** Bearer the gateway sends every subgraph (x-recgraph-gateway); subgraphs refuse calls without it. */
  SUBGRAPH_SECRET: z.string().min(16, 'expected at least 16 characters').default(DEV_SUBGRAPH_SECRET),
  /**
   * HS256 key of the caller identity the gateway signs for subgraphs (x-recgraph-identity).
   * Separate from SUBGRAPH_SECRET: knowing the bearer must not let anyone mint an identity.
   */
  IDENTITY_SIGNING_KEY: z.string().min(16, 'expected at least 16 characters').default(DEV_IDENTITY_SIGNING_KEY),
  /** Seed the demo store on first start when the database is empty. */
  SEED_DEMO: bool.default(true),
  DEMO_PRODUCTS: z.coerce.number().int().min(10).max(100_000).default(400),
  /**
   * static: the gateway serves gateway/supergraph.graphql, composed ahead of
   * time by `npm run compose` (production). live: it composes from the running
   * subgraphs at start-up and polls for changes (development).
   */
  SUPERGRAPH_MODE: z.enum(['static', 'live'], { error: 'expected static or live' }).default('static'),
  /** Where a standalone gateway finds each subgraph; unset → http://HOST:<X_PORT>/graphql. */
  CATALOG_URL: z.string().url().optional(),
  RECOMMEND_URL: z.string().url().optional(),
  SEARCH_URL: z.string().url().optional(),
  ASSISTANT_URL: z.string().url().optional(),
});

export const telemetrySchema = z.object({
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
  OTEL_SERVICE_NAME: z.string().optional(),
});

export const authSchema = z.object({
  /** HS256 secret for bearer tokens (dev tokens use it too). */
  JWT_HS256_SECRET: z.string().min(32, 'expected at least 32 characters').optional(),
  /** JWKS endpoint for RS256 tokens from your identity provider. */
  JWT_JWKS_URL: z.string().url().optional(),
  /** The `iss` and `aud` tokens must carry; production requires both (a token minted for another service is refused). */
  JWT_ISSUER: z.string().min(1).optional(),
  JWT_AUDIENCE: z.string().min(1).optional(),
});

export const trainingSchema = z.object({
  /** Where model artifacts (<id>.rgrs) are written; unset → <RECGRAPH_DATA_DIR>/models. */
  MODEL_DIR: z.string().min(1).optional(),
  /**
   * Relative improvement of the primary metric a candidate needs over the active
   * model, on the same holdout, to be promoted (0.01 = 1 % better).
   */
  PROMOTION_MARGIN: z.coerce
    .number({ error: 'expected a number such as 0.01' })
    .min(0, 'expected a margin between 0 and 1')
    .max(1, 'expected a margin between 0 and 1')
    .default(0.01),
  /** MLflow tracking server (http://host:5000); unset → runs are not logged to MLflow. */
  MLFLOW_TRACKING_URI: z.string().url().optional(),
  MLFLOW_EXPERIMENT_NAME: z.string().min(1).default('recgraph'),
  /**
   * Execution provider for the embedding encoders: cuda or webgpu when present,
   * cpu otherwise (auto tries cuda, then webgpu, then cpu; the choice is logged).
   */
  EMBEDDINGS_PROVIDER: z
    .enum(['cpu', 'cuda', 'webgpu', 'auto'], { error: 'expected cpu, cuda, webgpu or auto' })
    .default('auto'),
  /**
   * A pretrained sentence-encoder directory (model.onnx + tokenizer.json, e.g. from
   * scripts/models/fetch-minilm.sh) for product TEXT embeddings and search queries.
   * Unset → .models/all-minilm-l6-v2-q when fetched, else the built-in hashed encoder (logged).
   */
  TEXT_ENCODER_DIR: z
    .string()
    .min(1)
    .refine((d) => existsSync(join(d, 'model.onnx')) && existsSync(join(d, 'tokenizer.json')), {
      error: 'expected a directory holding model.onnx and tokenizer.json (scripts/models/fetch-minilm.sh <dir>)',
    })
    .optional(),
  /**
   * An image-encoder model directory (image-encoder.json + model.onnx, e.g. written by
   * `npm run train:image-encoder`) for product IMAGE embeddings and image search; "builtin"
   * for the grid descriptor. Unset → the shipped trained CNN (packages/embeddings/models/
   * image-cnn-fashion), else the grid descriptor (logged).
   */
  IMAGE_ENCODER_DIR: z
    .string()
    .min(1)
    .refine(
      (d) => d === 'builtin' || (existsSync(join(d, 'image-encoder.json')) && existsSync(join(d, 'model.onnx'))),
      {
        error:
          'expected "builtin" or a directory holding image-encoder.json and model.onnx (npm run train:image-encoder)',
      },
    )
    .optional(),
  /**
   * Search: reciprocal rank fusion's k and each retriever's weight (score = Σ weight / (k + rank)).
   * Defaults chosen by npm run eval:search on a validation half of its queries (README, Search).
   */
  SEARCH_RRF_K: z.coerce.number({ error: 'expected a number such as 60' }).min(1).max(10_000).default(100),
  SEARCH_WEIGHT_LEXICAL: z.coerce.number({ error: 'expected a weight such as 1' }).min(0).max(100).default(1.5),
  SEARCH_WEIGHT_SEMANTIC: z.coerce.number({ error: 'expected a weight such as 1' }).min(0).max(100).default(1),
  /** Search: LEXICAL's weight is multiplied by this when no product matched every query word (its any-word fallback). */
  SEARCH_WEIGHT_LEXICAL_PARTIAL: z.coerce.number({ error: 'expected a factor such as 0.2' }).min(0).max(1).default(0),
  /** The text → image list (a CLIP-style IMAGE_ENCODER_DIR only). */
  SEARCH_WEIGHT_IMAGE: z.coerce.number({ error: 'expected a weight such as 1' }).min(0).max(100).default(1),
  /** Search: text → image neighbours below this cosine similarity are not results (CLIP similarities run low). */
  SEARCH_MIN_IMAGE_SIMILARITY: z.coerce
    .number({ error: 'expected a similarity such as 0.2' })
    .min(-1)
    .max(1)
    .default(0.2),
  /** Search: semantic neighbours below this cosine similarity are not results. */
  SEARCH_MIN_SIMILARITY: z.coerce.number({ error: 'expected a similarity such as 0.3' }).min(-1).max(1).default(0.3),
});

export const streamingSchema = z.object({
  /** Port of the standalone online-feature updater's /health and /metrics endpoints. */
  UPDATER_PORT: port.default(9464),
  /** Consumer group of the updater: instances sharing it split the interactions partitions. */
  UPDATER_GROUP_ID: z
    .string()
    .regex(/^[a-zA-Z0-9._-]+$/, 'expected letters, digits, ".", "_" or "-"')
    .default('online-feature-updater'),
  /** Most interactions handled in one batch (one database transaction). */
  UPDATER_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(500),
  /** Length of the recommendation list the updater keeps and publishes per user. */
  RECOMMENDATIONS_K: z.coerce.number().int().min(1).max(1000).default(20),
  /** Port of the standalone periodic trainer's /health and /metrics endpoints. */
  TRAINER_PORT: port.default(9465),
  /** Retrain on this cron schedule (5 or 6 fields, e.g. "0 3 * * *"), evaluated in TRAINER_TIMEZONE. */
  TRAINER_CRON: z
    .string()
    .trim()
    .regex(/^(\S+\s+){4,5}\S+$/, 'expected a cron expression of 5 or 6 fields, such as "0 3 * * *"')
    .optional(),
  TRAINER_TIMEZONE: z.string().min(1).default('UTC'),
  /** Retrain every N minutes (alone or beside TRAINER_CRON). */
  TRAINER_INTERVAL_MINUTES: z.coerce.number().positive('expected a positive number of minutes').optional(),
  /** Retrain once this many interactions were stored since the last run (checked every TRAINER_CHECK_SECONDS). */
  TRAINER_AFTER_EVENTS: z.coerce.number().int().min(1, 'expected at least 1 event').optional(),
  TRAINER_CHECK_SECONDS: z.coerce.number().int().min(1).max(86_400).default(30),
  /** Algorithm the trainer fits (auto: it searches; als | als-spark | ease | sparse-ease | rp3beta | popularity). */
  TRAINER_ALGORITHM: z
    .enum(['auto', 'als', 'als-spark', 'ease', 'sparse-ease', 'rp3beta', 'popularity'], {
      error: 'expected auto, als, als-spark, ease, sparse-ease, rp3beta or popularity',
    })
    .default('auto'),
  /** Seconds an `auto` run may spend searching algorithms and hyper-parameters (every algorithm's defaults are always tried). */
  TRAINER_TUNING_BUDGET_S: z.coerce.number().positive('expected a positive number of seconds').default(120),
  /** Generate product embeddings after each training run. */
  TRAINER_EMBEDDINGS: bool.default(true),
  /** Keep the assistant's knowledge base (store documents, product texts, reviews) indexed in this role. */
  TRAINER_KNOWLEDGE: bool.default(true),
  /**
   * The assistant's store documents (policies, FAQ): a directory of markdown files with a
   * front matter (key, title). Unset → the shipped subgraphs/assistant/knowledge. Edits,
   * new and removed files are picked up within KNOWLEDGE_SWEEP_INTERVAL_S.
   */
  ASSISTANT_KNOWLEDGE_DIR: z
    .string()
    .min(1)
    .refine((d) => existsSync(d) && statSync(d).isDirectory() && readdirSync(d).some((f) => f.endsWith('.md')), {
      error:
        'expected a directory of markdown store documents (*.md with key and title front matter; see subgraphs/assistant/knowledge)',
    })
    .optional(),
  /** How often the knowledge indexer re-reads ASSISTANT_KNOWLEDGE_DIR and looks for products no catalog change announced. */
  KNOWLEDGE_SWEEP_INTERVAL_S: z.coerce.number().int().min(1, 'expected at least 1 second').max(86_400).default(30),
  /**
   * A Python with lightgbm and onnxmltools (scripts/infra/ranker.sh installs .infra/ranker-venv):
   * each run then learns a re-ranker over the model's top candidates, attached only when it beats
   * the model alone on the holdout. Unset → that venv when it exists; off → never.
   */
  RANKER_PYTHON: z
    .string()
    .min(1)
    .refine((p) => p === 'off' || existsSync(p), {
      error: 'expected the path of a Python with lightgbm and onnxmltools (scripts/infra/ranker.sh), or off',
    })
    .optional(),
  /** A Python with pyspark, for als-spark (scripts/infra installs one: .infra/spark-venv/bin/python). */
  SPARK_PYTHON: z.string().min(1).optional(),
  /** Where Spark runs: local[N], spark://host:7077, k8s://https://…, yarn. */
  SPARK_MASTER: z.string().min(1).default('local[2]'),
  SPARK_DRIVER_MEMORY: z
    .string()
    .regex(/^\d+[kmgt]$/i, 'expected a JVM size such as 2g or 512m')
    .default('1g'),
  /** With TRAINER_ALGORITHM=als and SPARK_PYTHON set, train with Spark from this many interactions (0: never). */
  SPARK_MIN_INTERACTIONS: z.coerce.number().int().min(0).default(0),
  /**
   * Where ALS trains. auto: on a CUDA GPU through implicit when IMPLICIT_PYTHON reports one
   * (implicit.gpu.HAS_CUDA and a visible device), else the native CPU kernels; cpu: native;
   * cuda: the GPU, and the trainer refuses to start (a run fails) when none is usable.
   */
  TRAINER_DEVICE: z.enum(['auto', 'cpu', 'cuda'], { error: 'expected auto, cpu or cuda' }).default('auto'),
  /**
   * A Python with implicit and the CUDA runtime (scripts/infra/implicit.sh --gpu, or the
   * trainer-gpu image's /opt/implicit/bin/python); the trainer probes it at start.
   */
  IMPLICIT_PYTHON: z.string().min(1).optional(),
});

/**
 * Interaction types, as the event envelopes name them (packages/events INTERACTION_TYPES),
 * and CLAIMED_PURCHASE: a purchase a client reported, not one checkout recorded.
 */
const INTERACTION_TYPE_NAMES = [
  'VIEW',
  'CLICK',
  'ADD_TO_CART',
  'PURCHASE',
  'RATE',
  'LIKE',
  'DISLIKE',
  'CLAIMED_PURCHASE',
] as const;
export type InteractionTypeName = (typeof INTERACTION_TYPE_NAMES)[number];

/**
 * "PURCHASE=10,VIEW=0.5,DISLIKE=off" → per-type overrides of the default weights.
 * A number is the confidence one event adds (RATE's multiplies the rating); "off"
 * takes the type out of every positive signal. Unnamed types keep their default.
 */
const interactionWeights = z.string().transform((s, ctx) => {
  const out: Partial<Record<InteractionTypeName, number | null>> = {};
  for (const part of s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)) {
    const m = /^([A-Z_]+)\s*=\s*(\S+)$/.exec(part);
    const type = m?.[1] as InteractionTypeName | undefined;
    if (!m || !type || !INTERACTION_TYPE_NAMES.includes(type)) {
      ctx.addIssue({
        code: 'custom',
        message: `"${part}": expected TYPE=weight with TYPE one of ${INTERACTION_TYPE_NAMES.join(', ')}`,
      });
      continue;
    }
    const w = m[2] === 'off' ? null : Number(m[2]);
    if (w !== null && !(Number.isFinite(w) && w > 0)) {
      ctx.addIssue({ code: 'custom', message: `"${part}": a weight is a positive number, or "off"` });
      continue;
    }
    out[type] = w;
  }
  return out;
});

/** What interactions mean: read by every role that weighs them (training, popularity, co-visitation, serving). */
export const interactionsSchema = z.object({
  /** Per-deployment weights of interaction types, e.g. "PURCHASE=10,VIEW=0.5,CLAIMED_PURCHASE=0.5" (see packages/interactions). */
  INTERACTION_WEIGHTS: interactionWeights.default({}),
  /** Events one user may track per minute (trackEvent(s), counted per event, shared by catalog replicas); 0: unlimited. */
  TRACK_EVENTS_PER_MINUTE: z.coerce.number().int().min(0).default(600),
  /** Most weight one user's events add to popularity per UTC day (the online updater); 0: no cap. */
  POPULARITY_USER_DAILY_CAP: z.coerce.number().min(0).default(50),
});

/** Gateway protection: request shape limits, rate limiting and CORS. */
export const recommendSchema = z.object({
  /** Seconds between model-registry polls in the recommend subgraph (0 disables; bus events reload at once). */
  MODEL_POLL_INTERVAL_S: z.coerce.number().int().min(0).max(86_400).default(30),
  /** JSON file of merchandising rules (boosts, pins, blocks): see subgraphs/recommend/README.md. */
  RECOMMEND_RULES_FILE: z.string().min(1).optional(),
  /**
   * Catalogs of at least this many model items retrieve personal candidates with
   * pgvector HNSW over the model's COLLABORATIVE embeddings (when they are written
   * for the active model) instead of the exact in-memory scan; 0: always.
   */
  RECOMMEND_ANN_MIN_ITEMS: z.coerce.number().int().min(0).default(200_000),
  /**
   * Users whose history and model query the recommend subgraph keeps in memory
   * (LRU; dropped on the user's next interaction, a model change, or after 5 min); 0: none.
   */
  RECOMMEND_USER_CACHE_SIZE: z.coerce.number().int().min(0).max(10_000_000).default(20_000),
});

export const securitySchema = z.object({
  /**
   * Browser origins allowed to call the gateway (exact, e.g. https://shop.example).
   * Unset → none in production; http(s)://localhost and 127.0.0.1 on any port otherwise.
   */
  CORS_ORIGINS: csv.pipe(z.array(z.string().url('expected an origin such as https://shop.example'))).optional(),
  /** Requests each caller (token subject, else IP) may make per RATE_LIMIT_DURATION_S; 0 disables the limit. */
  RATE_LIMIT_POINTS: z.coerce.number().int().min(0).default(600),
  RATE_LIMIT_DURATION_S: z.coerce.number().int().min(1).max(86_400).default(60),
  /** Requests with an invalid or forged token each client address may make per minute; 0 disables. */
  AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().min(0).default(30),
  /**
   * Where rate-limit counters live: postgres (the rate_limits table, shared by every gateway
   * replica) or memory (per process). Unset → postgres when DATABASE_URL is set, else memory.
   */
  RATE_LIMIT_STORE: z.enum(['memory', 'postgres'], { error: 'expected memory or postgres' }).optional(),
  /**
   * Proxies in front of the gateway whose X-Forwarded-For entries are trusted for the client
   * address: a hop count (the last N entries were added by your proxies) and/or their CIDRs.
   * Neither → the socket address (X-Forwarded-For ignored, as any client can send it).
   */
  TRUSTED_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
  TRUSTED_PROXY_CIDRS: csv
    .pipe(z.array(z.string().regex(/^[0-9a-fA-F.:]+\/\d{1,3}$/, 'expected CIDRs such as 10.0.0.0/8 or fd00::/8')))
    .optional(),
  /** Longest a gateway→subgraph fetch may take, ms; over it the field fails TIMEOUT. */
  SUBGRAPH_TIMEOUT_MS: z.coerce.number().int().min(100).default(15_000),
  /** Deepest field nesting an operation may have. */
  MAX_QUERY_DEPTH: z.coerce.number().int().min(1).max(100).default(12),
  /** graphql-armor cost (objects 2, scalars 1, ×1.5 per level): a 100-product page with category and rating is ~6 000. */
  MAX_QUERY_COST: z.coerce.number().int().min(1).default(20_000),
  MAX_QUERY_ALIASES: z.coerce.number().int().min(0).default(15),
  MAX_QUERY_DIRECTIVES: z.coerce.number().int().min(0).default(50),
  MAX_QUERY_TOKENS: z.coerce.number().int().min(1).default(1000),
  /** Largest request body any service accepts, in bytes. */
  MAX_BODY_BYTES: z.coerce.number().int().min(1024, 'expected at least 1024 bytes').default(1_000_000),
  /**
   * Largest body of an image-search request (searchByImage with the photo in a variable), at the
   * gateway and the search subgraph; every other request keeps MAX_BODY_BYTES. Default: a 10 MiB
   * photo in base64 (13,981,016 bytes) plus 64 KiB for the query and other variables. Below
   * MAX_BODY_BYTES it changes nothing.
   */
  MAX_IMAGE_UPLOAD_BYTES: z.coerce
    .number()
    .int()
    .min(1024, 'expected at least 1024 bytes')
    .max(100_000_000, 'expected at most 100,000,000 bytes (the image itself may be at most 10 MiB)')
    .default(14_046_552),
});

/** Where trained model artifacts live, shared by the trainer (writes) and every recommend and updater (reads). */
export const artifactsSchema = z.object({
  /**
   * postgres (default): in the database every role already shares (chunked bytea, sha256-checked);
   * s3: an S3-compatible bucket (ARTIFACT_S3_*); file: MODEL_DIR, for a single machine only.
   */
  ARTIFACT_STORE: z.enum(['postgres', 's3', 'file'], { error: 'expected postgres, s3 or file' }).default('postgres'),
  ARTIFACT_S3_BUCKET: z.string().min(3).optional(),
  /** Key prefix inside the bucket. */
  ARTIFACT_S3_PREFIX: z.string().default('recgraph/models/'),
  /** An S3-compatible endpoint (MinIO, Ceph, R2...); unset → AWS S3 in ARTIFACT_S3_REGION. */
  ARTIFACT_S3_ENDPOINT: z.string().url().optional(),
  ARTIFACT_S3_REGION: z.string().min(1).default('us-east-1'),
  /** bucket in the path (most S3-compatible servers) rather than the host name. */
  ARTIFACT_S3_FORCE_PATH_STYLE: bool.default(false),
  /** Static credentials; unset → the SDK's default chain (instance or pod role, AWS_* variables). */
  ARTIFACT_S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  ARTIFACT_S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
});

/** The shopping assistant's chat model and per-turn bounds (subgraphs/assistant/src/agent). */
export const assistantSchema = z.object({
  /** An OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, llama.cpp server: "http://host:8080/v1"); unset with ASSISTANT_MODEL set → OpenAI's. */
  ASSISTANT_MODEL_URL: z.string().url().optional(),
  /** The model to ask; unset → the built-in responder (no model, works offline). */
  ASSISTANT_MODEL: z.string().min(1).max(200).optional(),
  /** The endpoint's API key, if it wants one. */
  ASSISTANT_API_KEY: z.string().min(1).optional(),
  /** Responder steps (model calls) per turn. */
  ASSISTANT_MAX_STEPS: z.coerce.number().int().min(1).max(20).default(6),
  /** Longest answer per turn, in tokens (the model's max_tokens; words for the built-in responder). */
  ASSISTANT_MAX_TOKENS: z.coerce.number().int().min(16).max(8192).default(400),
  /** Wall-clock limit of one turn. */
  ASSISTANT_TURN_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
  /** Longest question `ask` accepts, in characters (longer: BAD_USER_INPUT, reason MESSAGE_TOO_LONG). */
  ASSISTANT_MAX_MESSAGE_CHARS: z.coerce.number().int().min(1).max(100_000).default(2000),
  /** `ask`s per caller per minute, shared by every replica (rate_limits table); 0: unlimited. */
  ASSISTANT_ASKS_PER_MINUTE: z.coerce.number().int().min(0).default(20),
});

export const configSchema = runtimeSchema
  .extend(artifactsSchema.shape)
  .extend(databaseSchema.shape)
  .extend(kafkaSchema.shape)
  .extend(serverSchema.shape)
  .extend(telemetrySchema.shape)
  .extend(securitySchema.shape)
  .extend(recommendSchema.shape)
  .extend(authSchema.shape)
  .extend(trainingSchema.shape)
  .extend(streamingSchema.shape)
  .extend(interactionsSchema.shape)
  .extend(assistantSchema.shape);

export type Config = z.infer<typeof configSchema>;
