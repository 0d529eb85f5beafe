import type pg from 'pg';
import type { CategoryRecord } from '../records.ts';
import { countUpserts, type UpsertCounts } from './counts.ts';
import { assertRecords, InvalidRecordError } from './errors.ts';
import { inTransaction, type WriteTarget } from './transaction.ts';
import { firstProblem, lastByKey, nonEmpty, SLUG_RE } from './validate.ts';

interface Placed {
  id: string;
  slug: string;
  path: string;
  depth: number;
}

/**
 * Materialised path, root first, joined by "/". A child whose slug already
 * extends its parent's ("women/shoes" under "women") adds only its last
 * segment, so hierarchical slugs give path === slug; other slugs are appended
 * whole. Descendants of X are then `path LIKE X.path || '/%'`.
 */
export function categoryPath(slug: string, parent: { slug: string; path: string } | undefined): string {
  if (!parent) return slug;
  const own = slug.startsWith(`${parent.slug}/`) ? slug.slice(parent.slug.length + 1) : slug;
  return `${parent.path}/${own}`;
}

function checkCategory(r: CategoryRecord): string | undefined {
  return firstProblem(
    typeof r.slug === 'string' && SLUG_RE.test(r.slug)
      ? undefined
      : `slug ${JSON.stringify(r.slug)} is not a lowercase URL-safe slug`,
    nonEmpty(r.name, 'name', 500),
    r.parentSlug === undefined || (typeof r.parentSlug === 'string' && SLUG_RE.test(r.parentSlug))
      ? undefined
      : `parentSlug ${JSON.stringify(r.parentSlug)} is not a slug`,
    r.parentSlug === r.slug ? 'a category cannot be its own parent' : undefined,
  );
}

/**
 * Upserts categories by slug in one transaction, resolving parent slugs (in
 * this batch or already stored) to ids and computing path and depth. When a
 * stored category moves, its descendants' paths and depths move with it.
 */
export async function upsertCategories(db: WriteTarget, records: readonly CategoryRecord[]): Promise<UpsertCounts> {
  assertRecords('category', records, (r) => r.slug, checkCategory);
  const { unique, duplicates } = lastByKey(records, (r) => r.slug);
  if (unique.length === 0) return countUpserts([], 0, duplicates);
  const levels = orderByLevel(unique);

  return inTransaction(db, async (client) => {
    const slugs = unique.map((r) => r.slug);
    const outside = [...new Set(unique.map((r) => r.parentSlug).filter((s): s is string => !!s && !slugs.includes(s)))];
    const placed = new Map<string, Placed>();
    for (const row of await selectPlaced(client, [...outside, ...slugs])) placed.set(row.slug, row);
    const before = new Map([...placed].filter(([slug]) => slugs.includes(slug)));

    const missing = unique
      .map((r, index) => ({ r, index }))
      .filter(({ r }) => r.parentSlug && !slugs.includes(r.parentSlug) && !placed.has(r.parentSlug));
    if (missing.length) {
      throw new InvalidRecordError(
        'category',
        missing.map(({ r, index }) => ({ index, key: r.slug, reason: `parent ${r.parentSlug} does not exist` })),
      );
    }

    const returned: { inserted: boolean }[] = [];
    for (const level of levels) {
      const rows = level.map((r) => {
        const parent = r.parentSlug ? placed.get(r.parentSlug) : undefined;
        const old = before.get(r.slug);
        if (parent && old && (parent.path === old.path || parent.path.startsWith(`${old.path}/`))) {
          throw new InvalidRecordError('category', [
            { index: unique.indexOf(r), key: r.slug, reason: `moving it under ${r.parentSlug} would make a cycle` },
          ]);
        }
        return {
          r,
          parentId: parent?.id ?? null,
          path: categoryPath(r.slug, parent),
          depth: parent ? parent.depth + 1 : 0,
        };
      });
      const res = await client.query<{ inserted: boolean }>(
        `INSERT INTO categories (id, slug, name, parent_id, path, depth, updated_at)
         SELECT gen_random_uuid(), e.slug, e.name, e.parent_id, e.path, e.depth, now()
         FROM unnest($1::text[], $2::text[], $3::uuid[], $4::text[], $5::int[]) AS e(slug, name, parent_id, path, depth)
         ON CONFLICT (slug) DO UPDATE
           SET name = EXCLUDED.name, parent_id = EXCLUDED.parent_id, path = EXCLUDED.path, depth = EXCLUDED.depth, updated_at = now()
           WHERE (categories.name, categories.parent_id, categories.path, categories.depth)
                 IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.parent_id, EXCLUDED.path, EXCLUDED.depth)
         RETURNING (xmax = 0) AS inserted`,
        [
          rows.map((x) => x.r.slug),
          rows.map((x) => x.r.name.trim()),
          rows.map((x) => x.parentId),
          rows.map((x) => x.path),
          rows.map((x) => x.depth),
        ],
      );
      returned.push(...res.rows);
      for (const x of rows) {
        const old = before.get(x.r.slug);
        if (old && old.path !== x.path) await moveDescendants(client, old, x.path, x.depth);
      }
      for (const row of await selectPlaced(
        client,
        level.map((r) => r.slug),
      ))
        placed.set(row.slug, row);
    }
    return countUpserts(returned, unique.length, duplicates);
  });
}

async function selectPlaced(client: pg.PoolClient, slugs: string[]): Promise<Placed[]> {
  if (slugs.length === 0) return [];
  const res = await client.query<Placed>('SELECT id, slug, path, depth FROM categories WHERE slug = ANY($1::text[])', [
    slugs,
  ]);
  return res.rows;
}

async function moveDescendants(client: pg.PoolClient, old: Placed, newPath: string, newDepth: number): Promise<void> {
  await client.query(
    `UPDATE categories SET path = $2 || substr(path, length($1) + 1), depth = depth + $3, updated_at = now()
     WHERE left(path, length($1) + 1) = $1 || '/'`,
    [old.path, newPath, newDepth - old.depth],
  );
}

/** Groups records so every parent in the batch is written in an earlier group than its children. */
function orderByLevel(records: readonly CategoryRecord[]): CategoryRecord[][] {
  const bySlug = new Map(records.map((r) => [r.slug, r]));
  const level = new Map<string, number>();
  const levelOf = (r: CategoryRecord, seen: Set<string>): number => {
    const known = level.get(r.slug);
    if (known !== undefined) return known;
    if (seen.has(r.slug)) {
      throw new InvalidRecordError('category', [
        { index: records.indexOf(r), key: r.slug, reason: 'its parent chain is a cycle' },
      ]);
    }
    seen.add(r.slug);
    const parent = r.parentSlug ? bySlug.get(r.parentSlug) : undefined;
    const l = parent ? levelOf(parent, seen) + 1 : 0;
    level.set(r.slug, l);
    return l;
  };
  const groups: CategoryRecord[][] = [];
  for (const r of records) (groups[levelOf(r, new Set())] ??= []).push(r);
  return groups.filter(Boolean);
}
