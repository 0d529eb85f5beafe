/**
 * Products newer than the model reach the personal lists by their content (issue 14, item 2):
 * created after an ALS model was trained, a product in the style a shopper buys is in their
 * `recommendations` within seconds, without retraining, subject to the same filters; as other
 * shoppers interact with it, its folded-in collaborative factors take over from its content.
 * Through the real gateway, on the in-process bus + embedded PGlite and on real Kafka + real Postgres.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { signDevToken } from '@recgraph/auth';
import { DEV_JWT_SECRET } from '@recgraph/config';
import { createEventBus, STREAMING_TOPICS, type EventBus } from '@recgraph/events';
import { runTraining } from '@recgraph/training';
import { createTestDatabase, realPostgresUrl } from '../../packages/db/test/real-postgres.ts';
import { realKafkaBrokers } from '../../packages/events/test/real-kafka.ts';
import { startTestStack, type TestStack } from './support/testStack.ts';

type Rec = { score: number; source: string; reason: string; modelVersionId: string | null; product: { id: string } };
type Recs = { recommendations: Rec[] };
const RECS = `query ($u: ID!, $first: Int, $c: ID) {
  recommendations(userId: $u, first: $first, strategy: PERSONALIZED, categoryId: $c) {
    score source reason modelVersionId product { id }
  }
}`;
const CREATE = `mutation ($i: CreateProductInput!) { createProduct(input: $i) { id } }`;
const UPDATE = `mutation ($id: ID!, $i: UpdateProductInput!) { updateProduct(id: $id, input: $i) { id } }`;
const TRACK = `mutation ($i: [TrackEventInput!]!) { trackEvents(inputs: $i) { recorded } }`;

/** Two tastes, each its own category, brand and words: what the content mapping can tell apart. */
const STYLES = {
  garden: { brand: 'GreenThumb', words: ['trowel', 'planter', 'seedling', 'compost'] },
  kitchen: { brand: 'ChefCo', words: ['skillet', 'whisk', 'saucepan', 'spatula'] },
} as const;
type Style = keyof typeof STYLES;
const PER_STYLE = 20;
const SHOPPERS = 16;

const run = () => `${Date.now().toString(36)}${randomUUID().slice(0, 6)}`;
const brokers = realKafkaBrokers();
const pgUrl = await realPostgresUrl();

const backends = [
  {
    name: 'in-process bus + embedded PGlite',
    available: true,
    createBus: () => createEventBus({ clientId: 'new-products', topicPrefix: `np.${run()}.` }),
    databaseUrl: async (): Promise<string | undefined> => undefined,
  },
  {
    name: 'real Kafka + real Postgres',
    available: Boolean(brokers && pgUrl),
    createBus: () =>
      createEventBus({
        brokers: brokers!,
        clientId: 'new-products',
        topicPrefix: `np.${run()}.`,
        kafka: { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 300, rebalanceTimeoutMs: 6_000, maxWaitTimeMs: 50 },
      }),
    databaseUrl: (): Promise<string | undefined> => createTestDatabase(pgUrl!),
  },
];

