import type { AvailabilityValue, ProductRecord } from '../records.ts';
import type { Brand } from './brands.ts';
import type { LeafCategory, Taxonomy } from './categories.ts';
import { blend, LATENT_DIMS, PRICE_DIM, randomDirection, STYLE_DIMS } from './latent.ts';
import { kindSpecs } from './product-specs.ts';
import { Rng } from './random.ts';
import { buildStyleVectors } from './style-vectors.ts';
import {
  COLOUR_BY_NAME,
  KIND_COLOURS,
  KIND_PATTERN_WEIGHTS,
  MATERIALS,
  PATTERN_WORD,
  PATTERNS,
  TITLE_ADJECTIVES,
  type Pattern,
} from './vocabulary.ts';

/** Products plus the hidden per-product quantities the behaviour simulation needs. */
export interface Catalogue {
  products: ProductRecord[];
  /** products.length x LATENT_DIMS, row-major. */
  factors: Float32Array;
  /** Relative chance of being seen; log-normal so a few products take most traffic. */
  popularity: Float64Array;
  leafOf: Int32Array;
  /** 1 when the product can be put in a cart. */
  purchasable: Uint8Array;
}

const AVAILABILITY: readonly AvailabilityValue[] = [
  'IN_STOCK',
  'LOW_STOCK',
  'OUT_OF_STOCK',
  'PREORDER',
  'DISCONTINUED',
];
const AVAILABILITY_WEIGHTS = [0.82, 0.09, 0.06, 0.02, 0.01];
const DAY_MS = 86_400_000;

/** Charm pricing like a real shop: 7.49 / 12.99, 49.99, 249.00 / 1,299.99. */
export function shopPrice(dollars: number, rng: Rng): number {
  if (dollars < 10) return Math.max(99, Math.round(dollars) * 100 - rng.pick([1, 51]));
  if (dollars < 100) return Math.round(dollars) * 100 - rng.pick([1, 1, 1, 5]);
  if (dollars < 1000) return Math.round(dollars / 10) * 1000 - rng.pick([1, 1, 100]);
  return Math.round(dollars / 50) * 5000 - 1;
}

function stockFor(availability: AvailabilityValue, rng: Rng): number {
  switch (availability) {
    case 'IN_STOCK':
      return Math.min(2000, 6 + Math.round(rng.logNormal(60, 1)));
    case 'LOW_STOCK':
      return rng.int(1, 5);
    default:
      return 0;
  }
}

