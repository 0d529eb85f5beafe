import type { CategoryRecord, InteractionRecord, ProductRecord, ReviewRecord, UserRecord } from '../records.ts';
import { buildBrands } from './brands.ts';
import { buildTaxonomy } from './categories.ts';
import { LATENT_DIMS } from './latent.ts';
import { resolveOptions, type GenerateOptions } from './options.ts';
import { buildCatalogue, type Catalogue } from './products.ts';
import { Rng } from './random.ts';
import { reviewText } from './review-text.ts';
import { leafProductCounts, ShoppingSimulation, type SimEvent } from './simulation.ts';
import { Timeline } from './timeline.ts';
import { buildPopulation, type Population } from './users.ts';

export interface SyntheticStore {
  options: Required<GenerateOptions>;
  /** Parents before children. */
  categories: CategoryRecord[];
  products: ProductRecord[];
  users: UserRecord[];
  /** Lazily generated, identical on every call, in chronological order. */
  interactions(): Generator<InteractionRecord>;
  /** Reviews written alongside some RATE interactions (computed on first access by replaying the interactions). */
  reviews: ReviewRecord[];
  /** Ground truth for tests/eval: each user's latent taste, and each product's latent attributes. */
  truth: { userTaste(externalId: string): Float32Array; productFactors(sku: string): Float32Array };
}

class GeneratedStore implements SyntheticStore {
  readonly categories: CategoryRecord[];
  readonly products: ProductRecord[];
  readonly users: UserRecord[];
  readonly truth: SyntheticStore['truth'];
  private cachedReviews: ReviewRecord[] | undefined;

  constructor(
    readonly options: Required<GenerateOptions>,
    categories: CategoryRecord[],
    private readonly catalogue: Catalogue,
    private readonly population: Population,
    private readonly simulation: ShoppingSimulation,
  ) {
    this.categories = categories;
    this.products = catalogue.products;
    this.users = population.users;
    const productIndex = new Map(catalogue.products.map((p, i) => [p.sku, i]));
    const userIndex = new Map(population.users.map((u, i) => [u.externalId, i]));
    const row = (table: Float32Array, index: number | undefined, what: string, id: string): Float32Array => {
      if (index === undefined) throw new Error(`truth: unknown ${what} ${JSON.stringify(id)}`);
      // A copy: callers may normalise or mutate what they get without corrupting the simulation.
      return table.slice(index * LATENT_DIMS, (index + 1) * LATENT_DIMS);
    };
    this.truth = {
      userTaste: (externalId) => row(this.population.taste, userIndex.get(externalId), 'user', externalId),
      productFactors: (sku) => row(this.catalogue.factors, productIndex.get(sku), 'product', sku),
    };
  }

  *interactions(): Generator<InteractionRecord> {
    const prefix = `gen:${this.options.seed}:`;
    let n = 0;
    for (const event of this.simulation.events()) {
      yield {
        eventId: prefix + n++,
        userExternalId: (this.users[event.user] as UserRecord).externalId,
        sku: (this.products[event.product] as ProductRecord).sku,
        type: event.type,
        value: event.value,
        occurredAt: new Date(event.time),
        source: 'generator',
      };
    }
  }

  get reviews(): ReviewRecord[] {
    this.cachedReviews ??= this.collectReviews();
    return this.cachedReviews;
  }

  private collectReviews(): ReviewRecord[] {
    const reviews: ReviewRecord[] = [];
    let n = 0;
    for (const event of this.simulation.events()) {
      if (event.review) reviews.push(this.review(event, n));
      n++;
    }
    return reviews;
  }

  private review(event: SimEvent, eventNumber: number): ReviewRecord {
    const product = this.products[event.product] as ProductRecord;
    const rating = event.value as ReviewRecord['rating'];
    // Keyed by the event's position, so the text does not depend on anything else being generated.
    const { title, body } = reviewText(rating, product, Rng.stream(this.options.seed, 'review', eventNumber));
    return {
      sku: product.sku,
      userExternalId: (this.users[event.user] as UserRecord).externalId,
      rating,
      title,
      body,
      createdAt: new Date(event.time),
    };
  }
}

/** A complete, deterministic synthetic shop: same options, same store, byte for byte. */
export function generateStore(options: GenerateOptions): SyntheticStore {
  const resolved = resolveOptions(options);
  const { seed } = resolved;
  const taxonomy = buildTaxonomy(seed);
  const brands = buildBrands(seed, resolved.products, taxonomy);
  const catalogue = buildCatalogue(seed, resolved.products, resolved.start, taxonomy, brands);
  const population = buildPopulation(
    seed,
    resolved.users,
    resolved.interactionsPerUser,
    taxonomy,
    brands,
    leafProductCounts(catalogue, taxonomy.leaves.length),
  );
  const simulation = new ShoppingSimulation(
    seed,
    taxonomy,
    catalogue,
    population,
    new Timeline(resolved.start, resolved.days),
  );
  return new GeneratedStore(resolved, taxonomy.categories, catalogue, population, simulation);
}
