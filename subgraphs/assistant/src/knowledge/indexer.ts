import { Prisma, type Database, type PrismaClient } from '@recgraph/db';
import { chooseTextEncoder, openTextEncoderInWorker, type TextEncoder } from '@recgraph/embeddings';
import {
  changedProductIds,
  silentLogger,
  STREAMING_TOPIC,
  type ConsumedMessage,
  type EventBus,
  type EventBusLogger,
  type Subscription,
} from '@recgraph/events';
import type { ConsumerLagGauge } from '@recgraph/telemetry';
import {
  POLICY_PREFIX,
  productDocuments,
  readStoreDocuments,
  SHIPPED_KNOWLEDGE_DIR,
  storeDocumentsFingerprint,
  MAX_REVIEWS_PER_PRODUCT,
  type ProductForKnowledge,
} from './documents.ts';
import { deleteDocuments, writeDocument } from './store.ts';

export interface KnowledgeIndexerOptions {
  db: Pick<Database, 'prisma'>;
  /** catalog-changes come from here: a product created, edited, archived or reviewed is re-indexed. */
  bus?: EventBus;
  /** The store documents (ASSISTANT_KNOWLEDGE_DIR; default the shipped subgraphs/assistant/knowledge). */
  documentsDir?: string;
  /** The search issue's text encoder (TEXT_ENCODER_DIR; unset → the fetched all-MiniLM-L6-v2, else built-in). */
  textEncoderDir?: string;
  /** An encoder already open (tests, the CLI); the indexer then does not release it. */
  encoder?: TextEncoder;
  /**
   * How often the documents directory is compared with what was indexed and products the
   * bus did not announce (raw SQL edits, a lost event) are looked for (default 30 s).
   */
  sweepIntervalMs?: number;
  /** Consumer group on catalog-changes (default "knowledge-indexer"). */
  groupId?: string;
  /** Where the group's lag in messages is exported (the trainer role's recgraph_trainer_consumer_lag_messages). */
  consumerLag?: Pick<ConsumerLagGauge, 'track'>;
  /** Products per batch of the full build and the sweep (default 32). */
  batchSize?: number;
  log?: EventBusLogger;
}

export interface IndexReport {
  written: number;
  unchanged: number;
  removed: number;
}

export interface KnowledgeIndexer {
  /** Opens the encoder, syncs the store documents, follows catalog-changes, then sweeps periodically (products first built in the background). */
  start(): Promise<void>;
  stop(): Promise<void>;
  readiness(): boolean;
  /** Makes the store documents match the directory: new and changed files written, removed files' rows removed. */
  syncStoreDocuments(): Promise<IndexReport>;
  /** Re-indexes these products' documents now (what a catalog change triggers). */
  indexProducts(productIds: readonly string[]): Promise<IndexReport>;
  /** Every product, in batches (the first build; idempotent): onProgress(done, total). */
  indexAllProducts(onProgress?: (done: number, total: number) => void): Promise<IndexReport>;
  /** One sweep: the directory when it changed, and products whose documents are stale. */
  sweep(): Promise<IndexReport>;
  /** The background first build started by start() (resolves when done or stopped). */
  built(): Promise<IndexReport | undefined>;
}

const add = (a: IndexReport, b: IndexReport): IndexReport => ({
  written: a.written + b.written,
  unchanged: a.unchanged + b.unchanged,
  removed: a.removed + b.removed,
});
const EMPTY: IndexReport = { written: 0, unchanged: 0, removed: 0 };

interface ProductRow {
  id: string;
  title: string;
  description: string;
  brand: string | null;
  category: string | null;
  attributes: unknown;
}

