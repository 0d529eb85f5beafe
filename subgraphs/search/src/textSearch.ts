import { Prisma, type PrismaClient } from '@recgraph/db';
import { badUserInput } from '@recgraph/subgraph-kit';

export const MAX_QUERY_LENGTH = 200;

export function requireQuery(query: string): string {
  const q = query.trim();
  if (!q) throw badUserInput('query must not be blank', 'query');
  if (q.length > MAX_QUERY_LENGTH) throw badUserInput(`query must be at most ${MAX_QUERY_LENGTH} characters`, 'query');
  return q;
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

const DOCUMENT = Prisma.sql`to_tsvector('english', p.title || ' ' || p.description || ' ' || coalesce(p.brand, ''))`;

/**
 * Full-text rank, plus a flat bonus for a literal title match so that part
 * words and stop-word-only queries ("the one") still find something.
 */
function scored(query: string) {
  const pattern = `%${escapeLike(query)}%`;
  const tsq = Prisma.sql`websearch_to_tsquery('english', ${query})`;
  return {
    score: Prisma.sql`(ts_rank(${DOCUMENT}, ${tsq}) + CASE WHEN p.title ILIKE ${pattern} ESCAPE '\\' THEN 0.5 ELSE 0 END)`,
    matches: Prisma.sql`(${DOCUMENT} @@ ${tsq} OR p.title ILIKE ${pattern} ESCAPE '\\')`,
  };
}

export interface Hit {
  id: string;
  score: number;
}

export async function searchProducts(
  prisma: PrismaClient,
  query: string,
  first: number,
): Promise<{ totalCount: number; hits: Hit[] }> {
  const { score, matches } = scored(query);
  const [count] = await prisma.$queryRaw<{ n: number }[]>`
    SELECT count(*)::int AS n FROM products p WHERE p.status = 'ACTIVE' AND ${matches}`;
  const totalCount = count?.n ?? 0;
  if (totalCount === 0) return { totalCount, hits: [] };
  const hits = await prisma.$queryRaw<Hit[]>`
    SELECT p.id::text AS id, ${score}::float8 AS score FROM products p
    WHERE p.status = 'ACTIVE' AND ${matches}
    ORDER BY score DESC, p.id LIMIT ${first}`;
  return { totalCount, hits };
}

/** Scores for many products against one query, in one statement; non-matches score 0. */
export async function scoreProducts(prisma: PrismaClient, query: string, ids: string[]): Promise<Map<string, number>> {
  const { score, matches } = scored(query);
  const rows = await prisma.$queryRaw<Hit[]>`
    SELECT p.id::text AS id, CASE WHEN ${matches} THEN ${score} ELSE 0 END::float8 AS score
    FROM products p WHERE p.id = ANY(${ids}::uuid[])`;
  return new Map(rows.map((r) => [r.id, r.score]));
}
