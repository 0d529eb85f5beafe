-- Text search (subgraphs/search): a stored, GIN-indexed weighted document per product,
-- kept current by the database for every writer (Prisma, importers' raw SQL, checkout),
-- trigram indexes for typo tolerance and autocomplete, and an HNSW index for the
-- 384-dim sentence-encoder TEXT embeddings (all-MiniLM-L6-v2 and its kin).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Weights: title A; brand and category (name and its path's names) B; specs (attribute values) C; description D.
CREATE OR REPLACE FUNCTION "products_search_document"(
  p_title text, p_brand text, p_category_id uuid, p_attributes jsonb, p_description text
) RETURNS tsvector LANGUAGE sql STABLE AS $$
  SELECT setweight(to_tsvector('english', coalesce(p_title, '')), 'A')
      || setweight(to_tsvector('english', coalesce(p_brand, '')), 'B')
      || setweight(to_tsvector('english', coalesce((
           SELECT c."name" || ' ' || translate(c."path", '/-_', '   ') FROM "categories" c WHERE c."id" = p_category_id
         ), '')), 'B')
      || setweight(jsonb_to_tsvector('english', coalesce(p_attributes, '{}'::jsonb), '["string"]'), 'C')
      || setweight(to_tsvector('english', coalesce(p_description, '')), 'D')
$$;

ALTER TABLE "products" ADD COLUMN "search_document" tsvector;

CREATE OR REPLACE FUNCTION "products_search_document_update"() RETURNS trigger AS $$
BEGIN
  NEW."search_document" := "products_search_document"(NEW."title", NEW."brand", NEW."category_id", NEW."attributes", NEW."description");
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER "products_search_document" BEFORE INSERT OR UPDATE OF "title", "brand", "category_id", "attributes", "description"
ON "products" FOR EACH ROW EXECUTE FUNCTION "products_search_document_update"();

-- A renamed or moved category re-indexes its products.
CREATE OR REPLACE FUNCTION "categories_search_document_update"() RETURNS trigger AS $$
BEGIN
  UPDATE "products" SET "search_document" = "products_search_document"("title", "brand", "category_id", "attributes", "description")
  WHERE "category_id" = NEW."id";
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER "categories_search_document" AFTER UPDATE OF "name", "path" ON "categories"
FOR EACH ROW WHEN (OLD."name" IS DISTINCT FROM NEW."name" OR OLD."path" IS DISTINCT FROM NEW."path")
EXECUTE FUNCTION "categories_search_document_update"();

UPDATE "products" SET "search_document" = "products_search_document"("title", "brand", "category_id", "attributes", "description");

CREATE INDEX "products_search_document_idx" ON "products" USING gin ("search_document");
CREATE INDEX "products_title_trgm_idx" ON "products" USING gin (lower("title") gin_trgm_ops);
CREATE INDEX "products_brand_trgm_idx" ON "products" USING gin (lower("brand") gin_trgm_ops);

CREATE INDEX "product_embeddings_text_384_hnsw" ON "product_embeddings"
  USING hnsw ((("embedding")::vector(384)) vector_cosine_ops) WHERE "kind" = 'TEXT' AND "dims" = 384;
