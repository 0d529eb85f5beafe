-- Transactional outbox for interaction events, plus the carts invariant the
-- catalog's cart mutations rely on.

-- An interaction is inserted here in the same transaction as its row in
-- "interactions"; the catalog's outbox relay publishes pending rows on the
-- event bus (topic "interactions", InteractionEventV1 in "payload") and deletes
-- them once the bus has accepted them. A crash or a bus outage between the two
-- steps leaves the row here to be retried, so no stored interaction goes
-- unpublished (delivery is at least once; consumers dedupe on eventId).
CREATE TABLE "interaction_outbox" (
    "id" BIGSERIAL NOT NULL,
    "event_id" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "interaction_outbox_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "interaction_outbox_event_id_key" ON "interaction_outbox"("event_id");

-- At most one open cart per user (not expressible in Prisma): the lazy
-- "create my cart" upsert targets this index, so concurrent first calls cannot
-- leave a user with two open carts.
CREATE UNIQUE INDEX "carts_one_open_per_user" ON "carts"("user_id") WHERE "status" = 'OPEN';