for (const backend of backends) {
  describe.skipIf(!backend.available)(`new products in the personal lists (${backend.name})`, () => {
    let t: TestStack;
    let bus: EventBus;
    let modelDir: string | undefined;
    let modelId: string;
    let admin: string;
    const category: Record<Style, string> = { garden: '', kitchen: '' };
    const shoppers: Record<Style, { id: string; token: string }[]> = { garden: [], kitchen: [] };

    const recs = async (who: { id: string; token: string }, first: number, c?: string) => {
      const res = await t.gql<Recs>(RECS, { u: who.id, first, c: c ?? null }, { token: who.token });
      expect(res.errors).toBeUndefined();
      return res.data!.recommendations;
    };
    const rankOf = (list: Rec[], id: string) => {
      const r = list.findIndex((x) => x.product.id === id);
      return r < 0 ? Infinity : r;
    };
    const create = async (style: Style, title: string) => {
      const res = await t.gql<{ createProduct: { id: string } }>(
        CREATE,
        {
          i: {
            sku: `NP-${run()}`,
            title,
            brand: STYLES[style].brand,
            categoryId: category[style],
            priceCents: 2500,
            stock: 10,
          },
        },
        { token: admin },
      );
      expect(res.errors).toBeUndefined();
      return res.data!.createProduct.id;
    };

    beforeAll(async () => {
      bus = backend.createBus();
      await bus.ensureTopics(STREAMING_TOPICS);
      const databaseUrl = await backend.databaseUrl();
      t = await startTestStack({ bus, ...(databaseUrl ? { databaseUrl } : {}) });
      admin = await signDevToken(DEV_JWT_SECRET, { sub: t.fixture.users.admin.id, role: 'admin' });
      const { prisma } = t.db;
      // Each style: a category, PER_STYLE products of one brand and vocabulary, SHOPPERS shoppers who view
      // half of them and buy two. The model learns the two tastes; the catalog says which product is which.
      const events: { eventId: string; userId: string; productId: string; type: 'VIEW' | 'PURCHASE' }[] = [];
      for (const style of ['garden', 'kitchen'] as const) {
        const c = await prisma.category.create({
          data: { slug: `np-${style}`, name: `Np ${style}`, path: `np-${style}` },
        });
        category[style] = c.id;
        const { brand, words } = STYLES[style];
        await prisma.product.createMany({
          data: Array.from({ length: PER_STYLE }, (_, i) => ({
            sku: `NP-${style}-${i}`,
            title: `${brand} ${words[i % 4]} ${words[(i + 1) % 4]} ${i}`,
            brand,
            categoryId: c.id,
            priceCents: 1500 + 100 * i,
            stock: 10,
          })),
        });
        const products = await prisma.product.findMany({ where: { categoryId: c.id }, orderBy: { sku: 'asc' } });
        for (let s = 0; s < SHOPPERS; s++) {
          const user = await prisma.user.create({ data: { externalId: `np-${style}-${s}` } });
          shoppers[style].push({
            id: user.id,
            token: await signDevToken(DEV_JWT_SECRET, { sub: user.id, role: 'customer' }),
          });
          for (let j = 0; j < PER_STYLE / 2; j++)
            events.push({
              eventId: `np-${style}-${s}-${j}`,
              userId: user.id,
              productId: products[(s + j * 3) % PER_STYLE]!.id,
              type: j < 2 ? 'PURCHASE' : 'VIEW',
            });
        }
      }
      await prisma.interaction.createMany({
        data: events.map((e, n) => ({ ...e, occurredAt: new Date(Date.UTC(2026, 0, 10, 0, n)) })),
      });
      modelDir = mkdtempSync(join(tmpdir(), 'recgraph-models-'));
      const trained = await runTraining(t.db, {
        algorithm: 'als',
        params: { factors: 8, iterations: 10 },
        modelDir,
        margin: 0,
        threads: 1,
        autoPromote: false,
      });
      const promoted = await t.gql(
        `mutation ($id: ID!) { promoteModel(id: $id) { id } }`,
        { id: trained.version.id },
        {
          token: admin,
        },
      );
      expect(promoted.errors).toBeUndefined();
      modelId = trained.version.id;
    }, 180_000);

    afterAll(async () => {
      await t?.stop();
      await bus?.close();
      if (modelDir) rmSync(modelDir, { recursive: true, force: true });
    }, 60_000);

    it('a product created after training is in the lists of the shoppers of its style within seconds, explained as new', async () => {
      const created = Date.now();
      const id = await create('garden', 'GreenThumb trowel seedling deluxe');
      const [gardener] = shoppers.garden;
      const [cook] = shoppers.kitchen;
      await vi.waitFor(async () => expect(rankOf(await recs(gardener!, 10), id)).toBeLessThan(10), {
        timeout: 10_000,
        interval: 100,
      });
      expect(Date.now() - created).toBeLessThan(10_000);
      const mine = (await recs(gardener!, 10)).find((r) => r.product.id === id)!;
      expect(mine.source).toBe('CONTENT');
      expect(mine.modelVersionId).toBe(modelId);
      expect(mine.reason).toMatch(/^New in Np garden, like GreenThumb .+$/);
      // Ranked by taste, not just by being new: the kitchen shoppers' top ten do not have it.
      for (const s of [cook!, ...shoppers.kitchen.slice(1, 4)]) expect(rankOf(await recs(s, 10), id)).toBe(Infinity);
    }, 60_000);

    it('the same filters apply to it: category, stock, status', async () => {
      const id = await create('garden', 'GreenThumb planter compost deluxe');
      const [gardener] = shoppers.garden;
      await vi.waitFor(async () => expect(rankOf(await recs(gardener!, 10), id)).toBeLessThan(10), {
        timeout: 10_000,
        interval: 100,
      });
      expect(rankOf(await recs(gardener!, 10, category.garden), id)).toBeLessThan(10);
      expect(rankOf(await recs(gardener!, 40, category.kitchen), id)).toBe(Infinity);

      const set = async (input: Record<string, unknown>) =>
        expect((await t.gql(UPDATE, { id, i: input }, { token: admin })).errors).toBeUndefined();
      await set({ availability: 'OUT_OF_STOCK', stock: 0 });
      await vi.waitFor(async () => expect(rankOf(await recs(gardener!, 40), id)).toBe(Infinity), {
        timeout: 10_000,
        interval: 100,
      });
      await set({ availability: 'IN_STOCK', stock: 5 });
      await vi.waitFor(async () => expect(rankOf(await recs(gardener!, 10), id)).toBeLessThan(10), {
        timeout: 10_000,
        interval: 100,
      });
      expect(
        (await t.gql(`mutation ($id: ID!) { archiveProduct(id: $id) { id } }`, { id }, { token: admin })).errors,
      ).toBeUndefined();
      await vi.waitFor(async () => expect(rankOf(await recs(gardener!, 40), id)).toBe(Infinity), {
        timeout: 10_000,
        interval: 100,
      });
    }, 60_000);

    it('as shoppers interact with it, its own collaborative signal takes over from its content', async () => {
      // Garden content, bought by kitchen shoppers: content says garden, behaviour says kitchen.
      const id = await create('garden', 'GreenThumb trowel compost crossover');
      const [gardener] = shoppers.garden;
      const cook = shoppers.kitchen[0]!;
      await vi.waitFor(async () => expect(rankOf(await recs(gardener!, 10), id)).toBeLessThan(10), {
        timeout: 10_000,
        interval: 100,
      });
      const before = rankOf(await recs(cook, 60), id);
      expect(before).toBeGreaterThanOrEqual(10);
      const buyers = shoppers.kitchen.slice(1);
      const res = await t.gql<{ trackEvents: { recorded: number } }>(
        TRACK,
        { i: buyers.map((b) => ({ eventId: `np-buy-${run()}`, type: 'ADD_TO_CART', productId: id, userId: b.id })) },
        { token: admin },
      );
      expect(res.errors).toBeUndefined();
      expect(res.data!.trackEvents.recorded).toBe(buyers.length);
      // Fifteen buyers: 15/20 of its factors are now its own, folded in from theirs.
      await vi.waitFor(async () => expect(rankOf(await recs(cook, 10), id)).toBeLessThan(10), {
        timeout: 15_000,
        interval: 200,
      });
      const after = (await recs(cook, 10)).find((r) => r.product.id === id)!;
      expect(after.source).toBe('CONTENT');
      expect(rankOf(await recs(gardener!, 60), id)).toBeGreaterThan(0);
    }, 60_000);
  });
}
