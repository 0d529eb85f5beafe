import type { AvailabilityValue, InteractionTypeValue } from '../records.ts';

export const AVAILABILITY: readonly AvailabilityValue[] = [
  'IN_STOCK',
  'LOW_STOCK',
  'OUT_OF_STOCK',
  'PREORDER',
  'DISCONTINUED',
];
export const INTERACTION_TYPES: readonly InteractionTypeValue[] = [
  'VIEW',
  'CLICK',
  'ADD_TO_CART',
  'PURCHASE',
  'RATE',
  'LIKE',
  'DISLIKE',
];

/** Postgres int4: price_cents and stock are INTEGER columns. */
export const MAX_INT4 = 2_147_483_647;

/** Lowercase URL-safe segments, optionally joined by "/" ("women/shoes/sneakers"). */
export const SLUG_RE = /^[a-z0-9]+(?:[-_.][a-z0-9]+)*(?:\/[a-z0-9]+(?:[-_.][a-z0-9]+)*)*$/;

export function nonEmpty(value: unknown, field: string, max = 10_000): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return `${field} is missing`;
  if (value.length > max) return `${field} is longer than ${max} characters`;
  // Postgres text cannot hold NUL; it would fail the whole batch.
  if (value.includes('\u0000')) return `${field} contains a NUL character`;
  return undefined;
}

export function optionalText(value: unknown, field: string, max = 10_000): string | undefined {
  if (value === undefined || value === null) return undefined;
  return nonEmpty(value, field, max);
}

export function validDate(value: unknown, field: string): string | undefined {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) return `${field} is not a valid date`;
  return undefined;
}

export function firstProblem(...checks: (string | undefined)[]): string | undefined {
  return checks.find((c) => c !== undefined);
}

/** Turns a free-form name into one slug segment ("Men's Shoes" → "men-s-shoes"). */
export function slugify(name: string): string {
  const s = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return s || 'unnamed';
}

/** Drops later duplicates of a key within one batch (ON CONFLICT cannot touch a row twice in one statement). */
export function lastByKey<T>(records: readonly T[], key: (r: T) => string): { unique: T[]; duplicates: number } {
  const byKey = new Map<string, T>();
  for (const r of records) {
    const k = key(r);
    byKey.delete(k); // re-insert so the order follows the last occurrence
    byKey.set(k, r);
  }
  return { unique: [...byKey.values()], duplicates: records.length - byKey.size };
}
