import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { InteractionRecord } from '../src/records.ts';
import { clearImageCache } from '../src/generator/image.ts';
import {
  GenerateOptionsError,
  generateStore,
  LATENT_DIMS,
  renderProductImage,
  type GenerateOptions,
} from '../src/generator/index.ts';

const SMALL: GenerateOptions = { seed: 42, products: 400, users: 120 };
const store = generateStore(SMALL);
const interactions = [...store.interactions()];

const dot = (a: Float32Array, b: Float32Array): number => a.reduce((sum, x, i) => sum + x * (b[i] as number), 0);
const utility = (user: string, sku: string): number =>
  dot(store.truth.userTaste(user), store.truth.productFactors(sku));
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const count = (type: InteractionRecord['type']): number => interactions.filter((e) => e.type === type).length;

describe('generateStore: determinism', () => {
  it('gives byte-identical output, images included, for the same options', async () => {
    const again = generateStore(SMALL);
    expect(JSON.stringify(again.categories)).toBe(JSON.stringify(store.categories));
    expect(JSON.stringify(again.products)).toBe(JSON.stringify(store.products));
    expect(JSON.stringify(again.users)).toBe(JSON.stringify(store.users));
    expect(JSON.stringify([...again.interactions()])).toBe(JSON.stringify(interactions));
    expect(JSON.stringify(again.reviews)).toBe(JSON.stringify(store.reviews));
    for (const i of [0, 7, 123]) {
      const hash = async (s: typeof store) =>
        createHash('sha256')
          .update(await renderProductImage(s.products[i]!))
          .digest('hex');
      const first = await hash(store);
      // Rasterise again rather than hit the thumbnail cache.
      clearImageCache();
      expect(await hash(again)).toBe(first);
    }
  });

  it('replays the same interactions on every call of interactions()', () => {
    expect(JSON.stringify([...store.interactions()])).toBe(JSON.stringify(interactions));
  });

  it('gives a different store for a different seed', () => {
    const other = generateStore({ ...SMALL, seed: 43 });
    expect(other.products.map((p) => p.title)).not.toEqual(store.products.map((p) => p.title));
    const first = other.interactions().next().value as InteractionRecord;
    expect(first.eventId).toBe('gen:43:0');
    expect(JSON.stringify(first)).not.toBe(JSON.stringify(interactions[0]));
  });

  it('keeps product i the same whatever the user count', () => {
    const moreUsers = generateStore({ ...SMALL, users: 200 });
    expect(moreUsers.products).toEqual(store.products);
  });
});

describe('generateStore: options', () => {
  it('fills defaults', () => {
    const { options } = generateStore({ seed: 1, products: 40 });
    expect(options).toEqual({
      seed: 1,
      products: 40,
      users: 10,
      interactionsPerUser: 30,
      start: new Date('2026-01-01T00:00:00Z'),
      days: 90,
    });
  });

  it.each([
    [{ seed: 1.5, products: 10 }, /seed must be an integer/],
    [{ seed: 1, products: 0 }, /products must be between 1 and/],
    [{ seed: 1, products: 10, users: -3 }, /users must be between 1 and/],
    [{ seed: 1, products: 10, interactionsPerUser: Number.NaN }, /interactionsPerUser must be a number/],
    [{ seed: 1, products: 10, days: 0 }, /days must be between 1 and/],
    [{ seed: 1, products: 10, start: new Date('nope') }, /start must be a valid Date/],
    [{ products: 10 } as GenerateOptions, /seed must be an integer, got undefined/],
  ])('rejects %j', (options, message) => {
    expect(() => generateStore(options)).toThrow(GenerateOptionsError);
    expect(() => generateStore(options)).toThrow(message);
  });
});

