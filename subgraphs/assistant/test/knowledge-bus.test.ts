import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { signDevToken } from '@recgraph/auth';
import { DEV_JWT_SECRET } from '@recgraph/config';
import { chooseTextEncoder, openTextEncoder, type TextEncoder } from '@recgraph/embeddings';
import { createEventBus, STREAMING_TOPICS, type EventBus } from '@recgraph/events';
import { startTestStack, type TestStack } from '../../../gateway/test/support/testStack.ts';
import { createTestDatabase, realPostgresUrl } from '../../../packages/db/test/real-postgres.ts';
import { realKafkaBrokers } from '../../../packages/events/test/real-kafka.ts';
import {
  createKnowledgeIndexer,
  createKnowledgeRetriever,
  type ClosableKnowledgeRetriever,
  type KnowledgeIndexer,
} from '../src/knowledge/index.ts';

/**
 * Refresh through the bus, as production runs it: the real gateway and catalog on the real
 * Postgres server publish catalog-changes on the real Kafka broker, and the knowledge
 * indexer (the trainer role's) re-indexes the product within seconds. Its periodic sweep is
 * set far beyond the test, so only the events can have done the work. Under CI a missing
 * broker or server fails the suite (realKafkaBrokers / realPostgresUrl).
 */
const brokers = realKafkaBrokers();
const pgUrl = await realPostgresUrl();

describe.skipIf(!brokers || !pgUrl)('knowledge refresh through the real bus (Kafka + Postgres)', () => {
  let bus: EventBus;
  let t: TestStack;
  let encoder: TextEncoder;
  let indexer: KnowledgeIndexer;
  let retriever: ClosableKnowledgeRetriever;
  let admin: string;
  let shopper: string;
  const run = `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const waitUntil = (what: string, check: () => Promise<void>) =>
    vi.waitFor(check, { timeout: 30_000, interval: 100 }).catch((err: unknown) => {
      throw new Error(`timed out waiting for ${what}: ${err instanceof Error ? err.message : String(err)}`);
    });
  const body = async (key: string) => (await t.db.prisma.knowledgeDocument.findUnique({ where: { key } }))?.body;

  beforeAll(async () => {
    bus = createEventBus({
      brokers: brokers!,
      clientId: 'knowledge-bus-test',
      topicPrefix: `knowledge.${run}.`,
      // Short group timings: joins dominate a Kafka suite's run time.
      kafka: { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 300, rebalanceTimeoutMs: 6_000, maxWaitTimeMs: 100 },
    });
    await bus.ensureTopics(STREAMING_TOPICS);
    t = await startTestStack({ bus, databaseUrl: await createTestDatabase(pgUrl!) });
    // The fixture's 110 look-alike bulk products are taken off sale: the first build then
    // covers the few products the tests edit, and the suite's time goes to the bus path.
    await t.db.prisma.product.updateMany({ where: { sku: { startsWith: 'BULK-' } }, data: { status: 'ARCHIVED' } });
    encoder = await openTextEncoder(chooseTextEncoder(undefined), { threads: 1 });
    indexer = createKnowledgeIndexer({
      db: t.db,
      bus,
      encoder,
      groupId: `knowledge-${run}`,
      sweepIntervalMs: 3_600_000,
    });
    await indexer.start();
    // The first build: the fixture's products (and the shipped documents, synced by start()).
    await indexer.built();
    retriever = createKnowledgeRetriever({ db: t.db, encoder });
    admin = await signDevToken(DEV_JWT_SECRET, { sub: t.fixture.users.admin.id, role: 'admin' });
    shopper = await signDevToken(DEV_JWT_SECRET, { sub: t.fixture.users.shopper.id, role: 'customer' });
  }, 120_000);

  afterAll(async () => {
    await indexer?.stop();
    await retriever?.close();
    await encoder?.release();
    await t?.stop();
    await bus?.close();
  });

  it('re-indexes a product edited through the gateway within seconds', async () => {
    const id = t.fixture.products.headphones.id;
    expect(await body(`product:${id}:specs`)).toBeDefined();
    const res = await t.gql(
      `mutation ($id: ID!, $i: UpdateProductInput!) { updateProduct(id: $id, input: $i) { id } }`,
      { id, i: { description: 'Closed-back studio headphones with a detachable coiled cable and velour ear pads.' } },
      { token: admin },
    );
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    await waitUntil('the new description indexed', async () =>
      expect(await body(`product:${id}:description`)).toMatch(/detachable coiled cable/),
    );
    const hits = await retriever.retrieve('does the cable come off?', { productIds: [id] });
    expect(hits[0]).toMatchObject({ documentKey: `product:${id}:description`, productId: id });
  });

  it("re-indexes a product's reviews when a shopper reviews it", async () => {
    const id = t.fixture.products.speaker.id;
    const res = await t.gql(
      `mutation ($i: CreateReviewInput!) { createReview(input: $i) { id } }`,
      {
        i: { productId: id, rating: 2, title: 'Buzzes', body: 'The bass buzzes at high volume after a month of use.' },
      },
      { token: shopper },
    );
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    await waitUntil('the review indexed', async () =>
      expect(await body(`product:${id}:reviews`)).toMatch(/bass buzzes at high volume/),
    );
    const hits = await retriever.retrieve('any problems with the bass?', { productIds: [id], kinds: ['REVIEW'] });
    expect(hits[0]?.content).toMatch(/bass buzzes/);
  });

  it("removes an archived product's documents", async () => {
    const id = t.fixture.products.mug.id;
    expect(await t.db.prisma.knowledgeDocument.count({ where: { productId: id } })).toBeGreaterThan(0);
    const res = await t.gql(`mutation ($id: ID!) { archiveProduct(id: $id) { id } }`, { id }, { token: admin });
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    await waitUntil('the documents removed', async () =>
      expect(await t.db.prisma.knowledgeDocument.count({ where: { productId: id } })).toBe(0),
    );
  });
});
