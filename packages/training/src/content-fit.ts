import { activeEncoder, parseVectorLiteral, type Database } from '@recgraph/db';
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
/**
 * Weight of the text embedding's features beside the hashed ones (both rows L2-normalised). Tried by
 * hand on the MovieLens-small cold-item split (all-MiniLM-L6-v2, without tags): 0.5, 1 and 2 gave
 * nDCG@10 0.167, 0.169 and 0.169, so the plain sum.
 */
export const CONTENT_TEXT_EMBEDDING_WEIGHT = 1;
/** Below this share of items with a vector (an encoder still backfilling) the mapping leaves the embedding out. */
const MIN_TEXT_EMBEDDING_COVERAGE = 0.5;

/** Each item's TEXT vector from the serving encoder (product_embeddings), with the encoder's name and size. */
export interface ItemTextEmbeddings {
  model: string;
  dims: number;
  /** Per item index; undefined where the product has no vector of that encoder. */
  vectors: (Float32Array | undefined)[];
}

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
 * The trained items' TEXT vectors from the serving TEXT encoder (embedding_encoders ACTIVE, the
 * one search encodes with and the embedding pipeline writes within a second of an edit); undefined
 * without a serving encoder or when too few items have its vector yet.
 */
export async function loadTextEmbeddings(
  db: Pick<Database, 'pool' | 'prisma'>,
  items: IdMap,
  batchSize = 5000,
): Promise<ItemTextEmbeddings | undefined> {
  const encoder = await activeEncoder(db.prisma, 'TEXT');
  if (!encoder) return undefined;
  const vectors: (Float32Array | undefined)[] = new Array<Float32Array | undefined>(items.size).fill(undefined);
  const ids = items.toArray();
  let found = 0;
  for (let s = 0; s < ids.length; s += batchSize) {
    const { rows } = await db.pool.query<{ id: string; v: string }>(
      `SELECT product_id::text AS id, embedding::text AS v FROM product_embeddings
        WHERE kind = 'TEXT' AND model = $1 AND product_id = ANY($2::uuid[])`,
      [encoder.model, ids.slice(s, s + batchSize)],
    );
    for (const r of rows) {
      const v = parseVectorLiteral(r.v);
      if (v.length !== encoder.dims) continue;
      vectors[items.index(r.id)!] = v;
      found++;
    }
  }
  return found >= MIN_TEXT_EMBEDDING_COVERAGE * items.size && found > 0
    ? { model: encoder.model, dims: encoder.dims, vectors }
    : undefined;
}

/**
 * The content mapping for a model that ranks by item factors (ALS), fitted on every
 * item it was trained with, from its hashed content and, when given, its text embedding;
 * undefined for other models (serving scores their new items by content neighbours).
 */
export function fitContentMapping(
  model: Recommender,
  content: readonly ItemContent[],
  text?: ItemTextEmbeddings,
): ContentFactorMapping | undefined {
  if (!(model instanceof AlsModel) || content.length !== model.nItems) return undefined;
  const weight = CONTENT_TEXT_EMBEDDING_WEIGHT;
  const mapping = new ContentFactorMapping(CONTENT_MAPPING_REGULARIZATION).fit(
    contentFeatureMatrix(content, text ? { embeddings: { vectors: text.vectors, dims: text.dims, weight } } : {}),
    model.itemFactors,
    model.factors,
    Array.from({ length: model.nItems }, (_, i) => i),
  );
  if (text) mapping.embedding = { model: text.model, dims: text.dims, weight };
  return mapping;
}
