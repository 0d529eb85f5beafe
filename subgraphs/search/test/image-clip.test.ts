import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { embedProductImages } from '@recgraph/embeddings/image-embeddings';
import { loadImageEncoder } from '@recgraph/embeddings/image-encoder';
import { writeTinyClipModel } from '../../../packages/embeddings/scripts/tiny-clip.ts';
import { startTestStack, type TestStack } from '../../../gateway/test/support/testStack.ts';

/**
 * The CLIP-style path through the real gateway: IMAGE_ENCODER_DIR names a two-tower model
 * (the tiny one tiny-clip.ts writes: colour words and photos' mean colours in one space),
 * so `search` adds text → image retrieval as a third RRF list, and searchByImage uses it.
 */
const modelDir = mkdtempSync(join(tmpdir(), 'recgraph-tiny-clip-'));
writeTinyClipModel(modelDir);
// The configured encoder, as a deployment sets it (read when the stack's config first loads).
vi.stubEnv('IMAGE_ENCODER_DIR', modelDir);

// Embedded PGlite only: the IMAGE neighbour query is the one image-search.test.ts runs on both backends.
const backends = [{ name: 'embedded PGlite' }];

/** Titles that say nothing about colour: only the photos do. */
const PRODUCTS = [
  { sku: 'CLIP-A', title: 'Canvas Tote', colour: '#d01010' },
  { sku: 'CLIP-B', title: 'Canvas Tote Large', colour: '#10b010' },
  { sku: 'CLIP-C', title: 'Canvas Tote Mini', colour: '#d0d010' },
];

type Hit = { retrievers: { retriever: string; rank: number }[]; product: { sku: string } };

describe.each(backends)('text → image search with a two-tower model on $name', () => {
  let t: TestStack;

  beforeAll(async () => {
    t = await startTestStack();
    const cat = await t.db.prisma.category.create({ data: { slug: 'bags', name: 'Bags', path: 'bags' } });
    for (const p of PRODUCTS) {
      const photo = await sharp({ create: { width: 40, height: 50, channels: 3, background: p.colour } })
        .png()
        .toBuffer();
      await writeFile(join(t.imagesDir, `${p.sku}.png`), photo);
      await t.db.prisma.product.create({
        data: { sku: p.sku, title: p.title, priceCents: 999, categoryId: cat.id, imageUrl: `/images/${p.sku}.png` },
      });
    }
    const encoder = await loadImageEncoder(modelDir);
    try {
      expect(await embedProductImages(t.db, encoder, { imagesDir: t.imagesDir })).toMatchObject({
        model: 'tiny-clip@1',
        written: 3,
      });
    } finally {
      await encoder.release();
    }
  }, 60_000);

  afterAll(async () => {
    await t?.stop();
  });

  it('ranks the photo that matches a colour word first through the IMAGE retriever', async () => {
    for (const [query, sku] of [
      ['red', 'CLIP-A'],
      ['green', 'CLIP-B'],
      ['Yellow', 'CLIP-C'],
    ] as const) {
      const res = await t.gql<{ search: { totalCount: number; hits: Hit[] } }>(
        `query ($q: String!) { search(query: $q) { totalCount hits { retrievers { retriever rank } product { sku } } } }`,
        { q: query },
      );
      expect(res.errors).toBeUndefined();
      const top = res.data!.search.hits[0]!;
      expect(top.product.sku).toBe(sku);
      expect(top.retrievers).toContainEqual({ retriever: 'IMAGE', rank: 1 });
    }
  });

  it('adds no image list for words the text tower has no vector for, and none outside HYBRID', async () => {
    const res = await t.gql<{ a: { hits: Hit[] }; b: { hits: Hit[] } }>(
      `{ a: search(query: "canvas tote") { hits { retrievers { retriever rank } product { sku } } }
         b: search(query: "red", mode: LEXICAL) { hits { product { sku } } } }`,
    );
    expect(res.errors).toBeUndefined();
    const retrievers = res.data!.a.hits.flatMap((h) => h.retrievers.map((r) => r.retriever));
    expect(retrievers).toContain('LEXICAL');
    expect(retrievers).not.toContain('IMAGE');
    expect(res.data!.b.hits).toEqual([]);
  });

  it('serves searchByImage with the same model', async () => {
    const photo = await sharp({ create: { width: 30, height: 30, channels: 3, background: '#00c000' } })
      .jpeg()
      .toBuffer();
    const res = await t.gql<{ searchByImage: { encoder: string; hits: Hit[] } }>(
      `query ($image: String!) { searchByImage(imageBase64: $image, first: 1) { encoder hits { product { sku } } } }`,
      { image: photo.toString('base64') },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.searchByImage).toEqual({ encoder: 'tiny-clip@1', hits: [{ product: { sku: 'CLIP-B' } }] });
  });
});

afterAll(() => {
  vi.unstubAllEnvs();
  rmSync(modelDir, { recursive: true, force: true });
});
