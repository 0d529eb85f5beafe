-- Issue 12, trust in signals and limits that hold.

-- Event ids are unique per user, not globally: one customer's id can no longer
-- pre-empt (or reveal) another's. Internal ids (feedback., checkout., cart.)
-- live in a namespace the tracking API refuses (packages/interactions).
DROP INDEX IF EXISTS "interactions_event_id_key";
CREATE UNIQUE INDEX "interactions_user_id_event_id_key" ON "interactions"("user_id", "event_id");

-- The outbox follows: a row per (user, event id), the user read from its envelope.
DROP INDEX IF EXISTS "interaction_outbox_event_id_key";
CREATE UNIQUE INDEX "interaction_outbox_user_event_key" ON "interaction_outbox"((("payload"->>'userId')), "event_id");

-- Fixed-window counters shared by every replica (rate-limiter-flexible's
-- RateLimiterPostgres layout): gateway request and failed-authentication
-- limits, the catalog's per-user event rate. expire is epoch milliseconds.
CREATE TABLE "rate_limits" (
    "key" VARCHAR(255) NOT NULL,
    "points" INTEGER NOT NULL DEFAULT 0,
    "expire" BIGINT,
    CONSTRAINT "rate_limits_pkey" PRIMARY KEY ("key")
);

-- How much weight each user has moved popularity by per UTC day (of the
-- events' time); the updater grants at most POPULARITY_USER_DAILY_CAP.
CREATE TABLE "popularity_user_budget" (
    "user_id" UUID NOT NULL,
    "day" DATE NOT NULL,
    "used" DOUBLE PRECISION NOT NULL DEFAULT 0,
    CONSTRAINT "popularity_user_budget_pkey" PRIMARY KEY ("user_id", "day"),
    CONSTRAINT "popularity_user_budget_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE
);
