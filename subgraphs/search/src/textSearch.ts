import { Prisma, type PrismaClient } from '@recgraph/db';
import { badUserInput, isUuid } from '@recgraph/subgraph-kit';

export const MAX_QUERY_LENGTH = 200;
export const MAX_QUERY_WORDS = 32;

export function requireQuery(query: string, argument = 'query', max = MAX_QUERY_LENGTH): string {
  const q = query.trim();
  if (!q) throw badUserInput(`${argument} must not be blank`, argument);
  if (q.length > max) throw badUserInput(`${argument} must be at most ${max} characters`, argument);
  return q;
}

/** Lower-cased words of a query: letters and digits only, so they are safe inside a tsquery. */
export function queryWords(query: string): string[] {
  const words =
    query
      .toLowerCase()
      .normalize('NFKC')
      .match(/[\p{L}\p{N}]+/gu) ?? [];
  if (words.length > MAX_QUERY_WORDS) throw badUserInput(`query must have at most ${MAX_QUERY_WORDS} words`, 'query');
  return words;
}

/**
 * Shopper wording → catalogue wording. Each entry adds alternatives to a query word
 * (an OR inside that word's group), so "sneakers" also finds "Casual Shoes". Stemming
 * (english) already handles plurals. Deliberately small: the semantic retriever is
 * what generalises; this covers words that share no stem and no letters.
 */
export const SYNONYMS: Readonly<Record<string, readonly string[]>> = {
  sneaker: ['shoe', 'sneakers'],
  sneakers: ['shoes', 'sneaker'],
  trainers: ['shoes', 'sports'],
  kicks: ['shoes'],
  shades: ['sunglasses'],
  sunnies: ['sunglasses'],
  purse: ['handbag', 'wallet', 'clutch'],
  purses: ['handbags', 'wallets', 'clutches'],
  tee: ['tshirt', 'shirt'],
  tees: ['tshirts', 'shirt'],
  tshirt: ['tee'],
  tshirts: ['tee'],
  jumper: ['sweater', 'sweatshirt'],
  hoodie: ['sweatshirt'],
  pants: ['trousers', 'track'],
  trousers: ['pants'],
  mens: ['men'],
  womens: ['women'],
  ladies: ['women'],
  girls: ['girl', 'women'],
  boys: ['boy', 'men'],
  specs: ['frames', 'eyewear'],
  timepiece: ['watch'],
  perfume: ['fragrance', 'deodorant'],
  scent: ['fragrance', 'perfume'],
  flipflops: ['flip', 'flops'],
  slippers: ['flip', 'flops', 'sandals'],
  grey: ['gray'],
  gray: ['grey'],
  colour: ['color'],
};

export interface LexicalQuery {
  /** Every word group must match (a word or one of its synonyms; the last word as a prefix). */
  all: string;
  /** Any word of any group matches. */
  any: string;
  /** The words themselves, for trigram typo matching. */
  text: string;
  /** Each word group on its own (a word or its synonyms), for counting how many a product matches. */
  groups: string[];
}

/**
 * tsquery texts for to_tsquery('english', …). The last word is matched as a prefix
 * unless the query ends in whitespace (the shopper finished it), so "runn" finds "running".
 */
export function lexicalQuery(raw: string, o: { synonyms?: boolean } = {}): LexicalQuery | undefined {
  const words = queryWords(raw);
  if (words.length === 0) return undefined;
  const prefixLast = !/\s$/.test(raw);
  const groups = words.map((w, i) => {
    const alts = [w, ...((o.synonyms ?? true) ? (SYNONYMS[w] ?? []) : [])];
    const last = i === words.length - 1 && prefixLast;
    const terms = alts.map((a) => (last && a === w ? `${a}:*` : a));
    return terms.length === 1 ? terms[0]! : `(${terms.join(' | ')})`;
  });
  return {
    all: groups.join(' & '),
    any: groups.join(' | '),
    text: words.join(' '),
    groups,
  };
}

