// The demo store with the assistant over it, for the evaluation (and its CI slice): the
// quick start's store (generateStore seed 42, DEMO_PRODUCTS products and as many shoppers:
// what `npm start` seeds), seeded into an empty database, every subgraph and the gateway on
// free ports (the stack the quick start runs), the knowledge base built with the shipped
// documents, and an agent whose tools call the subgraphs as a demo shopper.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Identity } from '@recgraph/auth';
import { generateStore, seedStore } from '@recgraph/data';
import { openDatabase, type Database } from '@recgraph/db';
import { createLogger } from '@recgraph/telemetry';
import { startStack, type RunningStack } from '../../../../gateway/src/stack.ts';
import {
  createAssistantAgent,
  createServiceClient,
  type ConfiguredChatModel,
  type TurnLimits,
} from '../agent/index.ts';
import type { AssistantAgent } from '../agent/types.ts';
import {
  createKnowledgeIndexer,
  createKnowledgeRetriever,
  type ClosableKnowledgeRetriever,
} from '../knowledge/index.ts';

/** The labels in eval/questions.jsonl name products of the demo store at this size. */
export const DEMO_SEED = 42;
export const DEMO_STORE_PRODUCTS = 400;

export interface DemoAssistant {
  db: Database;
  stack: RunningStack;
  retriever: ClosableKnowledgeRetriever;
  /** The agent with the given model, or the built-in responder. */
  agent(model?: ConfiguredChatModel, limits?: Partial<TurnLimits>): AssistantAgent;
  /** A signed-in demo shopper (the first seeded user). */
  shopper: Identity;
  /** Product id → SKU. */
  skuOf: Map<string, string>;
  stop(): Promise<void>;
}

export interface DemoAssistantOptions {
  /** A real Postgres (seeded when it has no products); unset → in-memory embedded Postgres. */
  databaseUrl?: string | undefined;
  textEncoderDir?: string | undefined;
  /** Index only these products' documents (and every store document); default: every product. */
  indexSkus?: readonly string[];
  log?: (line: string) => void;
}

export async function startDemoAssistant(o: DemoAssistantOptions = {}): Promise<DemoAssistant> {
  const log = o.log ?? (() => undefined);
  const db = await openDatabase(o.databaseUrl ? { url: o.databaseUrl, poolSize: 4 } : {});
  const imagesDir = mkdtempSync(join(tmpdir(), 'recgraph-eval-images-'));
  const cleanup: (() => Promise<void>)[] = [
    async () => rmSync(imagesDir, { recursive: true, force: true }),
    () => db.close(),
  ];
  const stop = async () => {
    for (const f of cleanup.reverse()) await f().catch(() => undefined);
  };
  try {
    let t = performance.now();
    if ((await db.prisma.product.count()) === 0) {
      const store = generateStore({ seed: DEMO_SEED, products: DEMO_STORE_PRODUCTS, users: DEMO_STORE_PRODUCTS });
      // No product photos: nothing here looks at them.
      const report = await seedStore(db, store);
      log(`demo store seeded: ${report.products.inserted} products, ${report.reviews.inserted} reviews (${s(t)})`);
    } else log('products already present: using the store as it is');

    t = performance.now();
    const secret = { bearer: randomBytes(24).toString('hex'), identityKey: randomBytes(24).toString('hex') };
    const stack = await startStack({ prisma: db.prisma, secret, logLevel: 'silent', imagesDir });
    cleanup.push(() => stack.stop());
    log(`stack up: gateway ${stack.gateway.url} (${s(t)})`);

    t = performance.now();
    const indexer = createKnowledgeIndexer({ db, ...(o.textEncoderDir ? { textEncoderDir: o.textEncoderDir } : {}) });
    try {
      const docs = await indexer.syncStoreDocuments();
      const products = o.indexSkus
        ? await indexer.indexProducts(
            (await db.prisma.product.findMany({ where: { sku: { in: [...o.indexSkus] } }, select: { id: true } })).map(
              (p) => p.id,
            ),
          )
        : await indexer.indexAllProducts();
      log(`knowledge base: ${JSON.stringify(docs)} documents, ${JSON.stringify(products)} products (${s(t)})`);
    } finally {
      await indexer.stop();
    }
    const retriever = createKnowledgeRetriever({
      db,
      ...(o.textEncoderDir ? { textEncoderDir: o.textEncoderDir } : {}),
    });
    cleanup.push(() => retriever.close());

    const rows = await db.prisma.product.findMany({ select: { id: true, sku: true } });
    const skuOf = new Map(rows.map((r) => [r.id, r.sku]));
    const first = await db.prisma.user.findFirstOrThrow({ orderBy: { externalId: 'asc' } });
    const shopper: Identity = { role: 'customer', sub: first.id, scopes: ['read', 'subscribe'], allowedUserIds: [] };
    const s2 = stack.subgraphs;
    const services = createServiceClient({
      urls: { catalog: s2.catalog.url, search: s2.search.url, recommend: s2.recommend.url },
      secrets: secret,
    });
    const logger = createLogger('assistant-eval', { level: 'silent' });
    return {
      db,
      stack,
      retriever,
      shopper,
      skuOf,
      agent: (model, limits) =>
        createAssistantAgent({
          prisma: db.prisma,
          services,
          retriever,
          logger,
          ...(model ? { model } : {}),
          ...(limits ? { limits } : {}),
        }),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

const s = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;
