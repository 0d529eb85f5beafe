-- The outbox relay claims a batch with a short lease instead of holding a
-- transaction (and, on the embedded database, its only connection) open while
-- the bus accepts it. A relay that dies mid-publish leaves the lease to expire,
-- after which any relay publishes those rows again (at least once).
ALTER TABLE "interaction_outbox" ADD COLUMN "claimed_until" TIMESTAMPTZ(3);