/** Word similarity (pg_trgm) from which a title or brand counts as a typo'd match. */
export const TYPO_SIMILARITY = 0.5;

export interface SearchFilter {
  categoryIds?: readonly string[] | null;
  brands?: readonly string[] | null;
  priceMin?: number | null;
  priceMax?: number | null;
  inStock?: boolean | null;
}

export function validateFilter(f: SearchFilter | null | undefined): SearchFilter {
  if (!f) return {};
  const ids = f.categoryIds ?? undefined;
  if (ids && ids.length > 100) throw badUserInput('filter.categoryIds takes at most 100 ids', 'filter');
  if (ids?.some((id) => !isUuid(id))) throw badUserInput('filter.categoryIds must be category ids', 'filter');
  const brands = f.brands ?? undefined;
  if (brands && brands.length > 100) throw badUserInput('filter.brands takes at most 100 brands', 'filter');
  for (const [name, v] of [
    ['priceMin', f.priceMin],
    ['priceMax', f.priceMax],
  ] as const)
    if (v != null && (!Number.isFinite(v) || v < 0 || v > 1e9))
      throw badUserInput(`filter.${name} must be a price between 0 and 1e9`, 'filter');
  if (f.priceMin != null && f.priceMax != null && f.priceMin > f.priceMax)
    throw badUserInput('filter.priceMin must not exceed filter.priceMax', 'filter');
  return f;
}

/** SQL conditions (ANDed, each starting with AND) on products `p` for a filter. */
export function filterSql(f: SearchFilter): Prisma.Sql {
  const parts: Prisma.Sql[] = [Prisma.sql`AND p.status = 'ACTIVE'`];
  if (f.categoryIds?.length)
    parts.push(Prisma.sql`AND p.category_id IN (
      SELECT d.id FROM categories c JOIN categories d ON d.path = c.path OR d.path LIKE c.path || '/%'
      WHERE c.id = ANY(${[...f.categoryIds]}::uuid[]))`);
  if (f.brands?.length) parts.push(Prisma.sql`AND p.brand = ANY(${[...f.brands]}::text[])`);
  if (f.priceMin != null) parts.push(Prisma.sql`AND p.price_cents >= ${Math.ceil(f.priceMin * 100)}`);
  if (f.priceMax != null) parts.push(Prisma.sql`AND p.price_cents <= ${Math.floor(f.priceMax * 100)}`);
  if (f.inStock === true) parts.push(Prisma.sql`AND p.availability IN ('IN_STOCK', 'LOW_STOCK')`);
  if (f.inStock === false) parts.push(Prisma.sql`AND p.availability NOT IN ('IN_STOCK', 'LOW_STOCK')`);
  return Prisma.join(parts, ' ');
}

export type MatchMode = 'all' | 'any' | 'typo';

/**
 * The lexical score and match condition. Weights {D, C, B, A} = {0.1, 0.2, 0.4, 1}
 * (description, specs, brand/category, title). A product matching every word group
 * gets +1 so complete matches rank above partial ones; a partial match gets the share of
 * word groups it matches instead (Lucene's coordination factor: "navy rucksack for women"
 * with no rucksack in the catalogue puts navy women's products above those that are only
 * navy); title or brand trigram word similarity adds up to 0.5 (the typo signal).
 * Matching: every word group ('all'), else any word ('any'), else — nothing matched the
 * words, so they are probably misspelt — titles or brands within TYPO_SIMILARITY ('typo';
 * `<%` uses the trigram GIN indexes, its threshold set per transaction).
 */
