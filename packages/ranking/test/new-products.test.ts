/**
 * New products under whatever model `auto` chose (issue 14, item 2): a product no model has
 * seen is scored from its content for EASE, sparse EASE, RP3beta, a blend and an ALS without a
 * content mapping (its content neighbours among the model's items, on the model's own scale),
 * and for ALS with one (the mapping's factors). Real catalog rows on embedded PGlite, read
 * through the in-memory facts table the engine serves with.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDatabase, upsertProductEmbeddings, type Database } from '@recgraph/db';
import { fitContentMapping, loadProductContent, loadTextEmbeddings } from '@recgraph/training/content-fit';
import {
  fitConfiguration,
  loadTrainingData,
  resolveInputWeighting,
  resolveParams,
  type Configuration,
  type ModelVersion,
  type TrainingData,
} from '@recgraph/training';
import { CategoryCache, type CategoryTree } from '../src/categoryTree.ts';
import type { EngineLog } from '../src/log.ts';
import { NewProductCandidates } from '../src/newProducts.ts';
import { ProductFactsTable } from '../src/productFactsTable.ts';
import { ServingModel } from '../src/servingModel.ts';
import { loadUserHistory } from '../src/userHistory.ts';

const silent: EngineLog = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const STYLES = {
  garden: { brand: 'GreenThumb', words: ['trowel', 'planter', 'seedling', 'compost'] },
  kitchen: { brand: 'ChefCo', words: ['skillet', 'whisk', 'saucepan', 'spatula'] },
} as const;
type Style = keyof typeof STYLES;
const PER_STYLE = 20;
const SHOPPERS = 12;

const params = (algorithm: 'ease' | 'sparse-ease' | 'rp3beta' | 'als', p: Record<string, number> = {}) =>
  resolveParams(algorithm, p);
const weighting = resolveInputWeighting();
const CONFIGURATIONS: Record<string, Configuration> = {
  ease: { algorithm: 'ease', params: params('ease'), weighting },
  'sparse-ease': { algorithm: 'sparse-ease', params: params('sparse-ease'), weighting },
  rp3beta: { algorithm: 'rp3beta', params: params('rp3beta'), weighting },
  blend: {
    algorithm: 'blend',
    params: {},
    weighting,
    blend: {
      parts: [
        { algorithm: 'ease', params: params('ease'), scheme: 'linear' },
        { algorithm: 'als', params: params('als', { factors: 8, iterations: 8 }), scheme: 'linear' },
      ],
      weights: [0.6, 0.4],
    },
  },
  'als without a content mapping': {
    algorithm: 'als',
    params: params('als', { factors: 8, iterations: 8 }),
    weighting,
  },
};

describe('new products scored by their content, whatever the model', () => {
  let db: Database;
  let data: TrainingData;
  let table: ProductFactsTable;
  let tree: CategoryTree;
  const shoppers: Record<Style, string[]> = { garden: [], kitchen: [] };
  const fresh: Record<Style, string> = { garden: '', kitchen: '' };

  beforeAll(async () => {
    db = await openDatabase({});
    const events: { eventId: string; userId: string; productId: string; type: 'VIEW' | 'PURCHASE' }[] = [];
    for (const style of ['garden', 'kitchen'] as const) {
      const { brand, words } = STYLES[style];
      const c = await db.prisma.category.create({ data: { slug: style, name: style, path: style } });
      await db.prisma.product.createMany({
        data: Array.from({ length: PER_STYLE }, (_, i) => ({
          sku: `${style}-${i}`,
          title: `${brand} ${words[i % 4]} ${words[(i + 1) % 4]} ${i}`,
          brand,
          categoryId: c.id,
          priceCents: 1500 + 100 * i,
        })),
      });
      const products = await db.prisma.product.findMany({ where: { categoryId: c.id }, orderBy: { sku: 'asc' } });
      for (let s = 0; s < SHOPPERS; s++) {
        const user = await db.prisma.user.create({ data: { externalId: `${style}-${s}` } });
        shoppers[style].push(user.id);
        for (let j = 0; j < PER_STYLE / 2; j++)
          events.push({
            eventId: `${style}-${s}-${j}`,
            userId: user.id,
            productId: products[(s + j * 3) % PER_STYLE]!.id,
            type: j < 2 ? 'PURCHASE' : 'VIEW',
          });
      }
    }
    await db.prisma.interaction.createMany({
      data: events.map((e, n) => ({ ...e, occurredAt: new Date(Date.UTC(2026, 0, 10, 0, n)) })),
    });
    data = await loadTrainingData(db);
    // Created after the models were fitted: no model knows them.
    for (const style of ['garden', 'kitchen'] as const) {
      const c = await db.prisma.category.findFirstOrThrow({ where: { slug: style } });
      const { brand, words } = STYLES[style];
      fresh[style] = (
        await db.prisma.product.create({
          data: {
            sku: `${style}-new`,
            title: `${brand} ${words[0]} ${words[2]} deluxe`,
            brand,
            categoryId: c.id,
            priceCents: 2500,
          },
        })
      ).id;
    }
    table = new ProductFactsTable(db.prisma, silent, { refreshS: 0 });
    await table.start();
    tree = await new CategoryCache(db.prisma).current();
  }, 120_000);

  afterAll(async () => {
    table?.stop();
    await db?.close();
  });

  const serve = async (name: string, c: Configuration, withMapping = false) => {
    const fitted = await fitConfiguration(data.interactions, { nUsers: data.users.size, nItems: data.items.size }, c, {
      threads: 1,
      stage: name,
    });
    const mapping = withMapping ? fitContentMapping(fitted.model, await loadProductContent(db, data.items)) : undefined;
    return new ServingModel(
      { id: name, algorithm: c.algorithm, dataTo: null } as ModelVersion,
      data.users,
      data.items,
      Array.from(data.itemCategories, (i) => (i >= 0 ? data.categories.id(i) : null)),
      fitted.model,
      fitted.weighting,
      mapping,
    );
  };

  /** A shopper's query, what they have seen, and the new products' scores and the model's top ten for them. */
  const forShopper = async (model: ServingModel, candidates: NewProductCandidates, userId: string) => {
    const history = await loadUserHistory(db.prisma, userId, model.eventWeights);
    const q = model.foldIn(history.positives)!;
    const scored = await candidates.candidates(model, q, 10_000, history.seen, undefined, tree);
    const score = (id: string) => scored.find((c) => c.id === id)?.score;
    const tenth = model.topK(q, 10, history.seen).at(-1)!.score;
    return { score, tenth, history };
  };

  for (const [name, configuration] of [
    ...Object.entries(CONFIGURATIONS).map(([n, c]) => [n, c, false] as const),
    ['als with its content mapping', CONFIGURATIONS['als without a content mapping']!, true] as const,
  ]) {
    it(`${name}: a new product ranks by its content for each taste, on the model's own scale`, async () => {
      const model = await serve(name, configuration, name.endsWith('its content mapping'));
      expect(model.items.index(fresh.garden)).toBeUndefined();
      const candidates = new NewProductCandidates(db.prisma, table, silent);
      for (const [mine, other] of [
        ['garden', 'kitchen'],
        ['kitchen', 'garden'],
      ] as const) {
        for (const userId of shoppers[mine].slice(0, 4)) {
          const { score, tenth } = await forShopper(model, candidates, userId);
          const own = score(fresh[mine]);
          const theirs = score(fresh[other]);
          expect(own).toBeDefined();
          expect(theirs).toBeDefined();
          expect(own!).toBeGreaterThan(theirs!);
          // Merged with the model's candidates it would make this shopper's top ten; the other style's would not.
          expect(own!).toBeGreaterThan(tenth);
          expect(theirs!).toBeLessThan(tenth);
        }
      }
    });
  }

  it("with the serving TEXT encoder's vectors, a new product's vector moves it to the taste it names, once written", async () => {
    // A two-dimensional "text encoder" that names the style; the new product's hashed content names neither.
    const model = 'style-encoder@1';
    await db.prisma.embeddingEncoder.create({ data: { kind: 'TEXT', model, dims: 2, status: 'ACTIVE' } });
    const styleOf = new Map<string, Style>();
    for (const style of ['garden', 'kitchen'] as const) {
      const c = await db.prisma.category.findFirstOrThrow({ where: { slug: style } });
      for (const p of await db.prisma.product.findMany({ where: { categoryId: c.id }, select: { id: true } }))
        styleOf.set(p.id, style);
    }
    const vectorOf = (s: Style) => (s === 'garden' ? [1, 0] : [0, 1]);
    await upsertProductEmbeddings(
      db.prisma,
      [...styleOf].map(([productId, s]) => ({ productId, kind: 'TEXT' as const, model, vector: vectorOf(s) })),
    );
    const fitted = await fitConfiguration(
      data.interactions,
      { nUsers: data.users.size, nItems: data.items.size },
      CONFIGURATIONS['als without a content mapping']!,
      { threads: 1, stage: 'als' },
    );
    const text = await loadTextEmbeddings(db, data.items);
    expect(text?.model).toBe(model);
    const mapping = fitContentMapping(fitted.model, await loadProductContent(db, data.items), text)!;
    expect(mapping.embedding?.model).toBe(model);
    const serving = new ServingModel(
      { id: 'als-text', algorithm: 'als', dataTo: null } as ModelVersion,
      data.users,
      data.items,
      Array.from(data.itemCategories, (i) => (i >= 0 ? data.categories.id(i) : null)),
      fitted.model,
      fitted.weighting,
      mapping,
    );
    const misc = await db.prisma.category.create({ data: { slug: 'misc', name: 'misc', path: 'misc' } });
    const gadget = await db.prisma.product.create({
      data: { sku: 'gadget-new', title: 'Acme gadget', brand: 'Acme', categoryId: misc.id, priceCents: 2500 },
    });
    await table.refresh([gadget.id]);
    const candidates = new NewProductCandidates(db.prisma, table, silent);
    const margin = async () => {
      const g = await forShopper(serving, candidates, shoppers.garden[0]!);
      const k = await forShopper(serving, candidates, shoppers.kitchen[0]!);
      return { garden: g.score(gadget.id)! - g.tenth, kitchen: k.score(gadget.id)! - k.tenth };
    };
    const before = await margin();
    // The pipeline writes its vector (garden); the next background pass reads it.
    await upsertProductEmbeddings(db.prisma, [
      { productId: gadget.id, kind: 'TEXT', model, vector: vectorOf('garden') },
    ]);
    await vi.waitFor(
      async () => {
        const after = await margin();
        expect(after.garden).toBeGreaterThan(before.garden);
        expect(after.garden).toBeGreaterThan(0);
        expect(after.kitchen).toBeLessThan(0);
      },
      { timeout: 10_000, interval: 200 },
    );
  });

  it("a long tail of unseen products is read in turns: one far down it still hands over to its buyers' taste", async () => {
    const model = await serve('als-tail', CONFIGURATIONS['als without a content mapping']!, true);
    const tailCategory = await db.prisma.category.create({ data: { slug: 'tail', name: 'tail', path: 'tail' } });
    // More unseen products than one pass reads (PASS_TAIL), then one in the garden style that kitchen shoppers buy.
    await db.prisma.product.createMany({
      data: Array.from({ length: 1_100 }, (_, i) => ({
        sku: `tail-${i}`,
        title: `Plain thing ${i}`,
        categoryId: tailCategory.id,
        priceCents: 900,
      })),
    });
    const garden = await db.prisma.category.findFirstOrThrow({ where: { slug: 'garden' } });
    const crossover = await db.prisma.product.create({
      data: {
        sku: 'tail-crossover',
        title: 'GreenThumb trowel compost',
        brand: 'GreenThumb',
        categoryId: garden.id,
        priceCents: 2500,
      },
    });
    const tailIds = (
      await db.prisma.product.findMany({ where: { categoryId: tailCategory.id }, select: { id: true } })
    ).map((p) => p.id);
    await table.refresh([...tailIds, crossover.id]);
    await db.prisma.interaction.createMany({
      // Every kitchen shopper but the first, who watches.
      data: shoppers.kitchen.slice(1).map((userId, n) => ({
        eventId: `tail-cart-${n}`,
        userId,
        productId: crossover.id,
        type: 'ADD_TO_CART' as const,
        occurredAt: new Date(Date.UTC(2026, 0, 11, 0, n)),
      })),
    });
    const candidates = new NewProductCandidates(db.prisma, table, silent);
    const margin = async () => {
      const g = await forShopper(model, candidates, shoppers.garden[0]!);
      const k = await forShopper(model, candidates, shoppers.kitchen[0]!);
      return { garden: g.score(crossover.id)! - g.tenth, kitchen: k.score(crossover.id)! - k.tenth };
    };
    // By its content it is a gardener's product…
    const before = await margin();
    expect(before.garden).toBeGreaterThan(before.kitchen);
    // …until a pass reaches it (the second: it is last in the tail) and folds in the kitchen shoppers who bought it.
    await vi.waitFor(
      async () => {
        const after = await margin();
        expect(after.kitchen).toBeGreaterThan(after.garden);
      },
      { timeout: 15_000, interval: 250 },
    );
  }, 60_000);

  it('explains a new product by the history product its content is most like', async () => {
    const model = await serve('ease', CONFIGURATIONS.ease!);
    const candidates = new NewProductCandidates(db.prisma, table, silent);
    const { history } = await forShopper(model, candidates, shoppers.garden[0]!);
    const facts = await table.get([...history.positives.map((p) => p.productId), fresh.kitchen]);
    const anchors = history.positives.map((p) => facts.get(p.productId)!);
    const anchor = candidates.likeAnchor(fresh.garden, anchors, tree);
    expect(anchor).toBeDefined();
    expect(facts.get(anchor!)!.brand).toBe('GreenThumb');
    // Nothing in a gardener's history resembles a kitchen product beyond the price band: no "like".
    expect(candidates.likeAnchor(fresh.kitchen, anchors, tree)).toBeUndefined();
  });
});
