-- Recgraph initial schema. Mirrors prisma/schema.prisma; applied by
-- `npm run db:migrate` (packages/db/src/migrate.ts) or `prisma migrate deploy`.

CREATE EXTENSION IF NOT EXISTS vector;

-- CreateEnum
CREATE TYPE "Availability" AS ENUM ('IN_STOCK', 'LOW_STOCK', 'OUT_OF_STOCK', 'PREORDER', 'DISCONTINUED');
CREATE TYPE "ProductStatus" AS ENUM ('ACTIVE', 'ARCHIVED');
CREATE TYPE "InteractionType" AS ENUM ('VIEW', 'CLICK', 'ADD_TO_CART', 'PURCHASE', 'RATE', 'LIKE', 'DISLIKE');
CREATE TYPE "UserRole" AS ENUM ('CUSTOMER', 'PARTNER', 'ADMIN');
CREATE TYPE "CartStatus" AS ENUM ('OPEN', 'CHECKED_OUT', 'ABANDONED');
CREATE TYPE "EmbeddingKind" AS ENUM ('TEXT', 'IMAGE', 'COLLABORATIVE');
CREATE TYPE "ModelStatus" AS ENUM ('CANDIDATE', 'ACTIVE', 'RETIRED', 'FAILED');
CREATE TYPE "KnowledgeKind" AS ENUM ('PRODUCT_DESCRIPTION', 'PRODUCT_SPECS', 'REVIEW', 'POLICY');

-- CreateTable
CREATE TABLE "categories" (
    "id" UUID NOT NULL,
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "parent_id" UUID,
    "path" TEXT NOT NULL,
    "depth" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "categories_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "products" (
    "id" UUID NOT NULL,
    "sku" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "brand" TEXT,
    "category_id" UUID,
    "price_cents" INTEGER NOT NULL,
    "currency" CHAR(3) NOT NULL DEFAULT 'USD',
    "attributes" JSONB NOT NULL DEFAULT '{}',
    "image_url" TEXT,
    "availability" "Availability" NOT NULL DEFAULT 'IN_STOCK',
    "stock" INTEGER NOT NULL DEFAULT 0,
    "status" "ProductStatus" NOT NULL DEFAULT 'ACTIVE',
    "source" TEXT NOT NULL DEFAULT 'manual',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "products_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "users" (
    "id" UUID NOT NULL,
    "external_id" TEXT NOT NULL,
    "email" TEXT,
    "display_name" TEXT,
    "role" "UserRole" NOT NULL DEFAULT 'CUSTOMER',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "user_preferences" (
    "user_id" UUID NOT NULL,
    "category_ids" UUID[] DEFAULT ARRAY[]::UUID[],
    "brands" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "liked_product_ids" UUID[] DEFAULT ARRAY[]::UUID[],
    "price_min_cents" INTEGER,
    "price_max_cents" INTEGER,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "user_preferences_pkey" PRIMARY KEY ("user_id")
);

CREATE TABLE "interactions" (
    "id" BIGSERIAL NOT NULL,
    "event_id" TEXT NOT NULL,
    "user_id" UUID NOT NULL,
    "product_id" UUID NOT NULL,
    "type" "InteractionType" NOT NULL,
    "value" DOUBLE PRECISION NOT NULL DEFAULT 1,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "source" TEXT NOT NULL DEFAULT 'web',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "interactions_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "reviews" (
    "id" UUID NOT NULL,
    "product_id" UUID NOT NULL,
    "user_id" UUID,
    "rating" INTEGER NOT NULL,
    "title" TEXT,
    "body" TEXT NOT NULL DEFAULT '',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "reviews_pkey" PRIMARY KEY ("id"),
    -- Not expressible in Prisma: keep ratings in range at the database too.
    CONSTRAINT "reviews_rating_range" CHECK ("rating" BETWEEN 1 AND 5)
);

CREATE TABLE "carts" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "status" "CartStatus" NOT NULL DEFAULT 'OPEN',
    "currency" CHAR(3) NOT NULL DEFAULT 'USD',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "checked_out_at" TIMESTAMPTZ(3),
    CONSTRAINT "carts_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "cart_items" (
    "cart_id" UUID NOT NULL,
    "product_id" UUID NOT NULL,
    "quantity" INTEGER NOT NULL,
    "unit_price_cents" INTEGER NOT NULL,
    "added_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "cart_items_pkey" PRIMARY KEY ("cart_id","product_id"),
    CONSTRAINT "cart_items_quantity_positive" CHECK ("quantity" > 0)
);

