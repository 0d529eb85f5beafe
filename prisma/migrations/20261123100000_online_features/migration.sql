-- Online features maintained by the streaming updater (streaming/src/updater).

-- Time-decayed popularity: score is referenced to updated_at; its value at time T
-- is score * 2^(-(T - updated_at) / half_life). rank_key = log2(score) +
-- epoch(updated_at) / half_life orders products by decayed score at any T, so
-- "most popular now" is an index scan instead of a decay over every row.
CREATE TABLE "product_popularity" (
    "product_id" UUID NOT NULL,
    "score" DOUBLE PRECISION NOT NULL,
    "rank_key" DOUBLE PRECISION NOT NULL,
    -- Undecayed count of the events folded into score: an audit that replays never double-count.
    "event_count" BIGINT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "product_popularity_pkey" PRIMARY KEY ("product_id"),
    CONSTRAINT "product_popularity_product_id_fkey" FOREIGN KEY ("product_id") REFERENCES "products"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "product_popularity_rank_key_idx" ON "product_popularity"("rank_key" DESC);

-- Item-item co-visitation counts, stored in both directions so neighbours of a product are one index range.
CREATE TABLE "co_visitation" (
    "product_a" UUID NOT NULL,
    "product_b" UUID NOT NULL,
    "weight" DOUBLE PRECISION NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "co_visitation_pkey" PRIMARY KEY ("product_a", "product_b"),
    CONSTRAINT "co_visitation_distinct_check" CHECK ("product_a" <> "product_b"),
    CONSTRAINT "co_visitation_product_a_fkey" FOREIGN KEY ("product_a") REFERENCES "products"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "co_visitation_product_b_fkey" FOREIGN KEY ("product_b") REFERENCES "products"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "co_visitation_product_b_idx" ON "co_visitation"("product_b");

-- The top-k last published per user, so an update is published only when the list changes,
-- across restarts and across updater instances.
CREATE TABLE "user_recommendations" (
    "user_id" UUID NOT NULL,
    "model_version_id" UUID,
    "items" JSONB NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "user_recommendations_pkey" PRIMARY KEY ("user_id"),
    CONSTRAINT "user_recommendations_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "user_recommendations_model_version_id_fkey" FOREIGN KEY ("model_version_id") REFERENCES "model_versions"("id") ON DELETE SET NULL ON UPDATE CASCADE
);
