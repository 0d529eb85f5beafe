import type { ItemContent } from '@recgraph/recsys';

/** Words of a title or name, lower-cased, of 3+ letters (short words carry little). */
const words = (text: string): string[] =>
  text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 2);

/**
 * A catalog product's content as the content mapping reads it, the one definition the
 * trainer (fitting) and serving (a new product) share: each level of its category path,
 * its brand, its price band (powers of two of the price in whole currency units) and
 * its title's words.
 */
export function productContent(p: {
  title: string;
  brand: string | null;
  /** Category slugs or ids from the root down. */
  categoryPath: readonly string[];
  priceCents: number;
}): ItemContent {
  const f = new Map<string, number>();
  for (const c of p.categoryPath) f.set(`category:${c}`, 1);
  if (p.brand) f.set(`brand:${p.brand.toLowerCase()}`, 1);
  if (p.priceCents > 0) f.set(`price:${Math.floor(Math.log2(Math.max(1, p.priceCents / 100)))}`, 0.5);
  for (const w of words(p.title)) f.set(`title:${w}`, 0.3);
  return f;
}

/** A MovieLens movie's content: each genre, the decade, the tags (log of how many users applied each), the title's words. */
export function movieContent(
  m: { title: string; year?: number; genres: readonly string[]; tags: ReadonlyMap<string, number> } | undefined,
  withTags = true,
): ItemContent {
  const f = new Map<string, number>();
  if (!m) return f;
  for (const g of m.genres) f.set(`genre:${g}`, 1);
  if (m.year !== undefined) f.set(`decade:${Math.floor(m.year / 10) * 10}`, 1);
  if (withTags) for (const [t, n] of m.tags) f.set(`tag:${t}`, 0.5 * Math.log1p(n));
  for (const w of words(m.title)) f.set(`title:${w}`, 0.3);
  return f;
}
