/**
 * A/B experiments end to end through the gateway: an admin creates and starts
 * an experiment (ACTIVE model vs a challenger), users are split
 * deterministically and served their variant's model, every list carries an
 * id, clicks and add-to-carts tracked through the catalog are attributed to
 * the impressions that showed those products, and experimentResults reports
 * per-variant CTR with confidence intervals. On both database backends.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDevToken } from '@recgraph/auth';
import { DEV_JWT_SECRET } from '@recgraph/config';
import { generateStore, seedStore } from '@recgraph/data';
import { openDatabase, type Database } from '@recgraph/db';
import { promote, runTraining } from '@recgraph/training';
import { createTestDatabase, realPostgresUrl } from '../../packages/db/test/real-postgres.ts';
import { startStack, type RunningStack } from '../src/stack.ts';
import { TEST_SECRET, type GraphQLResponse } from './support/testStack.ts';

const pgUrl = await realPostgresUrl();
const backends = [
  { name: 'embedded PGlite', url: async (): Promise<string | undefined> => undefined, available: true },
  { name: 'real Postgres', url: (): Promise<string | undefined> => createTestDatabase(pgUrl!), available: !!pgUrl },
];

interface Served {
  listId: string | null;
  experimentVariant: string | null;
  modelVersionId: string | null;
  source: string;
  product: { id: string };
}
const RECS = `{ recommendations(first: 5) { listId experimentVariant modelVersionId source product { id } } }`;
const EXPERIMENT_FIELDS = 'id name status attributionWindowMinutes variants { name weight modelVersionId strategy }';
const RESULTS = `query ($id: ID!) { experimentResults(id: $id) { variants {
  name modelVersionId impressions users clicks addToCarts purchases
  ctr { value low high } addToCartRate { value low high } ctrPValueVsControl } } }`;

type VariantResult = {
  name: string;
  modelVersionId: string | null;
  impressions: number;
  users: number;
  clicks: number;
  addToCarts: number;
  purchases: number;
  ctr: { value: number; low: number; high: number };
  addToCartRate: { value: number; low: number; high: number };
  ctrPValueVsControl: number | null;
};

const code = (res: { errors?: { extensions?: { code?: string } }[] }) => res.errors?.[0]?.extensions?.code;

for (const backend of backends) {
  describe.skipIf(!backend.available)(`experiments through the gateway (${backend.name})`, () => {
    let db: Database;
    let stack: RunningStack;
    let modelDir: string;
    let admin: string;
    let activeId: string;
    let challengerId: string;
    let userIds: string[];

    async function gql<T>(query: string, variables?: Record<string, unknown>, token?: string) {
      const res = await fetch(stack.gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return (await res.json()) as GraphQLResponse<T>;
    }
    const token = (sub: string) => signDevToken(DEV_JWT_SECRET, { sub, role: 'customer' });

    beforeAll(async () => {
      const url = await backend.url();
      db = await openDatabase(url ? { url, poolSize: 4 } : {});
      await seedStore(db, generateStore({ seed: 11, products: 120, users: 150 }));
      modelDir = mkdtempSync(join(tmpdir(), 'recgraph-exp-models-'));
      const train = (factors: number) =>
        runTraining(db, {
          algorithm: 'als',
          params: { factors, iterations: 6 },
          modelDir,
          margin: 0,
          threads: 1,
          autoPromote: false,
        });
      const first = await train(16);
      await promote(db, first.version.id);
      activeId = first.version.id;
      challengerId = (await train(4)).version.id;
      stack = await startStack({ prisma: db.prisma, secret: TEST_SECRET, logLevel: 'silent' });
      admin = await signDevToken(DEV_JWT_SECRET, { sub: 'admin-1', role: 'admin' });
      const rows = await db.prisma.$queryRaw<{ user_id: string }[]>`
        SELECT user_id::text FROM interactions GROUP BY user_id ORDER BY count(*) DESC, user_id LIMIT 40`;
      userIds = rows.map((r) => r.user_id);
    }, 240_000);

    afterAll(async () => {
      await stack?.stop();
      await db?.close();
      if (modelDir) rmSync(modelDir, { recursive: true, force: true });
    });

    it('refuses bad experiments with stable codes, and non-admins', async () => {
      const one = await gql(
        `mutation { createExperiment(input: { name: "solo", variants: [{ name: "a" }] }) { id } }`,
        undefined,
        admin,
      );
      expect(code(one)).toBe('BAD_USER_INPUT');
      const unknownModel = await gql(
        `mutation { createExperiment(input: { name: "ghost", variants: [{ name: "a" }, { name: "b", modelVersionId: "00000000-0000-4000-8000-000000000000" }] }) { id } }`,
        undefined,
        admin,
      );
      expect(code(unknownModel)).toBe('NOT_FOUND');
      const weights = await gql(
        `mutation { createExperiment(input: { name: "w", variants: [{ name: "a", weight: 0 }, { name: "b" }] }) { id } }`,
        undefined,
        admin,
      );
      expect(code(weights)).toBe('BAD_USER_INPUT');
      const customer = await gql(
        `mutation { createExperiment(input: { name: "mine", variants: [{ name: "a" }, { name: "b" }] }) { id } }`,
        undefined,
        await token(userIds[0]!),
      );
      expect(code(customer)).toBe('FORBIDDEN');
      expect(await db.prisma.experiment.count()).toBe(0);
    });

    it('splits users deterministically, serves each variant its model and reports attributed CTR per variant', async () => {
      const created = await gql<{ createExperiment: { id: string; status: string } }>(
        `mutation ($m: ID!) { createExperiment(input: {
          name: "als-16-vs-4", attributionWindowMinutes: 30,
          variants: [{ name: "control" }, { name: "challenger", modelVersionId: $m }]
        }) { ${EXPERIMENT_FIELDS} } }`,
        { m: challengerId },
        admin,
      );
      expect(created.errors).toBeUndefined();
      const experimentId = created.data!.createExperiment.id;
      expect(created.data!.createExperiment.status).toBe('DRAFT');
      const started = await gql<{ startExperiment: { status: string } }>(
        `mutation ($id: ID!) { startExperiment(id: $id) { status } }`,
        { id: experimentId },
        admin,
      );
      expect(started.data?.startExperiment.status).toBe('RUNNING');
      const second = await gql(
        `mutation { createExperiment(input: { name: "other", variants: [{ name: "a" }, { name: "b" }] }) { id } }`,
        undefined,
        admin,
      );
      const otherId = (second.data as { createExperiment: { id: string } }).createExperiment.id;
      expect(code(await gql(`mutation ($id: ID!) { startExperiment(id: $id) { id } }`, { id: otherId }, admin))).toBe(
        'BAD_USER_INPUT',
      );

      // Every user asks twice: the same variant both times, a fresh list id each time.
      const variantOf = new Map<string, string>();
      const lastList = new Map<string, Served[]>();
      const listIds = new Set<string>();
      for (const userId of userIds) {
        const t = await token(userId);
        for (let round = 0; round < 2; round++) {
          const res = await gql<{ recommendations: Served[] }>(RECS, undefined, t);
          expect(res.errors).toBeUndefined();
          const list = res.data!.recommendations;
          expect(list.length).toBe(5);
          const [head] = list;
          expect(new Set(list.map((r) => r.listId)).size).toBe(1);
          expect(listIds.has(head!.listId!)).toBe(false);
          listIds.add(head!.listId!);
          const v = head!.experimentVariant!;
          expect(['control', 'challenger']).toContain(v);
          if (variantOf.has(userId)) expect(variantOf.get(userId)).toBe(v);
          variantOf.set(userId, v);
          // Model-ranked items name the variant's model.
          const want = v === 'control' ? activeId : challengerId;
          for (const r of list) if (r.source === 'CF') expect(r.modelVersionId).toBe(want);
          lastList.set(userId, list);
        }
      }
      const control = userIds.filter((u) => variantOf.get(u) === 'control');
      const challenger = userIds.filter((u) => variantOf.get(u) === 'challenger');
      expect(control.length).toBeGreaterThan(5);
      expect(challenger.length).toBeGreaterThan(5);
      expect(control.length + challenger.length).toBe(userIds.length);

      // Clicks through the catalog: every challenger user clicks their list's first product,
      // a quarter of the control users do; two challenger users also add one to the cart.
      const clickers = [...challenger, ...control.slice(0, Math.floor(control.length / 4))];
      for (const userId of clickers) {
        const productId = lastList.get(userId)![0]!.product.id;
        const res = await gql(
          `mutation ($i: TrackEventInput!) { trackEvent(input: $i) { status } }`,
          { i: { eventId: `exp-click-${userId}`, type: 'CLICK', productId } },
          await token(userId),
        );
        expect(res.errors).toBeUndefined();
      }
      for (const userId of challenger.slice(0, 2)) {
        const res = await gql(
          `mutation ($p: ID!) { addToCart(productId: $p, quantity: 1) { id } }`,
          { p: lastList.get(userId)![1]!.product.id },
          await token(userId),
        );
        expect(res.errors).toBeUndefined();
      }
      // A click on a product the user was never shown is not attributed.
      const shown = new Set(lastList.get(control.at(-1)!)!.map((r) => r.product.id));
      const unshown = (await db.prisma.product.findMany({ select: { id: true } })).find((p) => !shown.has(p.id))!;
      await gql(
        `mutation ($i: TrackEventInput!) { trackEvent(input: $i) { status } }`,
        { i: { eventId: `exp-unshown-${control.at(-1)}`, type: 'CLICK', productId: unshown.id } },
        await token(control.at(-1)!),
      );

      // Impressions are written in batches off the request path (≤ 200 ms).
      let variants: VariantResult[] = [];
      for (let i = 0; i < 50; i++) {
        const res = await gql<{ experimentResults: { variants: VariantResult[] } }>(
          RESULTS,
          { id: experimentId },
          admin,
        );
        expect(res.errors).toBeUndefined();
        variants = res.data!.experimentResults.variants;
        if (variants.reduce((s, v) => s + v.impressions, 0) === userIds.length * 2) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const [c, x] = variants as [VariantResult, VariantResult];
      expect(c).toMatchObject({ name: 'control', modelVersionId: null, users: control.length });
      expect(x).toMatchObject({ name: 'challenger', modelVersionId: challengerId, users: challenger.length });
      expect(c.impressions).toBe(control.length * 2);
      expect(x.impressions).toBe(challenger.length * 2);
      // Last touch: each click counts once, for the latest list that showed the product.
      expect(x.clicks).toBe(challenger.length);
      expect(c.clicks).toBe(Math.floor(control.length / 4));
      expect(x.addToCarts).toBe(2);
      expect(x.ctr.value).toBeCloseTo(0.5, 10);
      expect(x.ctr.low).toBeLessThan(0.5);
      expect(x.ctr.high).toBeGreaterThan(0.5);
      expect(c.ctr.value).toBeCloseTo(c.clicks / c.impressions, 10);
      expect(c.ctrPValueVsControl).toBeNull();
      expect(x.ctrPValueVsControl).toBeGreaterThanOrEqual(0);
      expect(x.ctrPValueVsControl).toBeLessThan(0.05);

      // Stopped: everyone is back on the ACTIVE model, outside any experiment.
      const stopped = await gql<{ stopExperiment: { status: string } }>(
        `mutation ($id: ID!) { stopExperiment(id: $id) { status } }`,
        { id: experimentId },
        admin,
      );
      expect(stopped.data?.stopExperiment.status).toBe('STOPPED');
      const after = await gql<{ recommendations: Served[] }>(RECS, undefined, await token(challenger[0]!));
      expect(after.data!.recommendations.every((r) => r.experimentVariant === null)).toBe(true);
      for (const r of after.data!.recommendations) if (r.source === 'CF') expect(r.modelVersionId).toBe(activeId);
    }, 120_000);
  });
}
