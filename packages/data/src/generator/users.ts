import type { UserRecord } from '../records.ts';
import type { Brand } from './brands.ts';
import type { Taxonomy } from './categories.ts';
import { blend, LATENT_DIMS, PRICE_DIM, randomDirection, STYLE_DIMS } from './latent.ts';
import { Rng } from './random.ts';
import { buildStyleVectors } from './style-vectors.ts';
import { FIRST_NAMES, LAST_NAMES } from './vocabulary.ts';

export interface Population {
  users: UserRecord[];
  /** users.length x LATENT_DIMS, row-major: style taste, then price sensitivity. */
  taste: Float32Array;
  /** Expected number of interactions of each user over the window. */
  activity: Float32Array;
}

const ACTIVITY_SIGMA = 0.8;
/** exp(sigma^2 / 2): divides it out so the mean activity equals interactionsPerUser. */
const LOGNORMAL_MEAN_FACTOR = Math.exp((ACTIVITY_SIGMA * ACTIVITY_SIGMA) / 2);

const asciiLower = (name: string): string =>
  name
    .normalize('NFD')
    .replace(/[^A-Za-z]/g, '')
    .toLowerCase();

export function buildPopulation(
  seed: number,
  count: number,
  interactionsPerUser: number,
  taxonomy: Taxonomy,
  brands: readonly Brand[],
  leafProductCounts: Int32Array,
): Population {
  const colourVectors = [...buildStyleVectors(seed).colours.values()];
  // Shoppers' interests follow where the catalogue is: nobody's passion is an empty category.
  const leafWeights = taxonomy.leaves.map((l) => leafProductCounts[l.index] ?? 0);

  const users: UserRecord[] = new Array(count);
  const taste = new Float32Array(count * LATENT_DIMS);
  const activity = new Float32Array(count);

  for (let i = 0; i < count; i++) {
    const rng = Rng.stream(seed, 'user', i);
    const interestCount = rng.weighted([1, 2, 3], [0.35, 0.45, 0.2]);
    const interests = new Set<number>();
    for (let k = 0; k < interestCount; k++) interests.add(rng.weighted(taxonomy.leaves, leafWeights).index);
    const interestLeaves = [...interests].map((index) => taxonomy.leaves[index]).filter((l) => l !== undefined);

    const mainRoot = interestLeaves[0]?.rootSegment;
    const rootBrands = brands.filter((b) => b.rootSegment === mainRoot);
    const favouriteBrand =
      rootBrands.length > 0
        ? rng.weighted(
            rootBrands,
            rootBrands.map((b) => b.popularity),
          )
        : undefined;
    const favouriteColour = rng.pick(colourVectors);

    const parts: Array<readonly [Float32Array, number]> = interestLeaves.map(
      (leaf, k) => [leaf.vector, k === 0 ? 1 : rng.range(0.4, 0.8)] as const,
    );
    parts.push([favouriteColour, 0.5], [randomDirection(rng), 0.35]);
    if (favouriteBrand) parts.push([favouriteBrand.vector, 0.35]);
    const style = blend(parts);
    // How strongly the user's choices follow their taste (some shoppers are pickier than others).
    const strength = rng.range(1.3, 2.2);
    const row = i * LATENT_DIMS;
    for (let d = 0; d < STYLE_DIMS; d++) taste[row + d] = (style[d] as number) * strength;
    taste[row + PRICE_DIM] = 1.5 * rng.next() ** 0.8;

    activity[i] = (interactionsPerUser * rng.logNormal(1, ACTIVITY_SIGMA)) / LOGNORMAL_MEAN_FACTOR;

    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    const user: UserRecord = {
      externalId: `gen-user-${String(i + 1).padStart(6, '0')}`,
      displayName: `${first} ${last[0]}.`,
      email: `${asciiLower(first)}.${asciiLower(last)}${i + 1}@example.com`,
    };
    // Some shoppers tell us what they like at sign-up; what they say matches their actual taste.
    if (rng.chance(0.45)) {
      // Some name the broader category ("women/shoes") rather than the leaf.
      const slugs = interestLeaves.map((leaf) =>
        rng.chance(0.3) ? leaf.slug.slice(0, leaf.slug.lastIndexOf('/')) : leaf.slug,
      );
      user.preferredCategorySlugs = [...new Set(slugs)];
    }
    if (favouriteBrand && rng.chance(0.25)) {
      const second = rng.chance(0.4) ? rng.pick(rootBrands) : favouriteBrand;
      user.preferredBrands = second === favouriteBrand ? [favouriteBrand.name] : [favouriteBrand.name, second.name];
    }
    users[i] = user;
  }
  return { users, taste, activity };
}
