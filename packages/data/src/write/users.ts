import type { UserRecord } from '../records.ts';
import { countUpserts, type UpsertCounts } from './counts.ts';
import { assertRecords, InvalidRecordError } from './errors.ts';
import { inTransaction, type WriteTarget } from './transaction.ts';
import { firstProblem, lastByKey, nonEmpty, optionalText, SLUG_RE } from './validate.ts';

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function checkUser(r: UserRecord): string | undefined {
  return firstProblem(
    nonEmpty(r.externalId, 'externalId', 200),
    optionalText(r.displayName, 'displayName', 200),
    r.email === undefined || (typeof r.email === 'string' && EMAIL_RE.test(r.email))
      ? undefined
      : `email ${JSON.stringify(r.email)} is not an address`,
    r.preferredCategorySlugs === undefined ||
      (Array.isArray(r.preferredCategorySlugs) &&
        r.preferredCategorySlugs.every((s) => typeof s === 'string' && SLUG_RE.test(s)))
      ? undefined
      : 'preferredCategorySlugs is not a list of slugs',
    r.preferredBrands === undefined ||
      (Array.isArray(r.preferredBrands) && r.preferredBrands.every((b) => typeof b === 'string' && b.trim() !== ''))
      ? undefined
      : 'preferredBrands is not a list of names',
  );
}

/**
 * Upserts users by externalId in one transaction. An undefined displayName or
 * email leaves the stored value alone (sources that lack them must not erase
 * what another source set). Users with stated preferences get their
 * user_preferences row replaced, category slugs resolved to ids.
 */
export async function upsertUsers(db: WriteTarget, records: readonly UserRecord[]): Promise<UpsertCounts> {
  assertRecords('user', records, (r) => r.externalId, checkUser);
  const { unique, duplicates } = lastByKey(records, (r) => r.externalId);
  if (unique.length === 0) return countUpserts([], 0, duplicates);

  return inTransaction(db, async (client) => {
    const res = await client.query<{ inserted: boolean }>(
      `INSERT INTO users (id, external_id, email, display_name, updated_at)
       SELECT gen_random_uuid(), e.external_id, e.email, e.display_name, now()
       FROM unnest($1::text[], $2::text[], $3::text[]) AS e(external_id, email, display_name)
       ON CONFLICT (external_id) DO UPDATE
         SET email = coalesce(EXCLUDED.email, users.email), display_name = coalesce(EXCLUDED.display_name, users.display_name), updated_at = now()
         WHERE (users.email, users.display_name)
           IS DISTINCT FROM (coalesce(EXCLUDED.email, users.email), coalesce(EXCLUDED.display_name, users.display_name))
       RETURNING (xmax = 0) AS inserted`,
      [unique.map((r) => r.externalId), unique.map((r) => r.email ?? null), unique.map((r) => r.displayName ?? null)],
    );

    const withPrefs = unique.filter((r) => r.preferredCategorySlugs !== undefined || r.preferredBrands !== undefined);
    if (withPrefs.length) {
      const slugs = [...new Set(withPrefs.flatMap((r) => r.preferredCategorySlugs ?? []))];
      const ids = new Map(
        slugs.length
          ? (
              await client.query<{ slug: string; id: string }>(
                'SELECT slug, id FROM categories WHERE slug = ANY($1::text[])',
                [slugs],
              )
            ).rows.map((r) => [r.slug, r.id])
          : [],
      );
      const missing = withPrefs.filter((r) => (r.preferredCategorySlugs ?? []).some((s) => !ids.has(s)));
      if (missing.length) {
        throw new InvalidRecordError(
          'user',
          missing.map((r) => ({
            index: unique.indexOf(r),
            key: r.externalId,
            reason: `preferred categories do not exist: ${(r.preferredCategorySlugs ?? []).filter((s) => !ids.has(s)).join(', ')}`,
          })),
        );
      }
      // Arrays of arrays do not survive unnest (it flattens), so each row's lists travel as JSON.
      await client.query(
        `INSERT INTO user_preferences (user_id, category_ids, brands, updated_at)
         SELECT u.id,
                ARRAY(SELECT x::uuid FROM jsonb_array_elements_text(e.category_ids::jsonb) WITH ORDINALITY AS t(x, n) ORDER BY n),
                ARRAY(SELECT x FROM jsonb_array_elements_text(e.brands::jsonb) WITH ORDINALITY AS t(x, n) ORDER BY n),
                now()
         FROM unnest($1::text[], $2::text[], $3::text[]) AS e(external_id, category_ids, brands)
         JOIN users u ON u.external_id = e.external_id
         ON CONFLICT (user_id) DO UPDATE SET category_ids = EXCLUDED.category_ids, brands = EXCLUDED.brands, updated_at = now()
           WHERE (user_preferences.category_ids, user_preferences.brands) IS DISTINCT FROM (EXCLUDED.category_ids, EXCLUDED.brands)`,
        [
          withPrefs.map((r) => r.externalId),
          withPrefs.map((r) => JSON.stringify((r.preferredCategorySlugs ?? []).map((s) => ids.get(s)))),
          withPrefs.map((r) => JSON.stringify((r.preferredBrands ?? []).map((b) => b.trim()))),
        ],
      );
    }
    return countUpserts(res.rows, unique.length, duplicates);
  });
}
