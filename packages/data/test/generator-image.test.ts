import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { ProductRecord } from '../src/records.ts';
import { generateStore, renderProductImage } from '../src/generator/index.ts';

const store = generateStore({ seed: 5, products: 200, users: 1, interactionsPerUser: 0 });

const base: ProductRecord = {
  ...store.products[0]!,
  sku: 'TEST-000001',
  categorySlug: 'home-kitchen/decor/cushions',
  attributes: { colour: 'Navy', colourHex: '#1f2f56', pattern: 'striped', shape: 'square', material: 'Linen' },
};
const variant = (sku: string, attributes: Record<string, string>): ProductRecord => ({
  ...base,
  sku,
  attributes: { ...base.attributes, ...attributes },
});

async function pixels(product: ProductRecord): Promise<Buffer> {
  return sharp(await renderProductImage(product, 64))
    .removeAlpha()
    .raw()
    .toBuffer();
}

async function distance(a: ProductRecord, b: ProductRecord): Promise<number> {
  const [pa, pb] = await Promise.all([pixels(a), pixels(b)]);
  let sum = 0;
  for (let i = 0; i < pa.length; i++) sum += Math.abs((pa[i] as number) - (pb[i] as number));
  return sum / pa.length;
}

describe('renderProductImage', () => {
  it('renders a PNG of the requested size', async () => {
    const png = await renderProductImage(store.products[3]!, 96);
    const meta = await sharp(png).metadata();
    expect(meta.format).toBe('png');
    expect([meta.width, meta.height]).toEqual([96, 96]);
    expect((await sharp(await renderProductImage(store.products[3]!)).metadata()).width).toBe(128);
  });

  it('puts same-looking products close and different colours far apart', async () => {
    const twin = variant('TEST-000002', {});
    const otherColour = variant('TEST-000003', { colour: 'Mustard', colourHex: '#c99a17' });
    const otherPattern = variant('TEST-000004', { pattern: 'dotted' });
    const otherShape = variant('TEST-000005', { shape: 'round' });
    const near = await distance(base, twin);
    expect(near).toBeLessThan(await distance(base, otherPattern));
    expect(near).toBeLessThan(await distance(base, otherShape));
    expect(await distance(base, otherPattern)).toBeLessThan(await distance(base, otherColour));
    expect(await distance(base, otherColour)).toBeGreaterThan(5 * near);
  });

  it('draws the category silhouette when there is no shape, and copes with foreign products', async () => {
    const shirt = variant('TEST-000006', { shape: '' });
    const png = await renderProductImage({ ...shirt, categorySlug: 'mens-fashion/clothing/t-shirts' });
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    const imported: ProductRecord = {
      sku: 'CSV-1',
      title: 'x',
      description: '',
      priceCents: 1,
      currency: 'USD',
      attributes: {},
      availability: 'IN_STOCK',
      stock: 1,
      source: 'csv:test',
    };
    expect((await sharp(await renderProductImage(imported, 32)).metadata()).width).toBe(32);
  });

  it('rejects bad sizes', async () => {
    await expect(renderProductImage(base, 8)).rejects.toThrow(/size must be an integer between 16 and 2048, got 8/);
    await expect(renderProductImage(base, 12.5)).rejects.toThrow(RangeError);
  });
});
