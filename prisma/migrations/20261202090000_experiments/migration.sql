-- A/B experiments: users are split deterministically (hash of experiment id and
-- user id) between named variants, each served by a model version (NULL: the
-- ACTIVE one) and optionally a strategy. At most one experiment runs at a time,
-- so every served list belongs to one variant at most.
CREATE TYPE "ExperimentStatus" AS ENUM ('DRAFT', 'RUNNING', 'STOPPED');

CREATE TABLE "experiments" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "status" "ExperimentStatus" NOT NULL DEFAULT 'DRAFT',
    -- [{ "name", "weight", "modelVersionId" | null, "strategy" | null }]
    "variants" JSONB NOT NULL,
    "attribution_window_s" INTEGER NOT NULL DEFAULT 3600,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "stopped_at" TIMESTAMPTZ(3),
    CONSTRAINT "experiments_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "experiments_name_key" ON "experiments"("name");
CREATE UNIQUE INDEX "experiments_one_running" ON "experiments"("status") WHERE "status" = 'RUNNING';

-- Every list served to a known user: its id is returned with the list, and the
-- views, clicks, add-to-carts and purchases of its products that follow within
-- the attribution window are attributed to it (last touch).
CREATE TABLE "recommendation_impressions" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "product_ids" UUID[] NOT NULL,
    "strategy" TEXT NOT NULL,
    "model_version_id" UUID,
    "experiment_id" UUID,
    "variant" TEXT,
    "served_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "recommendation_impressions_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "recommendation_impressions_experiment_id_fkey" FOREIGN KEY ("experiment_id") REFERENCES "experiments"("id") ON DELETE CASCADE
);
CREATE INDEX "recommendation_impressions_user_served_idx" ON "recommendation_impressions"("user_id", "served_at");
CREATE INDEX "recommendation_impressions_experiment_idx" ON "recommendation_impressions"("experiment_id", "variant");
