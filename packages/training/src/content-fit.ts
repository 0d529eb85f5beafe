import type { Database } from '@recgraph/db';
import {
  AlsModel,
  ContentFactorMapping,
  contentFeatureMatrix,
  type IdMap,
  type ItemContent,
  type Recommender,
} from '@recgraph/recsys';
import { productContent } from './content-features.ts';

/** Ridge λ of the content mapping (MovieLens-small cold-item split: λ 1 — `npm run eval -- --cold-items`). */
export const CONTENT_MAPPING_REGULARIZATION = 1;

/** Lineage of category ids, the category first (as the ranking's CategoryTree.lineage gives it at serving). */
function lineageOf(parents: ReadonlyMap<string, string | null>, id: string | null): string[] {
  const out: string[] = [];
  for (let cur = id, guard = 0; cur && guard <= parents.size; guard++, cur = parents.get(cur) ?? null) out.push(cur);
  return out;
}

/** Each trained item's content (productContent), read from the catalog; a product gone from it has none. */
export async function loadProductContent(
  db: Pick<Database, 'pool'>,
  items: IdMap,
  batchSize = 5000,
): Promise<ItemContent[]> {
  const { rows: cats } = await db.pool.query<{ id: string; parent_id: string | null }>(
    'SELECT id::text AS id, parent_id::text AS parent_id FROM categories',
  );
  const parents = new Map(cats.map((c) => [c.id, c.parent_id]));
  const out: ItemContent[] = Array.from({ length: items.size }, () => new Map());
  const ids = items.toArray();
  for (let s = 0; s < ids.length; s += batchSize) {
    const { rows } = await db.pool.query<{
      id: string;
      title: string;
      brand: string | null;
      category_id: string | null;
      price_cents: number;
    }>(
      `SELECT id::text AS id, title, brand, category_id::text AS category_id, price_cents
         FROM products WHERE id = ANY($1::uuid[])`,
      [ids.slice(s, s + batchSize)],
    );
    for (const p of rows)
      out[items.index(p.id)!] = productContent({
        title: p.title,
        brand: p.brand,
        categoryPath: lineageOf(parents, p.category_id),
        priceCents: p.price_cents,
      });
  }
  return out;
}

/**
 * The content mapping for a model that ranks by item factors (ALS), fitted on every
 * item it was trained with; undefined for other models (they score new items by
 * popularity and content neighbours as before).
 */
export function fitContentMapping(
  model: Recommender,
  content: readonly ItemContent[],
): ContentFactorMapping | undefined {
  if (!(model instanceof AlsModel) || content.length !== model.nItems) return undefined;
  return new ContentFactorMapping(CONTENT_MAPPING_REGULARIZATION).fit(
    contentFeatureMatrix(content),
    model.itemFactors,
    model.factors,
    Array.from({ length: model.nItems }, (_, i) => i),
  );
}
