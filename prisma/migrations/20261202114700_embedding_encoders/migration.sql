-- The embedding pipeline (packages/embeddings/src/pipeline.ts). Every product vector
-- records the encoder that wrote it (model = "<name>@<version>") and what it was computed
-- from; a product may hold one vector per encoder, so a new encoder's vectors are written
-- beside the serving ones, and embedding_encoders says which encoder serves each kind.

-- Which products.updated_at and which encoder input (sha256 of the passage, the image
-- reference) the vector was computed from: a backfill never overwrites a fresher vector,
-- and a change that leaves the input alone (stock, price) costs no inference.
ALTER TABLE "product_embeddings" ADD COLUMN "product_updated_at" TIMESTAMPTZ(3);
ALTER TABLE "product_embeddings" ADD COLUMN "input_sha256" TEXT;

ALTER TABLE "product_embeddings" DROP CONSTRAINT "product_embeddings_pkey";
ALTER TABLE "product_embeddings" ADD CONSTRAINT "product_embeddings_pkey" PRIMARY KEY ("product_id", "kind", "model");

CREATE TYPE "EncoderStatus" AS ENUM ('BUILDING', 'ACTIVE', 'RETIRED');

-- TEXT and IMAGE encoders (COLLABORATIVE vectors follow the model registry instead).
-- At most one ACTIVE per kind: the one queries use. A BUILDING encoder is being
-- backfilled and becomes ACTIVE, in one transaction that retires the old one, once
-- every product has its vector.
CREATE TABLE "embedding_encoders" (
    "kind" "EmbeddingKind" NOT NULL,
    "model" TEXT NOT NULL,
    "dims" INTEGER NOT NULL,
    -- Where it loads from: a model directory, or "built-in" (the shipped manifest).
    "source" TEXT,
    "status" "EncoderStatus" NOT NULL DEFAULT 'BUILDING',
    "products_total" INTEGER NOT NULL DEFAULT 0,
    "products_done" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "activated_at" TIMESTAMPTZ(3),
    "retired_at" TIMESTAMPTZ(3),
    CONSTRAINT "embedding_encoders_pkey" PRIMARY KEY ("kind", "model")
);
CREATE UNIQUE INDEX "embedding_encoders_one_active" ON "embedding_encoders" ("kind") WHERE "status" = 'ACTIVE';

-- Vectors written before this migration: their encoder serves (per kind, the one with most rows).
INSERT INTO "embedding_encoders" ("kind", "model", "dims", "status", "products_done", "activated_at")
SELECT DISTINCT ON ("kind") "kind", "model", "dims", 'ACTIVE', "n", CURRENT_TIMESTAMP
FROM (
  SELECT "kind", "model", min("dims") AS "dims", count(*)::int AS "n" FROM "product_embeddings"
  WHERE "kind" IN ('TEXT', 'IMAGE') GROUP BY "kind", "model"
) t
ORDER BY "kind", "n" DESC, "model";
