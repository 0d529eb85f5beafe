/**
 * `npm start`: the whole of Recgraph in one process for a first look. Embedded
 * Postgres (unless DATABASE_URL is set), the demo store and its first model on
 * first run, all four subgraphs and the gateway (each on its own port; 0 picks
 * free ones), and the streaming roles — online feature updater and periodic
 * trainer — on the event bus (in-process unless KAFKA_BROKERS is set).
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { config, DEV_JWT_SECRET, type Config } from '@recgraph/config';
import { embeddedDataDir, openDatabase, type Database } from '@recgraph/db';
import { generateStore, seedStore } from '@recgraph/data';
import { eventBusFromConfig, STREAMING_TOPICS, type EventBus } from '@recgraph/events';
import { startStack } from '@recgraph/gateway/stack';
import { tokenVerifierFromConfig } from '@recgraph/gateway/tokenVerifier';
import { protectionFromConfig } from '@recgraph/gateway/protection/options';
import {
  createOnlineFeatureUpdater,
  createPeriodicTrainer,
  createEmbeddingPipeline,
  embeddingPipelineOptionsFromConfig,
  knowledgeIndexerOptionsFromConfig,
  rebuildOnlineFeatures,
  trainerOptionsFromConfig,
  updaterOptionsFromConfig,
  type PeriodicTrainer,
} from '@recgraph/streaming';
import { createLogger, initTelemetry, type Logger } from '@recgraph/telemetry';
import { getActiveModelVersion } from '@recgraph/training';
import { createKnowledgeIndexer } from '@recgraph/subgraph-assistant/knowledge/index';
import { ensureWebBuild, WEB_DIST } from '../web/scripts/ensure-build.ts';

/** Seeds the demo store into an empty database; true when it did. */
async function seedDemoIfEmpty(db: Database, cfg: Config, imagesDir: string, log: Logger): Promise<boolean> {
  if ((await db.prisma.product.count()) > 0) {
    log.info('products already present: skipping the demo store');
    return false;
  }
  const started = Date.now();
  log.info({ products: cfg.DEMO_PRODUCTS }, 'seeding the demo store (first start only)');
  // As many shoppers as products: enough history for a first model to beat popularity.
  const store = generateStore({ seed: 42, products: cfg.DEMO_PRODUCTS, users: cfg.DEMO_PRODUCTS });
  const report = await seedStore(db, store, { imagesDir });
  log.info(
    {
      categories: report.categories,
      products: report.products,
      users: report.users,
      interactions: report.interactions.inserted,
      reviews: report.reviews.inserted,
      images: report.images,
      ms: Date.now() - started,
    },
    'demo store seeded',
  );
  return true;
}

/** The streaming roles, in this process. */
function startStreaming(db: Database, bus: EventBus, cfg: Config, log: Logger) {
  return {
    updater: createOnlineFeatureUpdater(updaterOptionsFromConfig(cfg, db, bus, log.child({ role: 'updater' }))),
    trainer: createPeriodicTrainer(trainerOptionsFromConfig(cfg, db, bus, log.child({ role: 'trainer' }))),
    // The trainer role's embedding pipeline: TEXT vectors kept current (catalog changes, encoder switches).
    embeddings: ((o) => (o ? createEmbeddingPipeline(o) : undefined))(
      embeddingPipelineOptionsFromConfig(cfg, db, bus, log.child({ role: 'embeddings' })),
    ),
    // The trainer role's knowledge indexer: the assistant's documents kept current (catalog changes, the documents directory).
    knowledge: ((o) => (o ? createKnowledgeIndexer(o) : undefined))(
      knowledgeIndexerOptionsFromConfig(cfg, db, bus, log.child({ role: 'knowledge' })),
    ),
  };
}

/** First start: popularity/co-visitation from the seeded history, and a first model. */
async function prepareFirstRun(
  db: Database,
  trainer: PeriodicTrainer,
  seeded: boolean,
  tuningBudgetS: number,
  log: Logger,
): Promise<void> {
  if (seeded) {
    const r = await rebuildOnlineFeatures(db);
    log.info(
      { interactions: r.interactions, pairs: r.pairs, seconds: r.seconds.toFixed(1) },
      'online features built from the seeded history',
    );
  }
  if (await getActiveModelVersion(db)) return;
  log.info('no active model yet: training the first one');
  // A short search on the demo store (every algorithm's defaults, then what fits in 15 s, or in
  // TRAINER_TUNING_BUDGET_S when that is shorter), so the quick start is up in a minute; the
  // scheduled runs search with TRAINER_TUNING_BUDGET_S.
  const run = await trainer.runNow('startup', { force: true, tuningBudgetS });
  log.info(
    { outcome: run.outcome, modelVersionId: run.modelVersionId, reason: run.reason, seconds: run.seconds.toFixed(1) },
    'first training run',
  );
}

const row = (label: string, value: string) => `  ${label.padEnd(20)}${value}`;