describe('generateStore: catalogue', () => {
  it('has a category tree with parents before children', () => {
    const seen = new Set<string>();
    for (const c of store.categories) {
      expect(seen.has(c.slug), `duplicate ${c.slug}`).toBe(false);
      if (c.parentSlug !== undefined) {
        expect(seen.has(c.parentSlug), `${c.slug} before its parent`).toBe(true);
        expect(c.slug.startsWith(`${c.parentSlug}/`)).toBe(true);
      }
      expect(c.slug).toMatch(/^[a-z0-9-]+(\/[a-z0-9-]+){0,2}$/);
      seen.add(c.slug);
    }
    const roots = store.categories.filter((c) => c.parentSlug === undefined).map((c) => c.name);
    expect(roots.length).toBeGreaterThanOrEqual(6);
    expect(roots).toEqual(
      expect.arrayContaining([
        'Outdoor',
        'Home & Kitchen',
        "Women's Fashion",
        "Men's Fashion",
        'Electronics',
        'Sports',
        'Beauty',
      ]),
    );
    expect(seen.has('outdoor/camping/tents')).toBe(true);
  });

  it('makes shop-like products in leaf categories', () => {
    const parents = new Set(store.categories.map((c) => c.parentSlug));
    const slugs = new Set(store.categories.map((c) => c.slug));
    expect(new Set(store.products.map((p) => p.sku)).size).toBe(store.products.length);
    for (const p of store.products) {
      expect(slugs.has(p.categorySlug!)).toBe(true);
      expect(parents.has(p.categorySlug)).toBe(false);
      expect(Number.isInteger(p.priceCents) && p.priceCents > 0).toBe(true);
      expect(p).toMatchObject({ currency: 'USD', source: 'generator', imageUrl: `/images/${p.sku}.png` });
      expect(p.title).toContain(p.brand!);
      expect(p.attributes).toMatchObject({
        colour: expect.any(String),
        pattern: expect.stringMatching(/^(solid|striped|dotted|checked)$/),
        material: expect.any(String),
      });
      if (p.availability === 'OUT_OF_STOCK' || p.availability === 'DISCONTINUED') expect(p.stock).toBe(0);
      if (p.availability === 'LOW_STOCK') expect(p.stock).toBeGreaterThanOrEqual(1);
      if (p.availability === 'IN_STOCK') expect(p.stock).toBeGreaterThan(5);
    }
    const inStock = store.products.filter((p) => p.availability === 'IN_STOCK').length;
    expect(inStock / store.products.length).toBeGreaterThan(0.7);
    expect(store.products.some((p) => p.availability !== 'IN_STOCK')).toBe(true);
    // Charm prices: almost all end in 9 or 5 cents (x.99, x.49, x.95) or are round-dollar premium prices.
    const charm = store.products.filter((p) => [99, 49, 95, 0].includes(p.priceCents % 100)).length;
    expect(charm / store.products.length).toBeGreaterThan(0.95);
  });

  it('prices laptops above t-shirts', () => {
    const median = (slug: string) => {
      const prices = store.products
        .filter((p) => p.categorySlug?.endsWith(slug))
        .map((p) => p.priceCents)
        .sort((a, b) => a - b);
      return prices[Math.floor(prices.length / 2)] ?? Number.NaN;
    };
    expect(median('/laptops')).toBeGreaterThan(5 * median('/t-shirts'));
  });

  it('has users, some stating preferences that exist in the catalogue', () => {
    expect(new Set(store.users.map((u) => u.externalId)).size).toBe(120);
    const slugs = new Set(store.categories.map((c) => c.slug));
    const brands = new Set(store.products.map((p) => p.brand));
    const stating = store.users.filter((u) => u.preferredCategorySlugs?.length);
    expect(stating.length).toBeGreaterThan(20);
    for (const u of stating) for (const s of u.preferredCategorySlugs!) expect(slugs.has(s)).toBe(true);
    const brandFans = store.users.filter((u) => u.preferredBrands?.length);
    expect(brandFans.length).toBeGreaterThan(5);
    // A brand may have no product in a small catalogue, but most named ones do.
    const named = brandFans.flatMap((u) => u.preferredBrands!);
    expect(named.filter((b) => brands.has(b)).length / named.length).toBeGreaterThan(0.8);
  });

  it('exposes ground-truth vectors and rejects unknown ids', () => {
    expect(store.truth.userTaste('gen-user-000001')).toHaveLength(LATENT_DIMS);
    expect(store.truth.productFactors(store.products[0]!.sku)).toHaveLength(LATENT_DIMS);
    expect(() => store.truth.userTaste('nobody')).toThrow(/unknown user/);
    expect(() => store.truth.productFactors('NOPE')).toThrow(/unknown product/);
  });
});

