import { Prisma, type PrismaClient } from '@recgraph/db';
import { badUserInput } from '@recgraph/subgraph-kit';
import { fuse, fusionFor, type FusedHit, type FusionOptions, type RankedList } from './fusion.ts';
import { nearestImages, type ImageQueryEncoder } from './imageSearch.ts';
import { semanticSearch, type QueryEncoder } from './semantic.ts';
import {
  filterSql,
  lexicalSearch,
  lexicalQuery,
  requireQuery,
  setTypoThreshold,
  type SearchFilter,
} from './textSearch.ts';

export type SearchMode = 'HYBRID' | 'LEXICAL' | 'SEMANTIC';

/** How deep results go (and cursors may point). */
export const MAX_DEPTH = 1000;

export interface SearchSettings {
  fusion: FusionOptions;
  minSimilarity: number;
  /** Each retriever's list is at least this deep, so fusion sees more than one page. */
  candidates: number;
  /** Text → image neighbours below this cosine similarity are not results (default 0.2). */
  minImageSimilarity?: number;
}

export interface SearchPage {
  query: string;
  totalCount: number;
  hits: FusedHit[];
  facets: Facets;
  endCursor: string | null;
  hasNextPage: boolean;
  encoder: string | null;
}

export interface Facets {
  categories: { value: string; label: string; count: number }[];
  brands: { value: string; label: string; count: number }[];
  prices: { min: number; max: number | null; count: number }[];
}

/** Price buckets in currency units: [0, 25), [25, 50), … [500, ∞). */
export const PRICE_BUCKETS = [0, 25, 50, 100, 200, 500] as const;

export const encodeCursor = (offset: number) => Buffer.from(`search:${offset}`).toString('base64url');

export function decodeCursor(after: string | null | undefined): number {
  if (after == null) return 0;
  const m = /^search:(\d{1,7})$/.exec(Buffer.from(after, 'base64url').toString('utf8'));
  const n = m ? Number(m[1]) : NaN;
  if (!Number.isInteger(n) || n < 1 || n >= MAX_DEPTH)
    throw badUserInput('after is not a cursor of this search', 'after');
  return n;
}

export async function hybridSearch(
  prisma: PrismaClient,
  encoder: QueryEncoder,
  rawQuery: string,
  args: { first: number; after?: string | null; filter: SearchFilter; mode: SearchMode },
  s: SearchSettings,
  imageEncoder?: ImageQueryEncoder,
): Promise<SearchPage> {
  const query = requireQuery(rawQuery);
  const offset = decodeCursor(args.after);
  const depth = Math.min(MAX_DEPTH, Math.max(s.candidates, offset + args.first + 1));
  // Validates the words (count) before anything runs.
  lexicalQuery(query);

  const [lexical, semantic, textToImage] = await Promise.all([
    args.mode === 'SEMANTIC' ? undefined : lexicalSearch(prisma, query, args.filter, depth),
    args.mode === 'LEXICAL' ? undefined : semanticSearch(prisma, encoder, query, args.filter, depth, s.minSimilarity),
    // A CLIP-style image encoder (with a text tower) adds text → image as a third list.
    args.mode === 'HYBRID' && imageEncoder
      ? imageEncoder.embedText(query).then(
          (q) =>
            q &&
            nearestImages(prisma, {
              ...q,
              filter: args.filter,
              depth,
              minSimilarity: s.minImageSimilarity ?? 0.2,
            }),
        )
      : undefined,
  ]);
  const lists: RankedList[] = [];
  if (lexical) lists.push({ retriever: 'LEXICAL', hits: lexical.hits });
  if (semantic) lists.push({ retriever: 'SEMANTIC', hits: semantic.hits });
  if (textToImage) lists.push({ retriever: 'IMAGE', hits: textToImage });
  const fused = fuse(lists, fusionFor(s.fusion, lexical?.mode)).slice(0, MAX_DEPTH);

  const lexicalIds = new Set(lexical?.hits.map((h) => h.id));
  const vectorIds = [...new Set([...(semantic?.hits ?? []), ...(textToImage ?? [])].map((h) => h.id))];
  const vectorOnly = vectorIds.filter((id) => !lexicalIds.has(id));
  const totalCount = (lexical?.total ?? 0) + vectorOnly.length;
  const facets = await facetCounts(prisma, lexical?.matches, vectorIds, args.filter);

  const hits = fused.slice(offset, offset + args.first);
  const end = offset + hits.length;
  return {
    query,
    totalCount,
    hits,
    facets,
    endCursor: hits.length ? encodeCursor(end) : null,
    hasNextPage: end < fused.length && end < MAX_DEPTH,
    encoder: semantic?.model ?? null,
  };
}

/**
 * Facet counts over everything the search matches (every lexical match and the semantic
 * hits), after the filter: leaf categories, brands (top 20 each) and price buckets.
 */
