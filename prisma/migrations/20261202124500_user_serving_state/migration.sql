-- The updater stores what it ranked a user from (history, stated preferences, candidate
-- pool; packages/ranking/src/userStateCodec.ts) beside their pushed list, so the recommend
-- subgraph's cache misses read one row instead of the history and a model scan.
ALTER TABLE "user_recommendations" ADD COLUMN "serving_state" BYTEA;
