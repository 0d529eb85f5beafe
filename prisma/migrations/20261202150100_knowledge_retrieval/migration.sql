-- The assistant's knowledge base (subgraphs/assistant/src/knowledge): hybrid retrieval over
-- knowledge_chunks. Each chunk carries its document's kind and product (written with the
-- chunk, in the document's transaction) so retrieval filters without a join and the vector
-- list can use a partial HNSW index per kind; a stored, GIN-indexed tsvector serves the
-- lexical list; vectors stay dimension-less (the text encoder decides), with partial
-- expression indexes per (kind, dims) as product_embeddings has.
ALTER TABLE "knowledge_chunks" ADD COLUMN "kind" "KnowledgeKind";
ALTER TABLE "knowledge_chunks" ADD COLUMN "product_id" UUID;
UPDATE "knowledge_chunks" c SET "kind" = d."kind", "product_id" = d."product_id"
FROM "knowledge_documents" d WHERE d."id" = c."document_id";
ALTER TABLE "knowledge_chunks" ALTER COLUMN "kind" SET NOT NULL;

-- What the chunk's text was embedded from (sha256 of the encoder input): an unchanged
-- chunk under the same encoder is not encoded again when its document is re-indexed.
ALTER TABLE "knowledge_chunks" ADD COLUMN "input_sha256" TEXT;

ALTER TABLE "knowledge_chunks" ADD COLUMN "search_vector" tsvector
  GENERATED ALWAYS AS (to_tsvector('english', "content")) STORED;
CREATE INDEX "knowledge_chunks_search_vector_idx" ON "knowledge_chunks" USING gin ("search_vector");
CREATE INDEX "knowledge_chunks_product_id_idx" ON "knowledge_chunks" ("product_id");
CREATE INDEX "knowledge_chunks_kind_idx" ON "knowledge_chunks" ("kind");

-- 384 dims: all-MiniLM-L6-v2 and its kin (the search issue's text encoder); 64: the built-in one.
-- One index per kind, so "policies only" walks a graph of policies rather than filtering the
-- nearest product chunks away.
DROP INDEX IF EXISTS "knowledge_chunks_64_hnsw";
CREATE INDEX "knowledge_chunks_policy_384_hnsw" ON "knowledge_chunks"
  USING hnsw ((("embedding")::vector(384)) vector_cosine_ops) WHERE "kind" = 'POLICY' AND vector_dims("embedding") = 384;
CREATE INDEX "knowledge_chunks_description_384_hnsw" ON "knowledge_chunks"
  USING hnsw ((("embedding")::vector(384)) vector_cosine_ops) WHERE "kind" = 'PRODUCT_DESCRIPTION' AND vector_dims("embedding") = 384;
CREATE INDEX "knowledge_chunks_specs_384_hnsw" ON "knowledge_chunks"
  USING hnsw ((("embedding")::vector(384)) vector_cosine_ops) WHERE "kind" = 'PRODUCT_SPECS' AND vector_dims("embedding") = 384;
CREATE INDEX "knowledge_chunks_review_384_hnsw" ON "knowledge_chunks"
  USING hnsw ((("embedding")::vector(384)) vector_cosine_ops) WHERE "kind" = 'REVIEW' AND vector_dims("embedding") = 384;
CREATE INDEX "knowledge_chunks_policy_64_hnsw" ON "knowledge_chunks"
  USING hnsw ((("embedding")::vector(64)) vector_cosine_ops) WHERE "kind" = 'POLICY' AND vector_dims("embedding") = 64;
CREATE INDEX "knowledge_chunks_description_64_hnsw" ON "knowledge_chunks"
  USING hnsw ((("embedding")::vector(64)) vector_cosine_ops) WHERE "kind" = 'PRODUCT_DESCRIPTION' AND vector_dims("embedding") = 64;
CREATE INDEX "knowledge_chunks_specs_64_hnsw" ON "knowledge_chunks"
  USING hnsw ((("embedding")::vector(64)) vector_cosine_ops) WHERE "kind" = 'PRODUCT_SPECS' AND vector_dims("embedding") = 64;
CREATE INDEX "knowledge_chunks_review_64_hnsw" ON "knowledge_chunks"
  USING hnsw ((("embedding")::vector(64)) vector_cosine_ops) WHERE "kind" = 'REVIEW' AND vector_dims("embedding") = 64;