describe('generateStore: interactions', () => {
  it('are well-formed, unique, chronological and inside the window', () => {
    const users = new Set(store.users.map((u) => u.externalId));
    const skus = new Set(store.products.map((p) => p.sku));
    const start = store.options.start.getTime();
    const end = start + store.options.days * 86_400_000;
    expect(interactions.length).toBeGreaterThan(store.users.length * 10);
    expect(new Set(interactions.map((e) => e.eventId)).size).toBe(interactions.length);
    let previous = start;
    interactions.forEach((e, n) => {
      expect(e.eventId).toBe(`gen:42:${n}`);
      expect(e.source).toBe('generator');
      expect(users.has(e.userExternalId) && skus.has(e.sku)).toBe(true);
      const t = e.occurredAt.getTime();
      expect(t).toBeGreaterThanOrEqual(previous);
      expect(t).toBeLessThan(end);
      previous = t;
    });
  });

  it('follow a funnel with every interaction type', () => {
    expect(count('VIEW')).toBeGreaterThan(count('CLICK'));
    expect(count('CLICK')).toBeGreaterThan(count('ADD_TO_CART'));
    expect(count('ADD_TO_CART')).toBeGreaterThan(count('PURCHASE'));
    for (const type of ['RATE', 'LIKE', 'DISLIKE'] as const) expect(count(type)).toBeGreaterThan(0);
    for (const e of interactions) {
      if (e.type === 'RATE') expect([1, 2, 3, 4, 5]).toContain(e.value);
      else if (e.type === 'ADD_TO_CART' || e.type === 'PURCHASE') expect(e.value).toBeGreaterThanOrEqual(1);
      else expect(e.value).toBe(1);
    }
  });

  it('lean toward each user’s taste', () => {
    const purchases = interactions.filter((e) => e.type === 'PURCHASE');
    const bought = mean(purchases.map((e) => utility(e.userExternalId, e.sku)));
    const random = mean(
      purchases.map((e, i) => utility(e.userExternalId, store.products[(i * 7919) % store.products.length]!.sku)),
    );
    expect(bought).toBeGreaterThan(random + 0.5);
    const views = mean(interactions.filter((e) => e.type === 'VIEW').map((e) => utility(e.userExternalId, e.sku)));
    expect(bought).toBeGreaterThan(views);
  });

  it('rate better matches higher', () => {
    const rates = interactions.filter((e) => e.type === 'RATE');
    const high = rates.filter((e) => e.value >= 4).map((e) => utility(e.userExternalId, e.sku));
    const low = rates.filter((e) => e.value <= 3).map((e) => utility(e.userExternalId, e.sku));
    expect(high.length).toBeGreaterThan(0);
    expect(low.length).toBeGreaterThan(0);
    expect(mean(high)).toBeGreaterThan(mean(low));
  });

  it('concentrate on popular products (long tail)', () => {
    const perProduct = new Map<string, number>();
    for (const e of interactions) if (e.type === 'VIEW') perProduct.set(e.sku, (perProduct.get(e.sku) ?? 0) + 1);
    const counts = [...perProduct.values()].sort((a, b) => b - a);
    const total = counts.reduce((a, b) => a + b, 0);
    const top = counts.slice(0, Math.ceil(store.products.length * 0.1)).reduce((a, b) => a + b, 0);
    expect(top / total).toBeGreaterThan(0.35);
  });
});

describe('generateStore: reviews', () => {
  it('come from RATE interactions with matching rating and plausible text', () => {
    expect(store.reviews.length).toBeGreaterThan(0);
    const rates = new Set(
      interactions
        .filter((e) => e.type === 'RATE')
        .map((e) => `${e.userExternalId}|${e.sku}|${e.value}|${e.occurredAt.toISOString()}`),
    );
    for (const r of store.reviews) {
      expect(rates.has(`${r.userExternalId}|${r.sku}|${r.rating}|${r.createdAt.toISOString()}`)).toBe(true);
      expect(r.title?.length).toBeGreaterThan(2);
      expect(r.body.length).toBeGreaterThan(10);
    }
  });
});