function lexicalExpressions(q: LexicalQuery, mode: MatchMode) {
  const all = Prisma.sql`to_tsquery('english', ${q.all})`;
  const tsq = mode === 'all' ? all : Prisma.sql`to_tsquery('english', ${q.any})`;
  const fuzzy = Prisma.sql`(${q.text} <% lower(p.title) OR ${q.text} <% lower(coalesce(p.brand, '')))`;
  const coordination =
    mode === 'all' || q.groups.length < 2
      ? Prisma.sql`CASE WHEN p.search_document @@ ${all} THEN 1 ELSE 0 END`
      : Prisma.sql`((${Prisma.join(
          q.groups.map((g) => Prisma.sql`(p.search_document @@ to_tsquery('english', ${g}))::int`),
          ' + ',
        )})::float8 / ${q.groups.length})`;
  return {
    matches: mode === 'typo' ? fuzzy : Prisma.sql`(p.search_document @@ ${tsq})`,
    score: Prisma.sql`(ts_rank('{0.1, 0.2, 0.4, 1.0}', p.search_document, ${tsq})
      + ${coordination}
      + 0.5 * greatest(word_similarity(${q.text}, lower(p.title)), word_similarity(${q.text}, lower(coalesce(p.brand, '')))))`,
  };
}

export const setTypoThreshold = (prisma: PrismaClient) =>
  prisma.$queryRaw`SELECT set_config('pg_trgm.word_similarity_threshold', ${String(TYPO_SIMILARITY)}, true)`;

export interface LexicalHit {
  id: string;
  score: number;
}

export interface LexicalResult {
  hits: LexicalHit[];
  total: number;
  /** The match condition used (for facets): every word group, else any word, else typo matches. */
  matches: Prisma.Sql;
  /** Which matching found the hits: every word group ('all'), some word ('any'), or typo matching. */
  mode: MatchMode;
}

/**
 * Lexical retrieval: products matching every word group (else any word, else typo
 * matches), best first, ties by id; `depth` rows and the full count.
 */
export async function lexicalSearch(
  prisma: PrismaClient,
  query: string,
  filter: SearchFilter,
  depth: number,
  o: { synonyms?: boolean } = {},
): Promise<LexicalResult> {
  const q = lexicalQuery(query, o);
  if (!q) return { hits: [], total: 0, matches: Prisma.sql`FALSE`, mode: 'all' };
  const where = filterSql(filter);
  for (const mode of ['all', 'any', 'typo'] as const) {
    const { matches, score } = lexicalExpressions(q, mode);
    const [, rows] = await prisma.$transaction([
      setTypoThreshold(prisma),
      prisma.$queryRaw<{ id: string; score: number; total: number }[]>`
        SELECT p.id::text AS id, ${score}::float8 AS score, (count(*) OVER ())::int AS total
        FROM products p WHERE ${matches} ${where}
        ORDER BY score DESC, p.id LIMIT ${depth}`,
    ]);
    if (rows.length > 0 || mode === 'typo')
      return { hits: rows.map((r) => ({ id: r.id, score: r.score })), total: rows[0]?.total ?? 0, matches, mode };
  }
  /* c8 ignore next */
  return { hits: [], total: 0, matches: Prisma.sql`FALSE`, mode: 'typo' };
}

/** Lexical scores of given products for a query, in one statement; non-matches score 0. */
export async function scoreProducts(prisma: PrismaClient, query: string, ids: string[]): Promise<Map<string, number>> {
  const q = lexicalQuery(query);
  if (!q) return new Map();
  const { matches, score } = lexicalExpressions(q, 'all');
  const any = lexicalExpressions(q, 'any');
  const typo = lexicalExpressions(q, 'typo');
  const [, rows] = await prisma.$transaction([
    setTypoThreshold(prisma),
    prisma.$queryRaw<LexicalHit[]>`
      SELECT p.id::text AS id,
        CASE WHEN ${matches} OR ${any.matches} OR ${typo.matches} THEN ${score} ELSE 0 END::float8 AS score
      FROM products p WHERE p.id = ANY(${ids}::uuid[])`,
  ]);
  return new Map(rows.map((r) => [r.id, r.score]));
}