export function buildCatalogue(
  seed: number,
  count: number,
  start: Date,
  taxonomy: Taxonomy,
  brands: readonly Brand[],
): Catalogue {
  const { colours: colourVectors, patterns: patternVectors } = buildStyleVectors(seed);

  const brandsByRoot = new Map<string, { brands: Brand[]; weights: number[] }>();
  for (const brand of brands) {
    const entry = brandsByRoot.get(brand.rootSegment) ?? { brands: [], weights: [] };
    entry.brands.push(brand);
    entry.weights.push(brand.popularity);
    brandsByRoot.set(brand.rootSegment, entry);
  }
  const leafWeights = taxonomy.leaves.map((l) => l.spec.weight);

  const products: ProductRecord[] = new Array(count);
  const factors = new Float32Array(count * LATENT_DIMS);
  const popularity = new Float64Array(count);
  const leafOf = new Int32Array(count);
  const purchasable = new Uint8Array(count);

  for (let i = 0; i < count; i++) {
    // One stream per product: product i is the same whatever the catalogue size.
    const rng = Rng.stream(seed, 'product', i);
    const leaf: LeafCategory = rng.weighted(taxonomy.leaves, leafWeights);
    const spec = leaf.spec;
    const rootBrands = brandsByRoot.get(leaf.rootSegment);
    if (!rootBrands) throw new Error(`brands: none for department ${leaf.rootSegment}`);
    const brand = rng.weighted(rootBrands.brands, rootBrands.weights);

    const colour = COLOUR_BY_NAME.get(rng.pick(KIND_COLOURS[spec.kind]));
    if (!colour) throw new Error(`vocabulary: unknown colour for kind ${spec.kind}`);
    const pattern: Pattern = rng.weighted(PATTERNS, KIND_PATTERN_WEIGHTS[spec.kind]);
    const material = rng.pick(MATERIALS[spec.kind]);
    const shape = spec.shapes ? rng.pick(spec.shapes) : undefined;
    const noun = rng.pick(spec.nouns);
    const extra = kindSpecs(spec.kind, spec, rng);

    // Price: skewed toward the cheap end of the range, scaled by the brand's tier.
    const [low, high] = spec.price;
    const position = rng.next() ** 1.4;
    const dollars =
      Math.exp(Math.log(low) + position * (Math.log(high) - Math.log(low))) * brand.priceFactor * rng.range(0.92, 1.08);
    const priceCents = shopPrice(dollars, rng);

    const availability = rng.weighted(AVAILABILITY, AVAILABILITY_WEIGHTS);
    const adjective = rng.chance(0.5) ? `${rng.pick(TITLE_ADJECTIVES)} ` : '';
    const patternWord = PATTERN_WORD[pattern] ? `${PATTERN_WORD[pattern]} ` : '';
    const shapeWord = shape && rng.chance(0.5) ? `${shape[0]?.toUpperCase()}${shape.slice(1)} ` : '';
    const title = `${brand.name} ${adjective}${shapeWord}${colour.name} ${patternWord}${material} ${noun}`;
    const description =
      `The ${adjective.toLowerCase()}${noun.toLowerCase()} from ${brand.name}, made from ${material.toLowerCase()} in ${colour.name.toLowerCase()}` +
      `${pattern === 'solid' ? '' : ` with a ${PATTERN_WORD[pattern].toLowerCase()} pattern`}. ${extra.sentence}` +
      (brand.tier === 'luxury' || brand.tier === 'premium'
        ? ' Crafted to last, backed by our quality guarantee.'
        : ' Great value for everyday use.');

    const attributes: ProductRecord['attributes'] = { colour: colour.name, colourHex: colour.hex, pattern, material };
    if (shape) attributes['shape'] = shape;
    Object.assign(attributes, extra.attributes);

    const sku = `${leaf.skuPrefix}-${String(i + 1).padStart(6, '0')}`;
    products[i] = {
      sku,
      title,
      description,
      brand: brand.name,
      categorySlug: leaf.slug,
      priceCents,
      currency: 'USD',
      attributes,
      imageUrl: `/images/${sku}.png`,
      availability,
      stock: stockFor(availability, rng),
      source: 'generator',
      // Listed some time in the year before the window opens, to the second.
      createdAt: new Date(start.getTime() - Math.floor((rng.range(1, 365) * DAY_MS) / 1000) * 1000),
    };

    const style = blend([
      [leaf.vector, 1],
      [colourVectors.get(colour.name) as Float32Array, 0.45],
      [brand.vector, 0.35],
      [patternVectors.get(pattern) as Float32Array, 0.2],
      [randomDirection(rng), 0.25],
    ]);
    const row = i * LATENT_DIMS;
    factors.set(style.subarray(0, STYLE_DIMS), row);
    // Cheapness relative to the category: +0.6 at the bottom of the range, -0.6 at the top and beyond.
    factors[row + PRICE_DIM] = Math.max(
      -0.6,
      Math.min(0.6, 0.6 - (1.2 * Math.log(dollars / low)) / Math.log(high / low)),
    );
    popularity[i] = rng.logNormal(1, 1.3) * brand.popularity;
    leafOf[i] = leaf.index;
    purchasable[i] = availability === 'IN_STOCK' || availability === 'LOW_STOCK' || availability === 'PREORDER' ? 1 : 0;
  }

  return { products, factors, popularity, leafOf, purchasable };
}
