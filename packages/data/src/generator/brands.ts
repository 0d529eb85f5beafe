import { blend, randomDirection } from './latent.ts';
import { Rng } from './random.ts';
import type { Taxonomy } from './categories.ts';
import { BRAND_ENDINGS, BRAND_PREFIXES, BRAND_SUFFIX_BY_ROOT } from './vocabulary.ts';

export type BrandTier = 'budget' | 'mid' | 'premium' | 'luxury';

export interface Brand {
  name: string;
  /** The department the brand sells in. */
  rootSegment: string;
  tier: BrandTier;
  /** Multiplier on the category's typical price. */
  priceFactor: number;
  /** Relative pull on shoppers; heavy-tailed so a few brands dominate. */
  popularity: number;
  vector: Float32Array;
}

const TIERS: readonly BrandTier[] = ['budget', 'mid', 'premium', 'luxury'];
const TIER_WEIGHTS = [0.3, 0.45, 0.2, 0.05];
const TIER_PRICE: Record<BrandTier, number> = { budget: 0.65, mid: 1, premium: 1.6, luxury: 2.6 };

/** More products, more brands, but with diminishing returns like a real marketplace. */
export function brandsPerDepartment(products: number): number {
  return Math.min(30, Math.max(4, Math.round(3 + Math.sqrt(products) / 4)));
}

export function buildBrands(seed: number, products: number, taxonomy: Taxonomy): Brand[] {
  const rng = Rng.stream(seed, 'brands');
  const perRoot = brandsPerDepartment(products);
  const used = new Set<string>();
  const brands: Brand[] = [];

  for (const [rootSegment, rootVector] of taxonomy.rootVectors) {
    const suffixes = BRAND_SUFFIX_BY_ROOT[rootSegment] ?? [''];
    for (let i = 0; i < perRoot; i++) {
      let name = '';
      // The name space (40 x 24 x suffixes) is far larger than the at most 240 brands, so this ends quickly.
      do {
        const stem = rng.pick(BRAND_PREFIXES) + rng.pick(BRAND_ENDINGS);
        const suffix = rng.pick(suffixes);
        name = suffix ? `${stem} ${suffix}` : stem;
      } while (used.has(name));
      used.add(name);
      const tier = rng.weighted(TIERS, TIER_WEIGHTS);
      brands.push({
        name,
        rootSegment,
        tier,
        priceFactor: TIER_PRICE[tier],
        popularity: rng.logNormal(1, 0.9),
        vector: blend([
          [rootVector, 0.6],
          [randomDirection(rng), 1],
        ]),
      });
    }
  }
  return brands;
}