/** The products' text, category names and newest reviews; archived and missing products are absent. */
async function loadProducts(prisma: PrismaClient, ids: readonly string[]): Promise<ProductForKnowledge[]> {
  if (ids.length === 0) return [];
  const rows = await prisma.$queryRaw<ProductRow[]>`
    SELECT p.id::text AS id, p.title, p.description, p.brand, p.attributes,
      (SELECT string_agg(a.name, ' > ' ORDER BY a.depth) FROM categories c JOIN categories a
        ON c.path = a.path OR c.path LIKE a.path || '/%' WHERE c.id = p.category_id) AS category
    FROM products p WHERE p.id = ANY(${[...ids]}::uuid[]) AND p.status = 'ACTIVE'`;
  const reviews = await prisma.$queryRaw<{ product_id: string; rating: number; title: string | null; body: string }[]>`
    SELECT product_id::text, rating, title, body FROM (
      SELECT r.*, row_number() OVER (PARTITION BY r.product_id ORDER BY r.created_at DESC, r.id) AS n
      FROM reviews r WHERE r.product_id = ANY(${[...ids]}::uuid[])
    ) r WHERE n <= ${MAX_REVIEWS_PER_PRODUCT} ORDER BY product_id, n`;
  const byProduct = new Map<string, ProductForKnowledge['reviews']>();
  for (const r of reviews) {
    let list = byProduct.get(r.product_id);
    if (!list) byProduct.set(r.product_id, (list = []));
    list.push({ rating: r.rating, title: r.title, body: r.body });
  }
  return rows.map((r) => ({
    id: r.id,
    title: r.title,
    description: r.description,
    brand: r.brand,
    category: r.category,
    attributes: r.attributes && typeof r.attributes === 'object' ? (r.attributes as Record<string, unknown>) : {},
    reviews: byProduct.get(r.id) ?? [],
  }));
}

/**
 * The knowledge base's indexer, run where background jobs run (the trainer role beside the
 * embedding pipeline, and the quick start): never a nightly rebuild. At start it syncs the
 * store documents and builds what products lack in the background; a catalog change
 * (product created, edited, archived, deleted, reviewed) re-indexes that product's
 * documents within a second; a periodic sweep re-syncs the documents directory when its
 * content changed and re-indexes products no event announced. Every write is one document
 * in one transaction and skips documents whose text and encoder are unchanged, so running
 * it twice, or in two processes, is harmless.
 */
