import { existsSync } from 'node:fs';
import { expect } from 'vitest';
import { generateStore, seedStore } from '@recgraph/data';
import type { Database } from '@recgraph/db';
import { Rng } from '@recgraph/recsys';
import { DEFAULT_RANKER_PYTHON } from '../src/reranker/lambdamart.ts';

/** The re-ranker tests' Python (.infra/ranker-venv); under CI its absence fails them rather than skipping them. */
export const RANKER_TEST_PYTHON = DEFAULT_RANKER_PYTHON;
export const hasRankerPython = existsSync(RANKER_TEST_PYTHON);
if (!hasRankerPython && process.env.CI)
  throw new Error(
    `${RANKER_TEST_PYTHON} is missing under CI: run \`npm run infra:up\` (scripts/infra/ranker.sh installs it)`,
  );

/** The generated store the re-ranker tests share (160 products, 200 users), its views replaced by viewsOf(db, true). */
export async function seedTasteStore(db: Database): Promise<void> {
  await seedStore(db, generateStore({ seed: 7, products: 160, users: 200 }));
  await viewsOf(db, true);
}

/**
 * Replaces the store's interactions: each user views 14 products. `taste`: 11 from one department
 * of their own and 3 of the store's 12 best sellers, so popularity (the generator)
 * ranks the best sellers first while the re-ranker's category affinity knows better. Without
 * taste, every view is drawn by one global popularity, which the generator already ranks by.
 */
export async function viewsOf(db: Database, taste: boolean): Promise<void> {
  await db.prisma.interaction.deleteMany({});
  const products = await db.prisma.product.findMany({
    where: { status: 'ACTIVE' },
    select: { id: true, category: { select: { path: true } } },
    orderBy: { sku: 'asc' },
  });
  const users = await db.prisma.user.findMany({ select: { id: true }, orderBy: { createdAt: 'asc' } });
  // Taste by top-level department (a materialised path's first slug).
  const byDepartment = new Map<string, string[]>();
  for (const p of products) {
    const root = p.category?.path.split('/').find(Boolean);
    if (root) (byDepartment.get(root) ?? byDepartment.set(root, []).get(root)!).push(p.id);
  }
  const leaves = [...byDepartment.values()].filter((ids) => ids.length >= 16);
  expect(leaves.length).toBeGreaterThan(1);
  const head = products.slice(0, 12).map((p) => p.id);
  const rng = new Rng(11);
  const zipf = (n: number) => Math.min(n - 1, Math.floor(n * rng.next() ** 3));
  const rows = users.flatMap((u, ui) => {
    const own = leaves[ui % leaves.length]!;
    const picked = new Set<string>();
    while (picked.size < 14) {
      if (!taste) picked.add(products[zipf(products.length)]!.id);
      else if (picked.size < 3) picked.add(head[Math.floor(rng.next() * head.length)]!);
      else picked.add(own[Math.floor(rng.next() * own.length)]!);
    }
    return [...picked].map((productId, j) => ({
      eventId: `rr-${ui}-${j}`,
      userId: u.id,
      productId,
      type: 'VIEW' as const,
      occurredAt: new Date(Date.UTC(2026, 0, 1 + j, ui % 24)),
    }));
  });
  await db.prisma.interaction.createMany({ data: rows });
}