function banner(urls: { gateway: string; origin: string; subgraphs: Record<string, string> }, cfg: Config): string {
  const development = cfg.NODE_ENV !== 'production';
  const example = `curl -s ${urls.gateway} -H 'content-type: application/json' \\
  -d '{"query":"{ products(first: 3, sort: RATING) { totalCount edges { node { id title price { amount currency } ratingSummary { average count } recommendedWith(first: 3) { title } } } } }"}'`;
  return [
    '',
    'Recgraph is running',
    row('Storefront', `${urls.origin}/`),
    row('GraphQL gateway', urls.gateway),
    ...(development ? [row('GraphiQL', `${urls.origin}/graphiql`)] : []),
    row('Health', `${urls.origin}/health/live  ${urls.origin}/health/ready`),
    row('Images', `${urls.origin}/images/<file>`),
    ...Object.entries(urls.subgraphs).map(([name, url]) => row(`subgraph ${name}`, `${url} (gateway only)`)),
    row(
      'Supergraph',
      cfg.SUPERGRAPH_MODE === 'live' ? 'composed live from the subgraphs' : 'gateway/supergraph.graphql',
    ),
    '',
    'Try:',
    `  ${example}`,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const cfg = config('all');
  // One SDK for every service in this process; spans say which in recgraph.service.
  const telemetry = initTelemetry({
    serviceName: cfg.OTEL_SERVICE_NAME ?? 'recgraph',
    otlpEndpoint: cfg.OTEL_EXPORTER_OTLP_ENDPOINT,
  });
  const log = createLogger('recgraph', { level: cfg.LOG_LEVEL });
  const dataDir = resolve(cfg.RECGRAPH_DATA_DIR);
  const imagesDir = join(dataDir, 'images');
  mkdirSync(imagesDir, { recursive: true });

  const db = await openDatabase({
    url: cfg.DATABASE_URL,
    dataDir: embeddedDataDir(dataDir),
    embeddedPort: cfg.EMBEDDED_PG_PORT,
    poolSize: cfg.DATABASE_POOL_SIZE,
    log: (msg) => log.info(msg),
  });
  // Kafka when KAFKA_BROKERS is set, else in-process: the catalog publishes tracked interactions on it.
  const bus = eventBusFromConfig(cfg, log);
  let stack: Awaited<ReturnType<typeof startStack>> | undefined;
  let streaming: ReturnType<typeof startStreaming> | undefined;
  let stopping = false;
  const shutdown = async (signal: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    await stack?.stop().catch((err: unknown) => log.error({ err }, 'stopping servers failed'));
    await streaming?.updater.stop().catch((err: unknown) => log.error({ err }, 'stopping the updater failed'));
    await streaming?.embeddings?.stop().catch((err: unknown) => log.error({ err }, 'stopping embeddings failed'));
    await streaming?.knowledge
      ?.stop()
      .catch((err: unknown) => log.error({ err }, 'stopping the knowledge indexer failed'));
    await streaming?.trainer.stop().catch((err: unknown) => log.error({ err }, 'stopping the trainer failed'));
    await bus.close().catch((err: unknown) => log.error({ err }, 'closing the event bus failed'));
    await db.close().catch((err: unknown) => log.error({ err }, 'closing the database failed'));
    await telemetry.shutdown().catch((err: unknown) => log.error({ err }, 'flushing telemetry failed'));
    process.exit(code);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));

  try {
    ensureWebBuild((msg) => log.info(msg));
    const seeded = cfg.SEED_DEMO ? await seedDemoIfEmpty(db, cfg, imagesDir, log) : false;
    await bus.ensureTopics(STREAMING_TOPICS);
    streaming = startStreaming(db, bus, cfg, log);
    await prepareFirstRun(db, streaming.trainer, seeded, Math.min(15, cfg.TRAINER_TUNING_BUDGET_S), log);
    await streaming.updater.start();
    await streaming.trainer.start();
    await streaming.embeddings?.start();
    await streaming.knowledge?.start();
    stack = await startStack({
      prisma: db.prisma,
      secret: { bearer: cfg.SUBGRAPH_SECRET, identityKey: cfg.IDENTITY_SIGNING_KEY },
      verifyToken: tokenVerifierFromConfig(cfg),
      host: cfg.HOST,
      ports: {
        gateway: cfg.GATEWAY_PORT,
        catalog: cfg.CATALOG_PORT,
        recommend: cfg.RECOMMEND_PORT,
        search: cfg.SEARCH_PORT,
        assistant: cfg.ASSISTANT_PORT,
      },
      mode: cfg.SUPERGRAPH_MODE,
      imagesDir,
      // The storefront from the gateway's origin; the IDE and demo sign-in only outside production.
      web: { dir: WEB_DIST, graphiql: cfg.NODE_ENV !== 'production' },
      ...(cfg.NODE_ENV !== 'production'
        ? {
            devTokens: {
              secret: cfg.JWT_HS256_SECRET ?? DEV_JWT_SECRET,
              ...(cfg.JWT_ISSUER ? { issuer: cfg.JWT_ISSUER } : {}),
              ...(cfg.JWT_AUDIENCE ? { audience: cfg.JWT_AUDIENCE } : {}),
            },
          }
        : {}),
      logLevel: cfg.LOG_LEVEL,
      bus,
      protection: protectionFromConfig(cfg),
    });
  } catch (err) {
    log.fatal({ err }, 'start-up failed');
    await shutdown('startup-failure', 1);
    return;
  }
  const subgraphs = Object.fromEntries(Object.entries(stack.subgraphs).map(([n, s]) => [n, s.url]));
  process.stdout.write(banner({ gateway: stack.gateway.url, origin: stack.gateway.origin, subgraphs }, cfg) + '\n');
}

await main();