export function createKnowledgeIndexer(o: KnowledgeIndexerOptions): KnowledgeIndexer {
  const log = o.log ?? silentLogger;
  const { prisma } = o.db;
  const dir = o.documentsDir ?? SHIPPED_KNOWLEDGE_DIR;
  const batchSize = o.batchSize ?? 32;
  const sweepIntervalMs = o.sweepIntervalMs ?? 30_000;
  const abort = new AbortController();
  let encoder: TextEncoder | undefined = o.encoder;
  let opening: Promise<TextEncoder> | undefined;
  let lastFingerprint: string | undefined;
  let failedFingerprint: string | undefined;
  let subscription: Subscription | undefined;
  let untrackLag: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let firstBuild: Promise<IndexReport | undefined> = Promise.resolve(undefined);
  /** One job at a time (events, the sweep, the build): the writes would be safe together, the encoder's CPU not. */
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(job: () => Promise<T>): Promise<T> => {
    const run = queue.then(job, job);
    queue = run.catch(() => undefined);
    return run;
  };

  const openEncoder = (): Promise<TextEncoder> => {
    if (encoder) return Promise.resolve(encoder);
    opening ??= (async () => {
      const choice = chooseTextEncoder(o.textEncoderDir);
      // In a worker thread: passages are encoded in bulk, and inference would block the serving thread.
      const e = await openTextEncoderInWorker(choice, { threads: 1 });
      log.info({ model: e.model, dims: e.dims, why: choice.reason }, 'knowledge indexer: text encoder loaded');
      encoder = e;
      return e;
    })();
    opening.catch(() => (opening = undefined));
    return opening;
  };

  async function syncStoreDocumentsNow(): Promise<IndexReport> {
    const e = await openEncoder();
    const fingerprint = storeDocumentsFingerprint(dir);
    const docs = readStoreDocuments(dir);
    const report = { ...EMPTY };
    for (const d of docs) report[(await writeDocument(prisma, e, d)) === 'written' ? 'written' : 'unchanged']++;
    const keep = new Set(docs.map((d) => d.key));
    const gone = (
      await prisma.knowledgeDocument.findMany({
        where: { kind: 'POLICY', key: { startsWith: POLICY_PREFIX } },
        select: { key: true },
      })
    )
      .map((d) => d.key)
      .filter((k) => !keep.has(k));
    report.removed = await deleteDocuments(prisma, gone);
    lastFingerprint = fingerprint;
    if (report.written || report.removed)
      log.info({ dir, ...report }, 'knowledge: store documents synced with the directory');
    return report;
  }

  async function indexProductsNow(productIds: readonly string[]): Promise<IndexReport> {
    if (productIds.length === 0) return { ...EMPTY };
    const e = await openEncoder();
    const ids = [...new Set(productIds)];
    const products = await loadProducts(prisma, ids);
    const report = { ...EMPTY };
    const stale: string[] = [];
    for (const p of products) {
      for (const [part, doc] of Object.entries(productDocuments(p))) {
        if (doc) report[(await writeDocument(prisma, e, doc)) === 'written' ? 'written' : 'unchanged']++;
        else stale.push(`product:${p.id}:${part}`);
      }
    }
    // Checked: the product's documents are current as of now (the sweep compares against this).
    if (products.length)
      await prisma.knowledgeDocument.updateMany({
        where: { productId: { in: products.map((p) => p.id) } },
        data: { updatedAt: new Date() },
      });
    // Archived or deleted products: their documents go (deleted ones' went with the row already).
    const present = new Set(products.map((p) => p.id));
    const absent = ids.filter((id) => !present.has(id));
    if (absent.length)
      report.removed += await prisma.knowledgeDocument
        .deleteMany({ where: { productId: { in: absent } } })
        .then((r) => r.count);
    report.removed += await deleteDocuments(prisma, stale);
    return report;
  }

  async function indexAllProductsNow(onProgress?: (done: number, total: number) => void): Promise<IndexReport> {
    const total = await prisma.product.count({ where: { status: 'ACTIVE' } });
    let report = { ...EMPTY };
    let done = 0;
    let after: string | undefined;
    while (!abort.signal.aborted) {
      const page = await prisma.product.findMany({
        where: { status: 'ACTIVE', ...(after ? { id: { gt: after } } : {}) },
        orderBy: { id: 'asc' },
        take: batchSize,
        select: { id: true },
      });
      if (page.length === 0) break;
      after = page.at(-1)!.id;
      report = add(report, await serial(() => indexProductsNow(page.map((p) => p.id))));
      done += page.length;
      onProgress?.(done, total);
    }
    const archived = await prisma.knowledgeDocument.deleteMany({ where: { product: { status: { not: 'ACTIVE' } } } });
    report.removed += archived.count;
    return report;
  }

  /** Products whose documents may be stale: none yet, edited or reviewed since, or another encoder's vectors. */
  async function staleProducts(model: string, limit: number, after: string | undefined): Promise<string[]> {
    const rows = await prisma.$queryRaw<{ id: string }[]>`
      SELECT p.id::text AS id FROM products p
      LEFT JOIN LATERAL (
        SELECT max(d.updated_at) AS at, count(*)::int AS n FROM knowledge_documents d WHERE d.product_id = p.id
      ) k ON true
      WHERE ((p.status = 'ACTIVE' AND (
          k.n = 0 OR p.updated_at > k.at
          OR EXISTS (SELECT 1 FROM reviews r WHERE r.product_id = p.id AND r.created_at > k.at)
          OR EXISTS (SELECT 1 FROM knowledge_chunks c WHERE c.product_id = p.id AND c.model IS DISTINCT FROM ${model})))
        OR (p.status <> 'ACTIVE' AND k.n > 0))
      ${after ? Prisma.sql`AND p.id > ${after}::uuid` : Prisma.empty}
      ORDER BY p.id LIMIT ${limit}`;
    return rows.map((r) => r.id);
  }

  /** The directory when its content changed; a broken document is logged once per content and leaves the rows alone. */
  async function syncIfChanged(): Promise<IndexReport> {
    let fingerprint: string | undefined;
    try {
      fingerprint = storeDocumentsFingerprint(dir);
      if (fingerprint === lastFingerprint) return { ...EMPTY };
      return await serial(syncStoreDocumentsNow);
    } catch (err) {
      if (fingerprint === undefined || fingerprint !== failedFingerprint)
        log.error(
          { err, dir },
          'knowledge: the store documents could not be synced; the indexed ones stay until fixed',
        );
      failedFingerprint = fingerprint;
      return { ...EMPTY };
    }
  }

  async function sweepNow(): Promise<IndexReport> {
    let report = await syncIfChanged();
    const e = await openEncoder();
    // One walk over the products in id order: each pass starts after the last one seen, so
    // products with nothing to say (no documents, found stale every time) cannot stall it.
    let after: string | undefined;
    let seen = 0;
    while (!abort.signal.aborted) {
      const ids = await staleProducts(e.model, batchSize, after);
      if (ids.length === 0) break;
      after = ids.at(-1);
      report = add(report, await serial(() => indexProductsNow(ids)));
      seen += ids.length;
      if (seen % (batchSize * 32) < batchSize) log.info({ products: seen, ...report }, 'knowledge: indexing products');
    }
    if (report.written || report.removed) log.info({ ...report }, 'knowledge sweep: stale documents re-indexed');
    return report;
  }

  return {
    async start() {
      await openEncoder();
      running = true;
      log.info({ dir }, 'knowledge indexer: store documents from this directory (ASSISTANT_KNOWLEDGE_DIR)');
      // A bad document is the operator's to fix: the indexed ones stay, the sweep retries.
      await syncIfChanged();
      const groupId = o.groupId ?? 'knowledge-indexer';
      if (o.bus)
        subscription = await o.bus.subscribe({
          groupId,
          topics: [STREAMING_TOPIC.catalogChanges],
          fromBeginning: false,
          handleBatch: async (messages: ConsumedMessage[]) => {
            const ids = changedProductIds(messages, log);
            // Not retried here: the sweep re-indexes what is still stale.
            await serial(() => indexProductsNow(ids))
              .then(
                (r) =>
                  r.written + r.removed &&
                  log.info({ products: ids.length, ...r }, 'knowledge: changed products re-indexed'),
              )
              .catch((err: unknown) => log.warn({ err }, 'knowledge: re-indexing changed products failed'));
          },
        });
      if (subscription) untrackLag = o.consumerLag?.track(groupId, subscription);
      firstBuild = sweepNow().catch((err: unknown) => {
        log.error({ err }, 'knowledge: building product documents failed; the sweep retries');
        return undefined;
      });
      const tick = () => {
        timer = setTimeout(() => {
          void firstBuild
            .then(() => sweepNow())
            .catch((err: unknown) => log.warn({ err }, 'knowledge sweep failed'))
            .finally(() => running && tick());
        }, sweepIntervalMs);
        timer.unref();
      };
      tick();
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      abort.abort();
      untrackLag?.();
      await subscription?.stop();
      await firstBuild;
      await queue;
      if (!o.encoder) await encoder?.release().catch(() => undefined);
      encoder = undefined;
      opening = undefined;
    },
    readiness: () => running,
    syncStoreDocuments: () => serial(syncStoreDocumentsNow),
    indexProducts: (ids) => serial(() => indexProductsNow(ids)),
    indexAllProducts: (onProgress) => indexAllProductsNow(onProgress),
    sweep: () => sweepNow(),
    built: () => firstBuild,
  };
}