CREATE TABLE "knowledge_documents" (
    "id" UUID NOT NULL,
    "kind" "KnowledgeKind" NOT NULL,
    "key" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "product_id" UUID,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "knowledge_documents_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "knowledge_chunks" (
    "id" UUID NOT NULL,
    "document_id" UUID NOT NULL,
    "ordinal" INTEGER NOT NULL,
    "content" TEXT NOT NULL,
    "embedding" vector,
    "model" TEXT,
    CONSTRAINT "knowledge_chunks_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "product_embeddings" (
    "product_id" UUID NOT NULL,
    "kind" "EmbeddingKind" NOT NULL,
    "model" TEXT NOT NULL,
    "dims" INTEGER NOT NULL,
    "embedding" vector NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "product_embeddings_pkey" PRIMARY KEY ("product_id","kind"),
    CONSTRAINT "product_embeddings_dims_match" CHECK (vector_dims("embedding") = "dims")
);

CREATE TABLE "user_vectors" (
    "user_id" UUID NOT NULL,
    "model_version_id" UUID NOT NULL,
    "dims" INTEGER NOT NULL,
    "embedding" vector NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "user_vectors_pkey" PRIMARY KEY ("user_id")
);

CREATE TABLE "model_versions" (
    "id" UUID NOT NULL,
    "algorithm" TEXT NOT NULL,
    "parameters" JSONB NOT NULL DEFAULT '{}',
    "metrics" JSONB NOT NULL DEFAULT '{}',
    "primary_metric" TEXT,
    "data_from" TIMESTAMPTZ(3),
    "data_to" TIMESTAMPTZ(3),
    "interactions" INTEGER NOT NULL DEFAULT 0,
    "artifact_uri" TEXT,
    "artifact_sha256" TEXT,
    "status" "ModelStatus" NOT NULL DEFAULT 'CANDIDATE',
    "notes" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "promoted_at" TIMESTAMPTZ(3),
    "retired_at" TIMESTAMPTZ(3),
    CONSTRAINT "model_versions_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "categories_slug_key" ON "categories"("slug");
CREATE INDEX "categories_parent_id_idx" ON "categories"("parent_id");
CREATE INDEX "categories_path_idx" ON "categories"("path");
CREATE UNIQUE INDEX "products_sku_key" ON "products"("sku");
CREATE INDEX "products_category_id_idx" ON "products"("category_id");
CREATE INDEX "products_brand_idx" ON "products"("brand");
CREATE INDEX "products_price_cents_idx" ON "products"("price_cents");
CREATE INDEX "products_status_availability_idx" ON "products"("status", "availability");
CREATE UNIQUE INDEX "users_external_id_key" ON "users"("external_id");
CREATE UNIQUE INDEX "users_email_key" ON "users"("email");
CREATE UNIQUE INDEX "interactions_event_id_key" ON "interactions"("event_id");
CREATE INDEX "interactions_user_id_occurred_at_idx" ON "interactions"("user_id", "occurred_at");
CREATE INDEX "interactions_product_id_occurred_at_idx" ON "interactions"("product_id", "occurred_at");
CREATE INDEX "interactions_occurred_at_idx" ON "interactions"("occurred_at");
CREATE INDEX "reviews_product_id_created_at_idx" ON "reviews"("product_id", "created_at");
CREATE UNIQUE INDEX "reviews_product_id_user_id_key" ON "reviews"("product_id", "user_id");
CREATE INDEX "carts_user_id_status_idx" ON "carts"("user_id", "status");
CREATE UNIQUE INDEX "knowledge_documents_key_key" ON "knowledge_documents"("key");
CREATE INDEX "knowledge_documents_product_id_idx" ON "knowledge_documents"("product_id");
CREATE UNIQUE INDEX "knowledge_chunks_document_id_ordinal_key" ON "knowledge_chunks"("document_id", "ordinal");
CREATE INDEX "product_embeddings_kind_model_idx" ON "product_embeddings"("kind", "model");
CREATE INDEX "user_vectors_model_version_id_idx" ON "user_vectors"("model_version_id");
CREATE INDEX "model_versions_status_created_at_idx" ON "model_versions"("status", "created_at");

-- At most one active model at a time (not expressible in Prisma).
CREATE UNIQUE INDEX "model_versions_one_active" ON "model_versions"("status") WHERE "status" = 'ACTIVE';

-- HNSW indexes (not expressible in Prisma). Columns are dimension-less so an
-- index is built per (kind, dims) over a cast expression; queries must use the
-- same expression and predicate (packages/db/src/vectors.ts) to hit them.
-- 64 dims: collaborative (ALS) factors and the built-in text/image encoders.
CREATE INDEX "product_embeddings_text_64_hnsw" ON "product_embeddings"
  USING hnsw ((("embedding")::vector(64)) vector_cosine_ops) WHERE "kind" = 'TEXT' AND "dims" = 64;
CREATE INDEX "product_embeddings_image_64_hnsw" ON "product_embeddings"
  USING hnsw ((("embedding")::vector(64)) vector_cosine_ops) WHERE "kind" = 'IMAGE' AND "dims" = 64;
CREATE INDEX "product_embeddings_collab_64_hnsw" ON "product_embeddings"
  USING hnsw ((("embedding")::vector(64)) vector_ip_ops) WHERE "kind" = 'COLLABORATIVE' AND "dims" = 64;
CREATE INDEX "knowledge_chunks_64_hnsw" ON "knowledge_chunks"
  USING hnsw ((("embedding")::vector(64)) vector_cosine_ops) WHERE vector_dims("embedding") = 64;

-- AddForeignKey
ALTER TABLE "categories" ADD CONSTRAINT "categories_parent_id_fkey" FOREIGN KEY ("parent_id") REFERENCES "categories"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "products" ADD CONSTRAINT "products_category_id_fkey" FOREIGN KEY ("category_id") REFERENCES "categories"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "user_preferences" ADD CONSTRAINT "user_preferences_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "interactions" ADD CONSTRAINT "interactions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "interactions" ADD CONSTRAINT "interactions_product_id_fkey" FOREIGN KEY ("product_id") REFERENCES "products"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "reviews" ADD CONSTRAINT "reviews_product_id_fkey" FOREIGN KEY ("product_id") REFERENCES "products"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "reviews" ADD CONSTRAINT "reviews_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "carts" ADD CONSTRAINT "carts_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "cart_items" ADD CONSTRAINT "cart_items_cart_id_fkey" FOREIGN KEY ("cart_id") REFERENCES "carts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "cart_items" ADD CONSTRAINT "cart_items_product_id_fkey" FOREIGN KEY ("product_id") REFERENCES "products"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "knowledge_documents" ADD CONSTRAINT "knowledge_documents_product_id_fkey" FOREIGN KEY ("product_id") REFERENCES "products"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "knowledge_chunks" ADD CONSTRAINT "knowledge_chunks_document_id_fkey" FOREIGN KEY ("document_id") REFERENCES "knowledge_documents"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "product_embeddings" ADD CONSTRAINT "product_embeddings_product_id_fkey" FOREIGN KEY ("product_id") REFERENCES "products"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "user_vectors" ADD CONSTRAINT "user_vectors_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "user_vectors" ADD CONSTRAINT "user_vectors_model_version_id_fkey" FOREIGN KEY ("model_version_id") REFERENCES "model_versions"("id") ON DELETE CASCADE ON UPDATE CASCADE;
