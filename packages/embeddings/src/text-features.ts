import { TEXT_FEATURE_DIMS } from './contract.ts';

/** What the text featuriser reads from a product. */
export interface ProductText {
  title: string;
  description?: string | null;
  brand?: string | null;
  category?: string | null;
  attributes?: Record<string, unknown> | null;
}

// FNV-1a: fast, stable across platforms and releases (unlike a language's own string hash).
function fnv1a(s: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

const words = (s: string): string[] =>
  s
    .toLowerCase()
    .normalize('NFKC')
    .match(/[\p{L}\p{N}]+/gu) ?? [];

function attributeTokens(attrs: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [key, raw] of Object.entries(attrs)) {
    // Hex colours and other codes are noise to a bag of words; the named colour carries the meaning.
    if (/hex$/i.test(key)) continue;
    const values = Array.isArray(raw) ? raw : [raw];
    for (const v of values) {
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') continue;
      const value = String(v).toLowerCase();
      out.push(`${key.toLowerCase()}=${value}`);
      out.push(...words(value));
    }
  }
  return out;
}

/**
 * Signed feature hashing of a product's text (title twice: it is the most
 * specific field). Words and attribute tokens are the main signal; character
 * trigrams of each word make "sneaker" and "sneakers" overlap. Counts are
 * log-damped and the row L2-normalised, so long descriptions do not dominate.
 */
export function textFeatures(p: ProductText, dims = TEXT_FEATURE_DIMS): Float32Array {
  const counts = new Map<number, number>();
  const add = (token: string, weight: number) => {
    const h = fnv1a(token);
    const bucket = h % dims;
    // A second hash decides the sign, so collisions cancel out on average instead of piling up.
    const sign = fnv1a(token, 0x9e3779b9) & 1 ? 1 : -1;
    counts.set(bucket, (counts.get(bucket) ?? 0) + sign * weight);
  };
  const addWords = (text: string, weight: number) => {
    for (const w of words(text)) {
      add(`w:${w}`, weight);
      const padded = `#${w}#`;
      for (let i = 0; i + 3 <= padded.length; i++) add(`t:${padded.slice(i, i + 3)}`, weight * 0.25);
    }
  };
  addWords(p.title, 2);
  if (p.brand) add(`brand:${p.brand.toLowerCase()}`, 1);
  if (p.category) addWords(p.category.replace(/[/_-]/g, ' '), 1);
  if (p.description) addWords(p.description, 0.5);
  if (p.attributes) for (const t of attributeTokens(p.attributes)) add(`a:${t}`, 1);

  const out = new Float32Array(dims);
  let norm = 0;
  for (const [bucket, c] of counts) {
    const v = Math.sign(c) * Math.log1p(Math.abs(c));
    out[bucket] = v;
    norm += v * v;
  }
  if (norm > 0) {
    const inv = 1 / Math.sqrt(norm);
    for (let i = 0; i < dims; i++) out[i]! *= inv;
  }
  return out;
}
