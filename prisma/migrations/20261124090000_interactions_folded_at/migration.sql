-- When the online updater (or a features rebuild) folded the interaction into
-- product_popularity and co_visitation. The catalog stores a tracked interaction
-- before publishing it, so the updater cannot tell a first delivery from a
-- replay by whether its INSERT conflicts: it folds the rows whose folded_at it
-- sets, exactly once per event whichever writer stored the row first.
ALTER TABLE "interactions" ADD COLUMN "folded_at" TIMESTAMPTZ(3);

-- Existing rows count as folded (by the updater, a rebuild, or never: run
-- features:rebuild to recompute), except those still waiting in the outbox,
-- which the updater folds when they arrive.
UPDATE "interactions" SET "folded_at" = "created_at"
WHERE "event_id" NOT IN (SELECT "event_id" FROM "interaction_outbox");
