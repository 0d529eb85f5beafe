import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  openDatabase,
  migrate,
  nearestProducts,
  upsertProductEmbeddings,
  readMigrations,
  type Database,
} from '../src/index.ts';
import { createTestDatabase, realPostgresUrl } from './real-postgres.ts';

/** One suite, run against every backend (gorse-style). */
function suite(name: string, open: () => Promise<Database>) {
  describe(name, () => {
    let db: Database;
    beforeAll(async () => {
      db = await open();
    });
    afterAll(async () => {
      await db?.close();
    });

    it('applies every migration once and records it for prisma migrate deploy', async () => {
      const again = await migrate(db.url);
      expect(again.applied).toEqual([]);
      expect(again.alreadyApplied).toEqual(readMigrations().map((m) => m.name));
      const rows = await db.prisma.$queryRaw<{ migration_name: string; checksum: string }[]>`
        SELECT migration_name, checksum FROM "_prisma_migrations" ORDER BY migration_name`;
      expect(rows.map((r) => r.checksum)).toEqual(readMigrations().map((m) => m.checksum));
      const ext = await db.prisma.$queryRaw<
        { extname: string }[]
      >`SELECT extname FROM pg_extension WHERE extname = 'vector'`;
      expect(ext).toHaveLength(1);
    });

    it('round-trips products through Prisma Client', async () => {
      const cat = await db.prisma.category.create({ data: { slug: `c-${name}`, name: 'Tents', path: `c-${name}` } });
      const p = await db.prisma.product.create({
        data: {
          sku: `sku-${name}`,
          title: 'Tent',
          priceCents: 19999,
          categoryId: cat.id,
          attributes: { colour: 'green' },
        },
        include: { category: true },
      });
      expect(p.category?.name).toBe('Tents');
      expect(p.attributes).toEqual({ colour: 'green' });
    });

    it('finds nearest neighbours by cosine and inner product (HNSW-indexed dims)', async () => {
      const dims = 64;
      const basis = (i: number, w = 1) => Array.from({ length: dims }, (_, j) => (j === i ? w : j === i + 1 ? 0.1 : 0));
      const products = await Promise.all(
        [0, 1, 2, 3].map((i) =>
          db.prisma.product.create({ data: { sku: `v-${name}-${i}`, title: `V${i}`, priceCents: 100 } }),
        ),
      );
      await upsertProductEmbeddings(
        db.prisma,
        products.map((p, i) => ({ productId: p.id, kind: 'TEXT', model: 'test', vector: basis(i) })),
      );
      await upsertProductEmbeddings(
        db.prisma,
        products.map((p, i) => ({ productId: p.id, kind: 'COLLABORATIVE', model: 'test', vector: basis(0, i + 1) })),
      );
      const near = await nearestProducts(db.prisma, basis(2), { kind: 'TEXT', k: 2 });
      expect(near[0]!.productId).toBe(products[2]!.id);
      expect(near[0]!.score).toBeCloseTo(1, 5);
      const ip = await nearestProducts(db.prisma, basis(0), {
        kind: 'COLLABORATIVE',
        k: 4,
        excludeProductIds: [products[3]!.id],
      });
      expect(ip.map((n) => n.productId)).toEqual([products[2]!.id, products[1]!.id, products[0]!.id]);
      expect(ip[0]!.score).toBeCloseTo(3 * 1 + 0.1 * 0.1, 5);
      // The planner can use the partial HNSW index for this query shape.
      const plan = await db.prisma.$transaction(async (tx) => {
        await tx.$executeRawUnsafe('SET LOCAL enable_seqscan = off');
        return tx.$queryRawUnsafe<{ 'QUERY PLAN': string }[]>(
          `EXPLAIN SELECT product_id FROM product_embeddings e WHERE kind = 'TEXT' AND dims = 64
           ORDER BY (e.embedding::vector(64)) <=> '[${basis(1).join(',')}]'::vector(64) LIMIT 5`,
        );
      });
      expect(plan.map((r) => r['QUERY PLAN']).join('\n')).toMatch(/product_embeddings_text_64_hnsw/);
    });

    it('rejects a vector whose size disagrees with dims', async () => {
      const p = await db.prisma.product.create({ data: { sku: `bad-${name}`, title: 'B', priceCents: 1 } });
      await expect(
        db.prisma.$executeRaw`INSERT INTO product_embeddings (product_id, kind, model, dims, embedding, updated_at)
          VALUES (${p.id}::uuid, 'TEXT', 'x', 3, '[1,2]'::vector, now())`,
      ).rejects.toThrow(/product_embeddings_dims_match/);
    });
  });
}

suite('embedded PGlite', () => openDatabase({}));

const realUrl = await realPostgresUrl();
// CI always provides the real server (scripts/test.sh starts it); locally it may be absent.
if (realUrl) {
  suite('real Postgres server', async () => openDatabase({ url: await createTestDatabase(realUrl) }));
} else {
  describe.skip('real Postgres server (TEST_DATABASE_URL unset)', () => {
    it('needs npm run infra:up', () => undefined);
  });
}
