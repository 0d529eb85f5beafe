import type { PrismaClient } from '@recgraph/db';

/**
 * A small, fully known store:
 *   electronics ─ audio ─ headphones     home
 * with named products whose prices, reviews and interactions the assertions
 * rely on, plus BULK_COUNT plain products in "home" for paging and N+1 checks.
 */
export const BULK_COUNT = 110;

export async function seedFixture(prisma: PrismaClient) {
  const electronics = await prisma.category.create({
    data: { slug: 'electronics', name: 'Electronics', path: 'electronics' },
  });
  const audio = await prisma.category.create({
    data: { slug: 'electronics/audio', name: 'Audio', path: 'electronics/audio', depth: 1, parentId: electronics.id },
  });
  const headphones = await prisma.category.create({
    data: {
      slug: 'electronics/audio/headphones',
      name: 'Headphones',
      path: 'electronics/audio/headphones',
      depth: 2,
      parentId: audio.id,
    },
  });
  // A sibling whose path shares a string prefix with "electronics" but is not below it.
  const electronicsOutlet = await prisma.category.create({
    data: { slug: 'electronics-outlet', name: 'Outlet', path: 'electronics-outlet' },
  });
  const home = await prisma.category.create({ data: { slug: 'home', name: 'Home', path: 'home' } });

  const day = (n: number) => new Date(Date.UTC(2026, 0, 1 + n));
  const headphonesP = await prisma.product.create({
    data: {
      sku: 'HP-1',
      title: 'Studio Headphones',
      description: 'Closed-back wireless headphones with deep bass',
      brand: 'Sonic',
      categoryId: headphones.id,
      priceCents: 19999,
      stock: 12,
      attributes: { colour: 'black', wireless: true, sizes: ['S', 'M'] },
      imageUrl: '/images/HP-1.png',
      createdAt: day(3),
    },
  });
  const speaker = await prisma.product.create({
    data: {
      sku: 'SP-1',
      title: 'Bluetooth Speaker',
      description: 'Portable speaker, waterproof',
      brand: 'sonic',
      categoryId: audio.id,
      priceCents: 4950,
      availability: 'LOW_STOCK',
      stock: 2,
      createdAt: day(5),
    },
  });
  const tv = await prisma.product.create({
    data: {
      sku: 'TV-1',
      title: 'Smart TV',
      description: '55 inch screen',
      brand: 'Vista',
      categoryId: electronics.id,
      priceCents: 89900,
      createdAt: day(1),
    },
  });
  const outletCable = await prisma.product.create({
    data: {
      sku: 'OC-1',
      title: 'Outlet Cable',
      description: 'Spare cable',
      categoryId: electronicsOutlet.id,
      priceCents: 500,
      createdAt: day(2),
    },
  });
  const mug = await prisma.product.create({
    data: {
      sku: 'MUG-1',
      title: 'Ceramic Mug',
      description: 'Stoneware mug',
      brand: 'Clay',
      categoryId: home.id,
      priceCents: 1200,
      availability: 'OUT_OF_STOCK',
      createdAt: day(4),
    },
  });
  const archived = await prisma.product.create({
    data: {
      sku: 'OLD-1',
      title: 'Archived Radio headphones',
      description: 'No longer sold',
      categoryId: headphones.id,
      priceCents: 1000,
      status: 'ARCHIVED',
    },
  });

  await prisma.product.createMany({
    data: Array.from({ length: BULK_COUNT }, (_, i) => ({
      sku: `BULK-${String(i).padStart(3, '0')}`,
      title: `Bulk item ${i}`,
      description: 'Plain household item',
      brand: 'Generic',
      categoryId: home.id,
      priceCents: 100 + i,
      createdAt: day(10 + i),
    })),
  });
  const bulk = await prisma.product.findMany({ where: { sku: { startsWith: 'BULK-' } }, orderBy: { sku: 'asc' } });

  const users = await Promise.all(['u1', 'u2', 'u3'].map((externalId) => prisma.user.create({ data: { externalId } })));
  const [u1, u2, u3] = users as [(typeof users)[0], (typeof users)[0], (typeof users)[0]];
  // Users with no seeded history, for tests that write (carts, reviews, tracking) and
  // must not disturb the counts other tests assert on u1..u3.
  const admin = await prisma.user.create({ data: { externalId: 'admin', role: 'ADMIN', displayName: 'Admin' } });
  const shopper = await prisma.user.create({ data: { externalId: 'shopper', email: 'shopper@example.com' } });
  const otherShopper = await prisma.user.create({ data: { externalId: 'other-shopper' } });

  await prisma.review.createMany({
    data: [
      { productId: headphonesP.id, userId: u1.id, rating: 5, title: 'Great', body: 'Loved them', createdAt: day(6) },
      { productId: headphonesP.id, userId: u2.id, rating: 4, body: 'Good', createdAt: day(7) },
      { productId: headphonesP.id, userId: u3.id, rating: 3, body: 'Fine', createdAt: day(8) },
      { productId: speaker.id, userId: u1.id, rating: 2, body: 'Meh', createdAt: day(6) },
      { productId: tv.id, userId: u1.id, rating: 5, body: 'Sharp', createdAt: day(6) },
      // Every bulk product gets one review, so ratingSummary has data to batch.
      ...bulk.map((p, i) => ({ productId: p.id, rating: 1 + (i % 5), body: 'ok', createdAt: day(9) })),
    ],
  });

  const recent = (hoursAgo: number) => new Date(Date.now() - hoursAgo * 3600_000);
  let n = 0;
  const event = (userId: string, productId: string, type: 'VIEW' | 'PURCHASE' | 'DISLIKE', occurredAt = recent(1)) => ({
    eventId: `e${n++}`,
    userId,
    productId,
    type,
    occurredAt,
  });
  await prisma.interaction.createMany({
    data: [
      event(u1.id, headphonesP.id, 'VIEW'),
      event(u1.id, speaker.id, 'PURCHASE'),
      event(u2.id, headphonesP.id, 'PURCHASE'),
      event(u2.id, speaker.id, 'PURCHASE'),
      event(u2.id, tv.id, 'VIEW'),
      event(u3.id, mug.id, 'VIEW'),
      event(u3.id, headphonesP.id, 'VIEW'),
      // Disliked and long-ago events must not count.
      event(u3.id, tv.id, 'DISLIKE'),
      event(u1.id, mug.id, 'PURCHASE', recent(24 * 60)),
    ],
  });

  await prisma.knowledgeDocument.create({
    data: { kind: 'POLICY', key: 'policy:returns', title: 'Returns', body: 'Return unused items within 30 days.' },
  });

  return {
    categories: { electronics, audio, headphones, electronicsOutlet, home },
    products: { headphones: headphonesP, speaker, tv, outletCable, mug, archived },
    bulk,
    users: { u1, u2, u3, admin, shopper, otherShopper },
  };
}

export type Fixture = Awaited<ReturnType<typeof seedFixture>>;
