import { generateStore, renderProductImage } from '@recgraph/data';
import { clearImageCache } from '@recgraph/data/generator/image';
import type { Benchmark } from '../benchmark.ts';

/** Synthetic store generation throughput: products, interactions, images. */
export const generatorBenchmark: Benchmark = {
  name: 'generator',
  description: 'Synthetic store generator throughput (products/s, interactions/s, images/s)',
  async run(ctx) {
    const sizes = ctx.quick ? [1_000, 10_000] : [10_000, 100_000];
    const rows: (string | number)[][] = [];
    for (const products of sizes) {
      let t = performance.now();
      const store = generateStore({ seed: 42, products, users: Math.round(products * 0.4) });
      const productMs = performance.now() - t;
      t = performance.now();
      let interactions = 0;
      for (const _ of store.interactions()) interactions++;
      const interactionMs = performance.now() - t;
      const imageCount = Math.min(500, products);
      clearImageCache(); // measure rendering, not the cache
      t = performance.now();
      for (let i = 0; i < imageCount; i++) await renderProductImage(store.products[i]!);
      const imageMs = performance.now() - t;
      ctx.log(`${products} products, ${interactions} interactions`);
      rows.push([
        products,
        interactions,
        Math.round(products / (productMs / 1000)),
        Math.round(interactions / (interactionMs / 1000)),
        Math.round(imageCount / (imageMs / 1000)),
      ]);
    }
    return [
      {
        title: 'Synthetic store generator throughput (seed 42, users = 0.4 × products)',
        columns: ['products', 'interactions', 'products/s', 'interactions/s', 'images/s (first 500, sequential)'],
        rows,
        notes: ['Reproduce: npm run bench -- generator'],
      },
    ];
  },
};
