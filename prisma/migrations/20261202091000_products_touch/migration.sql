-- products.updated_at is set by Prisma on its own updates only; checkout's stock
-- update and the importers write raw SQL. The recommend engine keeps product facts
-- in memory and re-reads rows whose updated_at moved, so the database keeps it true
-- for every writer.
CREATE OR REPLACE FUNCTION "products_touch_updated_at"() RETURNS trigger AS $$
BEGIN
  NEW."updated_at" := now();
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER "products_touch_updated_at" BEFORE UPDATE ON "products"
FOR EACH ROW EXECUTE FUNCTION "products_touch_updated_at"();

CREATE INDEX "products_updated_at_idx" ON "products"("updated_at");
