import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '@recgraph/db';
import { createLogger } from '@recgraph/telemetry';
import { seedFixture, type Fixture } from '../../../gateway/test/support/fixture.ts';
import { CompiledRules, ModelHolder, parseRules, Recommender, type RankingRules } from '@recgraph/ranking';
import { categorySimilarity, mmrRerank } from '@recgraph/ranking/diversity';

// The engine on the fixture store (no trained model: popularity serves), with merchandising rules.
let db: Database;
let f: Fixture;
const logger = createLogger('recommend-test', { level: 'silent' });

function engineWith(rules: RankingRules): Recommender {
  return new Recommender(
    db.prisma,
    new ModelHolder({ prisma: db.prisma }, logger),
    new CompiledRules(parseRules(rules)),
    logger,
    60,
  );
}

const popularFor = (engine: Recommender, first = 5) =>
  engine.recommend({
    userId: null,
    first,
    strategy: 'POPULAR',
    alpha: 0,
    categoryId: null,
    excludeSeen: true,
    diversity: 0,
  });

beforeAll(async () => {
  db = await openDatabase();
  f = await seedFixture(db.prisma);
});

afterAll(async () => {
  await db?.close();
});

describe('ranking rules', () => {
  it('without rules: popularity order, out-of-stock and archived products left out', async () => {
    const list = await popularFor(engineWith({}));
    // SP-1 10, HP-1 7, TV-1 1; the mug is out of stock.
    expect(list.map((r) => r.productId)).toEqual([f.products.speaker.id, f.products.headphones.id, f.products.tv.id]);
    expect(list[0]!.reason).toBe('Popular in Audio');
  });

  it('blocks by product and brand, boosts by category, pins to a position', async () => {
    expect(
      (await popularFor(engineWith({ blocks: [{ productId: f.products.speaker.id }] }))).map((r) => r.productId),
    ).toEqual([f.products.headphones.id, f.products.tv.id]);
    // Brand matching ignores case: "sonic" (speaker) and "Sonic" (headphones).
    expect((await popularFor(engineWith({ blocks: [{ brand: 'SONIC' }] }))).map((r) => r.productId)).toEqual([
      f.products.tv.id,
    ]);
    const boosted = await popularFor(engineWith({ boosts: [{ categoryId: f.categories.headphones.id, factor: 3 }] }));
    expect(boosted[0]!.productId).toBe(f.products.headphones.id);
    const pinned = await popularFor(engineWith({ pins: [{ productId: f.products.tv.id, position: 1 }] }));
    expect(pinned.map((r) => r.productId)).toEqual([f.products.tv.id, f.products.speaker.id, f.products.headphones.id]);
    expect(pinned[0]!.reason).toBe('Featured pick');
    // A pin never brings back what filters remove (the mug is out of stock).
    const outOfStock = await popularFor(engineWith({ pins: [{ productId: f.products.mug.id, position: 1 }] }));
    expect(outOfStock.map((r) => r.productId)).not.toContain(f.products.mug.id);
  });

  it('rejects malformed rules with the path of the problem', () => {
    expect(() => parseRules({ boosts: [{ brand: 'x', factor: -1 }] })).toThrow(/boosts.0.factor/);
    expect(() => parseRules({ pins: [{ productId: 'nope', position: 1 }] })).toThrow(/UUID/);
    expect(() => parseRules({ blocks: [{ brand: 'a', productId: f.products.tv.id }] })).toThrow(/exactly one/);
  });
});

describe('MMR diversity', () => {
  const item = (score: number, ...lineage: string[]) => ({ score, lineage });
  it('λ = 1 keeps the order; a lower λ interleaves categories', () => {
    const items = [item(1, 'a', 'root'), item(0.95, 'a', 'root'), item(0.9, 'a', 'root'), item(0.5, 'b', 'other')];
    expect(mmrRerank(items, 3, 1)).toEqual(items.slice(0, 3));
    expect(mmrRerank(items, 3, 0.3).map((i) => i.lineage[0])).toEqual(['a', 'b', 'a']);
    expect(categorySimilarity(['x', 'p'], ['y', 'p'])).toBe(0.5);
  });
});
