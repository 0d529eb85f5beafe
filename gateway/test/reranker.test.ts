/**
 * The learned re-ranker served through the gateway (issue 14 item 3), on both database
 * backends: the trainer attaches it to a version where it wins on the holdout (popularity as
 * the candidate generator, shoppers who keep to one department), `recommendations` returns the
 * model's top candidates in the re-ranker's order (products the model never saw still join by their
 * content), and every item still says why.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDevToken } from '@recgraph/auth';
import { DEV_JWT_SECRET } from '@recgraph/config';
import { openDatabase, type Database } from '@recgraph/db';
import { ServingModel } from '@recgraph/ranking';
import { loadActiveModel, runTraining } from '@recgraph/training';
import { createTestDatabase, realPostgresUrl } from '../../packages/db/test/real-postgres.ts';
import { hasRankerPython, RANKER_TEST_PYTHON, seedTasteStore } from '../../packages/training/test/taste-views.ts';
import { rerankerFor } from '../../packages/ranking/src/reranking.ts';
import { loadUserHistory } from '../../packages/ranking/src/userHistory.ts';
import { fetchProductFacts, isServable } from '../../packages/ranking/src/productFacts.ts';
import { startStack, type RunningStack } from '../src/stack.ts';
import { TEST_SECRET, type GraphQLResponse } from './support/testStack.ts';

const pgUrl = await realPostgresUrl();
const backends = [
  { name: 'embedded PGlite', url: async (): Promise<string | undefined> => undefined, available: true },
  { name: 'real Postgres', url: (): Promise<string | undefined> => createTestDatabase(pgUrl!), available: !!pgUrl },
];

interface Rec {
  score: number;
  source: string;
  reason: string;
  modelVersionId: string | null;
  product: { id: string; category: { path: string } | null };
}
const RECS = `{ recommendations(first: 10, strategy: PERSONALIZED) {
  score source reason modelVersionId product { id category { path } } } }`;

for (const backend of backends)
  describe.skipIf(!backend.available || !hasRankerPython)(`the re-ranker through the gateway (${backend.name})`, () => {
    let db: Database;
    let stack: RunningStack;
    let modelDir: string;
    let versionId: string;

    beforeAll(async () => {
      const url = await backend.url();
      db = await openDatabase(url ? { url, poolSize: 4 } : {});
      await seedTasteStore(db);
      modelDir = mkdtempSync(join(tmpdir(), 'recgraph-reranker-gw-'));
      const run = await runTraining(db, {
        algorithm: 'popularity',
        modelDir,
        margin: 0.01,
        ranker: { python: RANKER_TEST_PYTHON },
      });
      expect(run.decision?.promoted).toBe(true);
      versionId = run.version.id;
      stack = await startStack({ prisma: db.prisma, secret: TEST_SECRET, logLevel: 'silent' });
    }, 240_000);

    afterAll(async () => {
      await stack?.stop();
      await db?.close();
      if (modelDir) rmSync(modelDir, { recursive: true, force: true });
    });

    it('returns the re-ranked order of the model’s candidates, each with its reason', async () => {
      const model = ServingModel.fromLoaded((await loadActiveModel(db))!);
      expect(model.ranker).toBeDefined();
      const users = await db.prisma.user.findMany({ select: { id: true }, orderBy: { createdAt: 'asc' }, take: 6 });
      let ownDepartment = 0;
      let ownDepartmentAlone = 0;
      let reordered = 0;
      for (const { id: userId } of users) {
        const token = await signDevToken(DEV_JWT_SECRET, { sub: userId, role: 'customer' });
        const res = await fetch(stack.gateway.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ query: RECS }),
        });
        const body = (await res.json()) as GraphQLResponse<{ recommendations: Rec[] }>;
        expect(body.errors).toBeUndefined();
        const list = body.data!.recommendations;
        expect(list).toHaveLength(10);

        // What the engine's re-ranker makes of the model's candidates, computed here from the same model.
        const history = await loadUserHistory(db.prisma, userId, model.eventWeights);
        // As the engine retrieves for a cached user: the model's top 200 minus dislikes, then minus what they saw
        // (popularity ties at the cut are resolved the same way).
        const cf = model
          .topK(model.foldIn(history.positives)!, 200, history.disliked)
          .filter((c) => !history.seen.has(c.id))
          .slice(0, model.ranker!.candidates);
        const expected = await rerankerFor(model, history)!.apply(cf);
        // Minus what the engine never serves (out of stock, discontinued), in the same order.
        const facts = await fetchProductFacts(
          db.prisma,
          expected.map((c) => c.id),
        );
        const servable = expected.filter((c) => isServable(facts.get(c.id)!));
        // Products the model never saw join on its scale by their content (newProducts.ts, source CONTENT);
        // the model's own picks are the re-ranked list's head, in its order.
        const fromModel = list.filter((r) => r.source === 'CF').map((r) => r.product.id);
        expect(fromModel.length).toBeGreaterThanOrEqual(5);
        expect(fromModel).toEqual(servable.slice(0, fromModel.length).map((c) => c.id));
        if (fromModel.some((id, i) => id !== cf.filter((c) => isServable(facts.get(c.id)!))[i]!.id)) reordered++;

        // Popularity alone shows the best sellers; re-ranked, the shopper's own department leads.
        const seenDepartments = await db.prisma.product.findMany({
          where: { id: { in: [...history.seen] } },
          select: { category: { select: { path: true } } },
        });
        const counts = new Map<string, number>();
        for (const p of seenDepartments) {
          const d = p.category?.path.split('/').find(Boolean) ?? '';
          counts.set(d, (counts.get(d) ?? 0) + 1);
        }
        const own = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]![0];
        ownDepartment += list.filter((r) => r.product.category?.path.split('/').find(Boolean) === own).length;
        const modelAlone = await db.prisma.product.findMany({
          where: {
            id: {
              in: cf
                .filter((c) => isServable(facts.get(c.id)!))
                .slice(0, 10)
                .map((c) => c.id),
            },
          },
          select: { category: { select: { path: true } } },
        });
        ownDepartmentAlone += modelAlone.filter((p) => p.category?.path.split('/').find(Boolean) === own).length;

        for (const r of list) {
          expect(r.modelVersionId).toBe(versionId);
          expect(r.reason).toMatch(r.source === 'CF' ? /^Because you (viewed|bought|rated|added) .+/ : /^New in .+/);
        }
        const scores = list.map((r) => r.score);
        expect([...scores].sort((a, b) => b - a)).toEqual(scores);
      }
      expect(reordered).toBe(users.length);
      expect(ownDepartment).toBeGreaterThan(2 * ownDepartmentAlone);
    });
  });
