/**
 * One ranking path: the list the online updater pushes on the bus (what partners
 * reading `recommendation-updates` get) is the list `recommendations` returns
 * through the gateway with the same arguments, and feedback written by the
 * recommend subgraph reaches the updater at once (its own outbox relay is
 * kicked), on both pairings of bus and database.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { signDevToken } from '@recgraph/auth';
import { DEV_JWT_SECRET } from '@recgraph/config';
import {
  createEventBus,
  recommendationsUpdatedEvents,
  STREAMING_TOPIC,
  STREAMING_TOPICS,
  type EventBus,
  type RecommendationsUpdatedV1,
  type Subscription,
} from '@recgraph/events';
import { decodeUserState } from '@recgraph/ranking';
import { createOnlineFeatureUpdater, type OnlineFeatureUpdater } from '@recgraph/streaming';
import { runTraining } from '@recgraph/training';
import { createTestDatabase, realPostgresUrl } from '../../packages/db/test/real-postgres.ts';
import { realKafkaBrokers } from '../../packages/events/test/real-kafka.ts';
import { startTestStack, type TestStack } from './support/testStack.ts';

const K = 6;
const FEEDBACK = `mutation ($p: ID!, $k: FeedbackKind!) { feedback(productId: $p, kind: $k) { recorded } }`;
const RECS = `query ($u: ID!, $first: Int) {
  recommendations(userId: $u, first: $first) { score source reason product { id } }
}`;

type Recs = { recommendations: { score: number; source: string; reason: string; product: { id: string } }[] };

const run = () => `${Date.now().toString(36)}${randomUUID().slice(0, 6)}`;
const brokers = realKafkaBrokers();
const pgUrl = await realPostgresUrl();

const backends = [
  {
    name: 'in-process bus + embedded PGlite',
    available: true,
    createBus: () => createEventBus({ clientId: 'pushed-lists', topicPrefix: `pl.${run()}.` }),
    databaseUrl: async (): Promise<string | undefined> => undefined,
  },
  {
    name: 'real Kafka + real Postgres',
    available: Boolean(brokers && pgUrl),
    createBus: () =>
      createEventBus({
        brokers: brokers!,
        clientId: 'pushed-lists',
        topicPrefix: `pl.${run()}.`,
        kafka: { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 300, rebalanceTimeoutMs: 6_000, maxWaitTimeMs: 50 },
      }),
    databaseUrl: (): Promise<string | undefined> => createTestDatabase(pgUrl!),
  },
];

for (const backend of backends) {
  describe.skipIf(!backend.available)(`pushed lists are the queried lists (${backend.name})`, () => {
    let t: TestStack;
    let bus: EventBus;
    let updater: OnlineFeatureUpdater;
    let watch: Subscription;
    let modelDir: string | undefined;
    let modelId: string;
    const pushes: { at: number; update: RecommendationsUpdatedV1 }[] = [];

    beforeAll(async () => {
      bus = backend.createBus();
      await bus.ensureTopics(STREAMING_TOPICS);
      const databaseUrl = await backend.databaseUrl();
      t = await startTestStack({ bus, ...(databaseUrl ? { databaseUrl } : {}) });
      watch = await bus.subscribe({
        groupId: `pl-watch-${run()}`,
        topics: [STREAMING_TOPIC.recommendationUpdates],
        fromBeginning: true,
        handleBatch: async (messages) => {
          for (const m of messages) {
            const r = recommendationsUpdatedEvents.decode(m.value);
            if (r.ok) pushes.push({ at: Date.now(), update: r.value });
          }
        },
      });
      // Enough history for a holdout split: every fixture user views 10 products (two taste groups).
      const products = await t.db.prisma.product.findMany({ select: { id: true }, orderBy: { sku: 'asc' }, take: 40 });
      const users = await t.db.prisma.user.findMany({ select: { id: true }, orderBy: { createdAt: 'asc' } });
      await t.db.prisma.interaction.createMany({
        data: users.flatMap((u, ui) =>
          Array.from({ length: 10 }, (_, j) => ({
            eventId: `pl-history-${ui}-${j}`,
            userId: u.id,
            productId: products[(ui % 2) * 20 + ((ui + j * 3) % 20)]!.id,
            type: 'VIEW' as const,
            occurredAt: new Date(Date.UTC(2026, 0, 10, ui, j)),
          })),
        ),
      });
      // A model, promoted through the API (the subgraph swaps at once; the updater's engine loads it at start).
      modelDir = mkdtempSync(join(tmpdir(), 'recgraph-models-'));
      const trained = await runTraining(t.db, {
        algorithm: 'als',
        params: { factors: 8, iterations: 6 },
        modelDir,
        margin: 0,
        threads: 1,
        autoPromote: false,
      });
      const admin = await signDevToken(DEV_JWT_SECRET, { sub: 'admin-1', role: 'admin' });
      const promoted = await t.gql(
        `mutation ($id: ID!) { promoteModel(id: $id) { id } }`,
        { id: trained.version.id },
        {
          token: admin,
        },
      );
      expect(promoted.errors).toBeUndefined();
      modelId = trained.version.id;
      updater = createOnlineFeatureUpdater({ bus, db: t.db, groupId: `pl-updater-${run()}`, k: K });
      await updater.start();
    }, 120_000);

    afterAll(async () => {
      await updater?.stop();
      await watch?.stop();
      await t?.stop();
      await bus?.close();
      if (modelDir) rmSync(modelDir, { recursive: true, force: true });
    }, 60_000);

    it('a dislike reaches the updater within a second, and the list it pushes equals recommendations(first: k)', async () => {
      const { shopper } = t.fixture.users;
      const token = await signDevToken(DEV_JWT_SECRET, { sub: shopper.id, role: 'customer' });
      const before = await t.gql<Recs>(RECS, { u: shopper.id, first: K }, { token });
      expect(before.errors).toBeUndefined();
      const disliked = before.data!.recommendations[0]!.product.id;

      // A dislike moves no popularity or co-visitation, so both engines rank on the same data.
      const sent = Date.now();
      const fb = await t.gql(FEEDBACK, { p: disliked, k: 'DISLIKE' }, { token });
      expect(fb.errors).toBeUndefined();
      await vi.waitFor(() => expect(pushes.some((p) => p.update.userId === shopper.id)).toBe(true), {
        timeout: 5_000,
        interval: 10,
      });
      const pushed = pushes.find((p) => p.update.userId === shopper.id)!;
      // Written by the recommend subgraph, relayed by its own relay, folded and pushed by the updater.
      expect(pushed.at - sent).toBeLessThan(1_000);

      const after = await t.gql<Recs>(RECS, { u: shopper.id, first: K }, { token });
      expect(after.errors).toBeUndefined();
      const queried = after.data!.recommendations;
      expect(queried.map((r) => r.product.id)).not.toContain(disliked);
      // The model ranked (part of) both lists.
      expect(queried.some((r) => r.source === 'CF')).toBe(true);
      expect(pushed.update.modelVersionId).toBe(modelId);
      expect(pushed.update.items.map((i) => i.productId)).toEqual(queried.map((r) => r.product.id));
      expect(pushed.update.items.map((i) => i.source)).toEqual(queried.map((r) => r.source));
      expect(pushed.update.items.map((i) => i.reason)).toEqual(queried.map((r) => r.reason));
      pushed.update.items.forEach((item, i) => expect(item.score).toBeCloseTo(queried[i]!.score, 9));
    }, 60_000);

    it('a cache miss is answered from the state the updater stored: no history query, no model scan, the same list', async () => {
      const { u1 } = t.fixture.users;
      const token = await signDevToken(DEV_JWT_SECRET, { sub: u1.id, role: 'customer' });
      const products = await t.db.prisma.product.findMany({ select: { id: true }, orderBy: { sku: 'desc' }, take: 1 });
      const sent = new Date();
      // A view through the API: the recommend subgraph drops u1 and marks them changed; the updater ranks them again.
      const view = await t.gql(
        `mutation ($i: TrackEventInput!) { trackEvent(input: $i) { status } }`,
        { i: { eventId: `pl-stored-${run()}`, type: 'VIEW', productId: products[0]!.id } },
        { token },
      );
      expect(view.errors).toBeUndefined();
      await vi.waitFor(
        async () => {
          const row = await t.db.prisma.userRecommendations.findUnique({ where: { userId: u1.id } });
          expect(row?.servingState).toBeTruthy();
          expect(row!.updatedAt.getTime()).toBeGreaterThan(sent.getTime());
        },
        { timeout: 10_000, interval: 50 },
      );
      const stored = await t.db.prisma.userRecommendations.findUnique({ where: { userId: u1.id } });
      // Give the subgraph's copy of the updater's list event time to arrive, then count.
      await new Promise((r) => setTimeout(r, 300));
      t.sql.reset();
      const res = await t.gql<Recs>(RECS, { u: u1.id, first: K }, { token });
      expect(res.errors).toBeUndefined();
      const statements = t.sql.statements.join('\n');
      expect(statements).toMatch(/FROM user_recommendations WHERE user_id/);
      expect(statements).not.toMatch(/FROM interactions/);
      expect(statements).not.toMatch(/product_embeddings/);
      // The list it answers is the list the updater stored (and pushed when it changed).
      const items = stored!.items as { productId: string }[];
      expect(res.data!.recommendations.map((r) => r.product.id)).toEqual(items.map((i) => i.productId));
      expect(res.data!.recommendations.map((r) => r.product.id)).not.toContain(products[0]!.id);
    }, 60_000);

    it('after a promotion the updater ranks every stored list again with the new model, unprompted', async () => {
      const before = await t.db.prisma.userRecommendations.findMany({ select: { userId: true } });
      expect(before.length).toBeGreaterThan(1);
      const trained = await runTraining(t.db, {
        algorithm: 'als',
        params: { factors: 6, iterations: 4 },
        modelDir: modelDir!,
        margin: 0,
        threads: 1,
        autoPromote: false,
      });
      const admin = await signDevToken(DEV_JWT_SECRET, { sub: 'admin-1', role: 'admin' });
      const promotedAt = Date.now();
      const promoted = await t.gql(
        `mutation ($id: ID!) { promoteModel(id: $id) { id } }`,
        { id: trained.version.id },
        { token: admin },
      );
      expect(promoted.errors).toBeUndefined();
      // No interaction happens: the sweep alone re-ranks each user, and their stored state is the new model's.
      await vi.waitFor(
        async () => {
          const rows = await t.db.prisma.userRecommendations.findMany({
            where: { userId: { in: before.map((r) => r.userId) } },
          });
          for (const r of rows) {
            expect(r.updatedAt.getTime()).toBeGreaterThan(promotedAt - 1_000);
            expect(r.servingState && decodeUserState(Buffer.from(r.servingState)).modelVersionId).toBe(
              trained.version.id,
            );
          }
        },
        { timeout: 20_000, interval: 200 },
      );
    }, 90_000);
  });
}