async function facetCounts(
  prisma: PrismaClient,
  lexicalMatches: Prisma.Sql | undefined,
  semanticIds: string[],
  filter: SearchFilter,
): Promise<Facets> {
  const lexicalCondition = lexicalMatches ?? Prisma.sql`FALSE`;
  if (!lexicalMatches && semanticIds.length === 0) return { categories: [], brands: [], prices: [] };
  const bounds = PRICE_BUCKETS.map((b) => b * 100);
  const [, rows] = await prisma.$transaction([
    setTypoThreshold(prisma),
    prisma.$queryRaw<{ facet: string; value: string; label: string; count: number }[]>`
      WITH m AS MATERIALIZED (
        SELECT p.category_id, p.brand, p.price_cents FROM products p
        WHERE (${lexicalCondition} OR p.id = ANY(${semanticIds}::uuid[])) ${filterSql(filter)}
      ),
      cats AS (
        SELECT 'category'::text AS facet, c.id::text AS value, c.name AS label, count(*)::int AS count
        FROM m JOIN categories c ON c.id = m.category_id GROUP BY c.id, c.name ORDER BY count DESC, c.name LIMIT 20
      ),
      brands AS (
        SELECT 'brand'::text AS facet, m.brand AS value, m.brand AS label, count(*)::int AS count
        FROM m WHERE m.brand IS NOT NULL GROUP BY m.brand ORDER BY count DESC, m.brand LIMIT 20
      ),
      prices AS (
        SELECT 'price'::text AS facet, width_bucket(m.price_cents, ${bounds}::int[])::text AS value, ''::text AS label,
               count(*)::int AS count
        FROM m GROUP BY 2
      )
      SELECT * FROM cats UNION ALL SELECT * FROM brands UNION ALL SELECT * FROM prices`,
  ]);
  const facets: Facets = { categories: [], brands: [], prices: [] };
  for (const r of rows) {
    if (r.facet === 'category') facets.categories.push({ value: r.value, label: r.label, count: r.count });
    else if (r.facet === 'brand') facets.brands.push({ value: r.value, label: r.label, count: r.count });
  }
  // width_bucket: 1 for [b0, b1), …, n for [b(n-1), ∞).
  const byBucket = new Map(rows.filter((r) => r.facet === 'price').map((r) => [Number(r.value), r.count]));
  facets.prices = PRICE_BUCKETS.map((min, i) => ({
    min,
    max: PRICE_BUCKETS[i + 1] ?? null,
    count: byBucket.get(i + 1) ?? 0,
  })).filter((b) => b.count > 0);
  return facets;
}

export type SuggestionKind = 'BRAND' | 'CATEGORY' | 'PRODUCT';

/**
 * Autocomplete: brands and category names starting with the prefix, then titles of
 * products matching every word with the last as a prefix (best match first).
 */
export async function suggest(
  prisma: PrismaClient,
  rawPrefix: string,
  first: number,
): Promise<{ text: string; kind: SuggestionKind }[]> {
  const prefix = requireQuery(rawPrefix, 'prefix', 100);
  const lower = prefix.toLowerCase();
  const like = `${lower.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const q = lexicalQuery(prefix);
  const tsq = q ? Prisma.sql`to_tsquery('english', ${q.all})` : Prisma.sql`NULL::tsquery`;
  const rows = await prisma.$queryRaw<{ text: string; kind: SuggestionKind }[]>`
    (SELECT DISTINCT ON (lower(p.brand)) p.brand AS text, 'BRAND' AS kind, 0 AS g, 0::float8 AS s, lower(p.brand) AS k FROM products p
      WHERE p.status = 'ACTIVE' AND lower(p.brand) LIKE ${like} ESCAPE '\\' ORDER BY lower(p.brand) LIMIT ${first})
    UNION ALL
    (SELECT DISTINCT ON (lower(c.name)) c.name, 'CATEGORY', 1, 0::float8, lower(c.name) FROM categories c
      WHERE lower(c.name) LIKE ${like} ESCAPE '\\' ORDER BY lower(c.name) LIMIT ${first})
    UNION ALL
    (SELECT t.title, 'PRODUCT', 2, -t.r::float8, lower(t.title) FROM (
      SELECT DISTINCT ON (lower(p.title)) p.title, ts_rank('{0.1, 0.2, 0.4, 1.0}', p.search_document, ${tsq}) AS r
      FROM products p WHERE p.status = 'ACTIVE' AND p.search_document @@ ${tsq}
      ORDER BY lower(p.title), r DESC) t
      ORDER BY t.r DESC, lower(t.title) LIMIT ${first})
    ORDER BY g, s, k
    LIMIT ${first}`;
  return rows.map((r) => ({ text: r.text, kind: r.kind }));
}
