import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KnowledgeKindName } from './types.ts';

/** The store documents shipped in the repository (ASSISTANT_KNOWLEDGE_DIR replaces them). */
export const SHIPPED_KNOWLEDGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../knowledge');

/** What the indexer writes: one knowledge_documents row, whose chunks it derives. */
export interface KnowledgeSource {
  /** Natural key: "policy:<key>", "product:<id>:description" | ":specs" | ":reviews". */
  key: string;
  kind: KnowledgeKindName;
  title: string;
  body: string;
  productId: string | null;
}

export const POLICY_PREFIX = 'policy:';
/** The same rule storePolicy(key) applies to its argument. */
export const POLICY_KEY = /^[a-z0-9-]{1,100}$/;

export class KnowledgeDocumentError extends Error {}

/**
 * A store document: markdown with a small front matter,
 *
 *   ---
 *   key: returns
 *   title: Returns & refunds
 *   ---
 *   body…
 *
 * key (a-z, 0-9, "-") becomes "policy:<key>"; title is what answers cite.
 */
export function parseStoreDocument(text: string, file: string): KnowledgeSource {
  const m = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/.exec(text);
  if (!m) throw new KnowledgeDocumentError(`${file}: expected a front matter block (---, key: ..., title: ..., ---)`);
  const fields = new Map<string, string>();
  for (const line of m[1]!.split(/\r?\n/)) {
    if (!line.trim() || line.trim().startsWith('#')) continue;
    const f = /^([A-Za-z][\w-]*):\s*(.*)$/.exec(line);
    if (!f) throw new KnowledgeDocumentError(`${file}: front matter line "${line}" is not "name: value"`);
    fields.set(f[1]!.toLowerCase(), f[2]!.trim().replace(/^(["'])(.*)\1$/, '$2'));
  }
  const key = fields.get('key');
  const title = fields.get('title');
  if (!key || !POLICY_KEY.test(key))
    throw new KnowledgeDocumentError(
      `${file}: key must be 1..100 characters of a-z, 0-9 and "-" (got ${key ?? 'none'})`,
    );
  if (!title || title.length > 200) throw new KnowledgeDocumentError(`${file}: title must be 1..200 characters`);
  const body = m[2]!.trim();
  if (!body) throw new KnowledgeDocumentError(`${file}: the document has no body`);
  return { key: POLICY_PREFIX + key, kind: 'POLICY', title, body, productId: null };
}

/** The directory's *.md files (sorted), or a clear error when it is not a directory. */
export function storeDocumentFiles(dir: string): string[] {
  let entries: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new KnowledgeDocumentError(`${dir} is not a directory`);
    entries = readdirSync(dir);
  } catch (err) {
    if (err instanceof KnowledgeDocumentError) throw err;
    throw new KnowledgeDocumentError(`cannot read the knowledge directory ${dir}: ${(err as Error).message}`);
  }
  return entries
    .filter((f) => f.endsWith('.md') && !f.startsWith('.'))
    .sort()
    .map((f) => join(dir, f));
}

/** Every store document in `dir`, validated; two files with one key are an error. */
export function readStoreDocuments(dir: string): KnowledgeSource[] {
  const docs: KnowledgeSource[] = [];
  const seen = new Map<string, string>();
  for (const file of storeDocumentFiles(dir)) {
    const doc = parseStoreDocument(readFileSync(file, 'utf8'), file);
    const other = seen.get(doc.key);
    if (other) throw new KnowledgeDocumentError(`${file}: key ${doc.key} is also used by ${other}`);
    seen.set(doc.key, file);
    docs.push(doc);
  }
  return docs;
}

/** A fingerprint of the directory's documents (names and contents): unchanged → nothing to sync. */
export function storeDocumentsFingerprint(dir: string): string {
  const h = createHash('sha256');
  for (const file of storeDocumentFiles(dir)) h.update(file).update('\0').update(readFileSync(file)).update('\0');
  return h.digest('hex');
}

export interface ProductForKnowledge {
  id: string;
  title: string;
  description: string;
  brand: string | null;
  /** The category's path of names, root first ("Apparel > Topwear > Shirts"). */
  category: string | null;
  attributes: Record<string, unknown>;
  reviews: { rating: number; title: string | null; body: string }[];
}

/** Reviews a product's review document quotes (newest first): enough to answer "do people say it runs small?". */
export const MAX_REVIEWS_PER_PRODUCT = 40;
/** A review's body is quoted up to this many characters. */
const MAX_REVIEW_CHARS = 600;

const clip = (s: string, n: number) => (s.length <= n ? s : `${s.slice(0, n - 1).trimEnd()}…`);
const specValue = (v: unknown): string | undefined =>
  typeof v === 'string'
    ? v.trim() || undefined
    : typeof v === 'number' || typeof v === 'boolean'
      ? String(v)
      : undefined;
/** "articleType" → "article type", "base_colour" → "base colour". */
const specName = (k: string) =>
  k
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .toLowerCase();

/**
 * A product's documents: its description, its specs (brand, category, attributes) and its
 * reviews' snippets. Price, stock and availability are left out on purpose: they change
 * often and the agent reads them live through the catalog, so a sale re-indexes nothing.
 * An empty part has no document (the indexer removes one that existed).
 */
export function productDocuments(
  p: ProductForKnowledge,
): Record<'description' | 'specs' | 'reviews', KnowledgeSource | null> {
  const key = (part: string) => `product:${p.id}:${part}`;
  const description = p.description.trim();
  const specs = [
    p.brand ? `brand: ${p.brand}` : undefined,
    p.category ? `category: ${p.category}` : undefined,
    // Sorted: jsonb keeps its own key order, so the text (and whether it changed) never depends on it.
    ...Object.entries(p.attributes)
      .filter(([k]) => !/hex$/i.test(k))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => (specValue(v) ? `${specName(k)}: ${specValue(v)}` : undefined)),
  ].filter((s): s is string => s !== undefined);
  const reviews = p.reviews
    .filter((r) => r.body.trim() || r.title?.trim())
    .slice(0, MAX_REVIEWS_PER_PRODUCT)
    .map(
      (r) => `${r.rating}/5${r.title?.trim() ? ` "${r.title.trim()}"` : ''}: ${clip(r.body.trim(), MAX_REVIEW_CHARS)}`,
    );
  return {
    description: description
      ? {
          key: key('description'),
          kind: 'PRODUCT_DESCRIPTION',
          title: `${p.title} (description)`,
          body: description,
          productId: p.id,
        }
      : null,
    specs: specs.length
      ? {
          key: key('specs'),
          kind: 'PRODUCT_SPECS',
          title: `${p.title} (specifications)`,
          body: specs.join('\n'),
          productId: p.id,
        }
      : null,
    reviews: reviews.length
      ? {
          key: key('reviews'),
          kind: 'REVIEW',
          title: `${p.title} (customer reviews)`,
          body: reviews.join('\n\n'),
          productId: p.id,
        }
      : null,
  };
}
