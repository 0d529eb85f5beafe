import type { Product } from '@recgraph/db/generated/prisma/client';

function specValue(value: unknown): string {
  if (Array.isArray(value)) return value.map(specValue).join(', ');
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Attributes JSON → sorted {name, value} pairs; null/absent values are dropped. */
export function specs(product: Pick<Product, 'attributes'>): { name: string; value: string }[] {
  const attrs = product.attributes;
  if (attrs === null || typeof attrs !== 'object' || Array.isArray(attrs)) return [];
  return Object.entries(attrs)
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([name, v]) => ({ name, value: specValue(v) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}
