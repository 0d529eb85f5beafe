import type { Product } from '@recgraph/db/generated/prisma/client';

export interface Money {
  amount: string;
  currency: string;
  cents: number;
}

/** Exact decimal string from minor units; every currency we import has two minor digits. */
export function money(cents: number, currency: string): Money {
  const abs = Math.abs(cents);
  const amount = `${cents < 0 ? '-' : ''}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
  return { amount, currency: currency.trim().toUpperCase(), cents };
}

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
