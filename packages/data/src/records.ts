/**
 * Plain records that every data source produces (the synthetic generator and
 * each importer) and the batched writers in ./write persist. Ids here are the
 * source's own stable keys, never database uuids, so a re-run upserts the same
 * rows instead of duplicating them.
 */

export interface CategoryRecord {
  /** URL-safe, unique, stable: "women/shoes/sneakers". */
  slug: string;
  name: string;
  /** Parent slug; undefined for a root. Parents come before children in a stream. */
  parentSlug?: string | undefined;
}

export type AvailabilityValue = 'IN_STOCK' | 'LOW_STOCK' | 'OUT_OF_STOCK' | 'PREORDER' | 'DISCONTINUED';

export interface ProductRecord {
  /** Unique, stable stock-keeping unit; the upsert key. */
  sku: string;
  title: string;
  description: string;
  brand?: string | undefined;
  categorySlug?: string | undefined;
  /** Minor units (cents). */
  priceCents: number;
  currency: string;
  /** Specs: colour, material, pattern, shape, size, ... (JSON-serialisable). */
  attributes: Record<string, string | number | boolean | string[]>;
  /** URL or path the product's image is served from (e.g. "/images/<sku>.png"). */
  imageUrl?: string | undefined;
  availability: AvailabilityValue;
  stock: number;
  /** "generator", "csv:<file>", "movielens", "retailrocket", ... */
  source: string;
  createdAt?: Date | undefined;
}

export interface UserRecord {
  /** The source's user id; the upsert key (users.external_id). */
  externalId: string;
  displayName?: string | undefined;
  email?: string | undefined;
  /** Stated preferences at onboarding (category slugs, brands). */
  preferredCategorySlugs?: string[] | undefined;
  preferredBrands?: string[] | undefined;
}

export type InteractionTypeValue = 'VIEW' | 'CLICK' | 'ADD_TO_CART' | 'PURCHASE' | 'RATE' | 'LIKE' | 'DISLIKE';

export interface InteractionRecord {
  /** Globally unique and deterministic for the source row: the idempotency key. */
  eventId: string;
  userExternalId: string;
  sku: string;
  type: InteractionTypeValue;
  /** Rating for RATE, quantity for ADD_TO_CART / PURCHASE, else 1. */
  value: number;
  occurredAt: Date;
  source: string;
}

export interface ReviewRecord {
  sku: string;
  userExternalId?: string | undefined;
  rating: 1 | 2 | 3 | 4 | 5;
  title?: string | undefined;
  body: string;
  createdAt: Date;
}
