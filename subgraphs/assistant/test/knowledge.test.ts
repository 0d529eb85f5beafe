import { cpSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '@recgraph/db';
import { chooseTextEncoder, DEFAULT_TEXT_ENCODER_DIR, openTextEncoder, type TextEncoder } from '@recgraph/embeddings';
import { forEachBackend } from '../../../packages/data/test/fixtures/backends.ts';
import {
  CHUNK_OVERLAP,
  CHUNK_SIZE,
  chunkDocument,
  createKnowledgeIndexer,
  createKnowledgeRetriever,
  KnowledgeDocumentError,
  parseStoreDocument,
  readStoreDocuments,
  SHIPPED_KNOWLEDGE_DIR,
  splitBody,
  type ClosableKnowledgeRetriever,
  type KnowledgeIndexer,
} from '../src/knowledge/index.ts';

/**
 * The knowledge base on embedded PGlite and the real Postgres server: the shipped store
 * documents and product documents (description, specs, reviews) indexed with the search
 * issue's text encoder, hybrid retrieval with its filters, idempotent re-indexing, edits,
 * archiving and removed document files. The bus path is in knowledge-bus.test.ts.
 */

describe('chunking', () => {
  const sentences = Array.from({ length: 40 }, (_, i) => `Sentence ${i + 1} talks about item number ${i + 1}.`);

  it('splits a long body into overlapping pieces no longer than the chunk size', async () => {
    const pieces = await splitBody(sentences.join(' '));
    expect(pieces.length).toBeGreaterThan(3);
    for (const p of pieces) expect(p.length).toBeLessThanOrEqual(CHUNK_SIZE);
    for (let i = 1; i < pieces.length; i++) {
      // The next piece starts inside the previous one: its end is repeated.
      const tail = pieces[i - 1]!.slice(-Math.floor(CHUNK_OVERLAP / 3));
      expect(pieces[i], `piece ${i} repeats the end of piece ${i - 1}`).toContain(tail);
    }
    // Nothing is lost: every sentence is whole in some piece.
    for (const s of sentences) expect(pieces.some((p) => p.includes(s))).toBe(true);
  });

  it('prefixes every chunk with the document title and splits markdown at headings', async () => {
    const chunks = await chunkDocument(
      'Returns & refunds',
      `## Window\n${'a '.repeat(200)}\n\n## Refunds\nMoney back.`,
    );
    expect(chunks.every((c) => c.startsWith('Returns & refunds\n\n'))).toBe(true);
    expect(chunks.at(-1)).toContain('## Refunds\nMoney back.');
  });

  it('reads store documents with a front matter and rejects malformed ones clearly', () => {
    expect(parseStoreDocument('---\nkey: returns\ntitle: "Returns"\n---\nBody', 'r.md')).toEqual({
      key: 'policy:returns',
      kind: 'POLICY',
      title: 'Returns',
      body: 'Body',
      productId: null,
    });
    expect(() => parseStoreDocument('no front matter', 'x.md')).toThrow(/x\.md: expected a front matter/);
    expect(() => parseStoreDocument('---\nkey: Bad Key\ntitle: T\n---\nBody', 'y.md')).toThrow(/y\.md: key must be/);
    expect(() => parseStoreDocument('---\nkey: ok\n---\nBody', 'z.md')).toThrow(/z\.md: title/);
    expect(() => parseStoreDocument('---\nkey: ok\ntitle: T\n---\n  ', 'e.md')).toThrow(KnowledgeDocumentError);
  });

  it('ships the store documents the issue lists', () => {
    const keys = readStoreDocuments(SHIPPED_KNOWLEDGE_DIR).map((d) => d.key);
    expect(keys).toEqual(
      expect.arrayContaining([
        'policy:returns',
        'policy:shipping',
        'policy:exchanges-sizing',
        'policy:warranty-damaged',
        'policy:payment',
        'policy:orders',
        'policy:privacy',
        'policy:gift-cards-promotions',
        'policy:care',
        'policy:contact',
        'policy:faq',
      ]),
    );
  });
});

let encoder: TextEncoder;
beforeAll(async () => {
  // The search issue's encoder (all-MiniLM-L6-v2, fetched by npm run infra:up; required under CI).
  if (process.env.CI) expect(chooseTextEncoder(undefined).dir).toBe(DEFAULT_TEXT_ENCODER_DIR);
  const real = await openTextEncoder(chooseTextEncoder(undefined), { threads: 1 });
  // The real encoder, remembering what it encoded: the second backend indexes the same texts,
  // and the suite's time goes to the database rather than to encoding them twice.
  const seen = new Map<string, Float32Array>();
  encoder = {
    ...real,
    async encodePassages(texts) {
      const missing = [...new Set(texts.filter((t) => !seen.has(t)))];
      (await real.encodePassages(missing)).forEach((v, i) => seen.set(missing[i]!, v));
      return texts.map((t) => seen.get(t)!);
    },
  };
}, 60_000);
afterAll(async () => {
  await encoder?.release();
});

const JACKET_DESCRIPTION = [
  'A three-layer shell for long days on the hill.',
  'The recycled nylon face fabric is treated with a PFC-free water-repellent finish, and every seam is taped.',
  'Pit zips dump heat on steep climbs; the helmet-compatible hood adjusts with one hand.',
  'Two hand pockets sit above a hip belt, and a chest pocket holds a phone or a map.',
  'It packs into its own pocket and weighs 390 g in size M.',
  'Cut for layering over a fleece, with a dropped hem at the back.',
].join(' ');

await forEachBackend('knowledge base', (open) => {
  let db: Database;
  let dir: string;
  let indexer: KnowledgeIndexer;
  let retriever: ClosableKnowledgeRetriever;
  let jacket: string;
  let sweater: string;

  beforeAll(async () => {
    db = await open();
    dir = mkdtempSync(join(tmpdir(), 'knowledge-docs-'));
    cpSync(SHIPPED_KNOWLEDGE_DIR, dir, { recursive: true });
    const apparel = await db.prisma.category.create({ data: { slug: 'apparel', name: 'Apparel', path: 'apparel' } });
    const outerwear = await db.prisma.category.create({
      data: { slug: 'outerwear', name: 'Outerwear', path: 'apparel/outerwear', depth: 1, parentId: apparel.id },
    });
    jacket = (
      await db.prisma.product.create({
        data: {
          sku: 'JKT-1',
          title: 'Stormline Waterproof Hiking Jacket',
          brand: 'Northpeak',
          description: JACKET_DESCRIPTION,
          categoryId: outerwear.id,
          priceCents: 18900,
          attributes: { colour: 'Forest Green', material: 'recycled nylon', fit: 'regular', colourHex: '#228b22' },
          reviews: {
            create: [
              {
                rating: 5,
                title: 'Bombproof',
                body: 'The hood stayed put in gale-force wind on Ben Nevis and no seam leaked.',
              },
              { rating: 3, title: 'Runs small', body: 'Lovely jacket but it runs a size small, order one size up.' },
            ],
          },
        },
      })
    ).id;
    sweater = (
      await db.prisma.product.create({
        data: {
          sku: 'SWT-1',
          title: 'Merino Crew Sweater',
          brand: 'Fold',
          description: 'Fine-gauge merino wool crew neck, soft enough to wear next to the skin.',
          categoryId: apparel.id,
          priceCents: 8900,
          attributes: { colour: 'Oatmeal', material: 'merino wool' },
          reviews: {
            create: [{ rating: 4, body: 'Not itchy at all, and it survived the wool cycle without shrinking.' }],
          },
        },
      })
    ).id;
    indexer = createKnowledgeIndexer({ db, encoder, documentsDir: dir });
    retriever = createKnowledgeRetriever({ db, encoder });
    expect(await indexer.syncStoreDocuments()).toMatchObject({ written: 11, removed: 0 });
    expect(await indexer.indexProducts([jacket, sweater])).toMatchObject({ written: 6, removed: 0 });
  }, 120_000);

  afterAll(async () => {
    await indexer?.stop();
    await retriever?.close();
    await db?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('stores chunks with their encoder, vector, kind, product and a lexical document', async () => {
    const rows = await db.prisma.$queryRaw<
      { kind: string; product_id: string | null; model: string; dims: number; lexical: boolean }[]
    >`
      SELECT kind::text, product_id::text, model, vector_dims(embedding) AS dims, search_vector IS NOT NULL AS lexical
      FROM knowledge_chunks`;
    expect(rows.length).toBeGreaterThan(11 + 6);
    for (const r of rows) expect(r).toMatchObject({ model: encoder.model, dims: encoder.dims, lexical: true });
    expect(new Set(rows.filter((r) => r.product_id === jacket).map((r) => r.kind))).toEqual(
      new Set(['PRODUCT_DESCRIPTION', 'PRODUCT_SPECS', 'REVIEW']),
    );
    const specs = await db.prisma.knowledgeDocument.findUniqueOrThrow({ where: { key: `product:${jacket}:specs` } });
    expect(specs.body, JSON.stringify(specs.body)).toBe(
      'brand: Northpeak\ncategory: Apparel > Outerwear\ncolour: Forest Green\nfit: regular\nmaterial: recycled nylon',
    );
    // The policy queries the assistant already served read the same rows.
    expect(await db.prisma.knowledgeDocument.count({ where: { kind: 'POLICY' } })).toBe(11);
  });

  it('answers a returns question with the returns policy first', async () => {
    const hits = await retriever.retrieve('how long do I have to return something', { k: 5 });
    expect(hits[0]).toMatchObject({
      documentKey: 'policy:returns',
      kind: 'POLICY',
      title: 'Returns & refunds',
      productId: null,
    });
    expect(hits[0]!.content).toMatch(/30 days/);
    expect(hits[0]!.retrievers.map((r) => r.retriever).sort()).toEqual(['LEXICAL', 'SEMANTIC']);
    for (let i = 1; i < hits.length; i++) expect(hits[i]!.score).toBeLessThanOrEqual(hits[i - 1]!.score);
    expect((await retriever.retrieve('what does express delivery cost?', { k: 3 }))[0]?.documentKey).toBe(
      'policy:shipping',
    );
  });

  it("finds what a product's review says, for that product", async () => {
    const anywhere = await retriever.retrieve('does the hood stay on in strong wind', { k: 5 });
    expect(anywhere.map((h) => h.documentKey)).toContain(`product:${jacket}:reviews`);
    const reviews = await retriever.retrieve('does it run small or large?', {
      productIds: [jacket],
      kinds: ['REVIEW'],
    });
    expect(reviews[0]).toMatchObject({ documentKey: `product:${jacket}:reviews`, kind: 'REVIEW', productId: jacket });
    expect(reviews[0]!.content).toMatch(/runs a size small/);
  });

  it('filters by kinds and products', async () => {
    const policies = await retriever.retrieve('wool', { kinds: ['POLICY'], k: 10 });
    expect(policies.length).toBeGreaterThan(0);
    expect(policies.every((h) => h.kind === 'POLICY' && h.productId === null)).toBe(true);
    const sweaterOnly = await retriever.retrieve('wool', { productIds: [sweater], k: 10 });
    expect(sweaterOnly.length).toBeGreaterThan(0);
    expect(sweaterOnly.every((h) => h.productId === sweater)).toBe(true);
    const specs = await retriever.retrieve('what is it made of', {
      productIds: [jacket, sweater],
      kinds: ['PRODUCT_SPECS'],
    });
    expect(new Set(specs.map((h) => h.documentKey))).toEqual(
      new Set([`product:${jacket}:specs`, `product:${sweater}:specs`]),
    );
    expect(await retriever.retrieve('wool', { kinds: [] })).toEqual([]);
    // One chunk per document: the five hits name five documents.
    const distinct = await retriever.retrieve('returns refunds exchanges delivery', { k: 5, maxPerDocument: 1 });
    expect(distinct).toHaveLength(5);
    expect(new Set(distinct.map((h) => h.documentId)).size).toBe(5);
  });

  it('rejects bad input with BAD_USER_INPUT', async () => {
    for (const [query, options] of [
      ['   ', {}],
      ['x'.repeat(2001), {}],
      ['returns', { k: 0 }],
      ['returns', { k: 51 }],
      ['returns', { kinds: ['BOGUS'] }],
      ['returns', { productIds: ['not-a-uuid'] }],
      ['returns', { maxPerDocument: 0 }],
    ] as const)
      await expect(retriever.retrieve(query, options as never)).rejects.toMatchObject({
        extensions: { code: 'BAD_USER_INPUT' },
      });
  });

  it('re-indexes idempotently: unchanged documents keep their chunks, an edit replaces them', async () => {
    const chunkIds = async () =>
      (
        await db.prisma.knowledgeChunk.findMany({
          where: { productId: jacket },
          select: { id: true },
          orderBy: { id: 'asc' },
        })
      ).map((c) => c.id);
    const before = await chunkIds();
    expect(await indexer.indexProducts([jacket])).toEqual({ written: 0, unchanged: 3, removed: 0 });
    expect(await chunkIds()).toEqual(before);

    await db.prisma.product.update({
      where: { id: jacket },
      data: { description: 'Now with a two-way front zip and reflective trim for night hikes.', attributes: {} },
    });
    expect(await indexer.indexProducts([jacket])).toEqual({ written: 2, unchanged: 1, removed: 0 });
    const description = await db.prisma.knowledgeDocument.findUniqueOrThrow({
      where: { key: `product:${jacket}:description` },
      include: { chunks: true },
    });
    expect(description.chunks.map((c) => c.content)).toEqual([
      'Stormline Waterproof Hiking Jacket (description)\n\nNow with a two-way front zip and reflective trim for night hikes.',
    ]);
    const hits = await retriever.retrieve('reflective trim for night', { productIds: [jacket] });
    expect(hits[0]?.documentKey).toBe(`product:${jacket}:description`);
  });

  it("removes an archived product's documents", async () => {
    await db.prisma.product.update({ where: { id: sweater }, data: { status: 'ARCHIVED' } });
    expect(await indexer.indexProducts([sweater])).toEqual({ written: 0, unchanged: 0, removed: 3 });
    expect(await db.prisma.knowledgeChunk.count({ where: { productId: sweater } })).toBe(0);
    expect(await retriever.retrieve('merino', { productIds: [sweater] })).toEqual([]);
  });

  it('follows the documents directory: an edited file is re-indexed, a removed one removed, a broken one changes nothing', async () => {
    writeFileSync(join(dir, 'bad.md'), 'no front matter');
    await expect(indexer.syncStoreDocuments()).rejects.toThrow(/bad\.md: expected a front matter/);
    // The periodic sweep logs it and goes on with the products.
    expect(await indexer.sweep()).toEqual({ written: 0, unchanged: 0, removed: 0 });
    expect(await db.prisma.knowledgeDocument.count({ where: { kind: 'POLICY' } })).toBe(11);
    unlinkSync(join(dir, 'bad.md'));

    // A product with nothing to say has no documents and is found stale by every sweep: it must not stall one.
    await db.prisma.product.create({ data: { sku: 'BARE-1', title: 'Bare', priceCents: 100 } });
    unlinkSync(join(dir, 'care.md'));
    writeFileSync(
      join(dir, 'returns.md'),
      '---\nkey: returns\ntitle: Returns & refunds\n---\nReturn anything within 60 days of delivery for a full refund.\n',
    );
    expect(await indexer.sweep()).toMatchObject({ written: 1, unchanged: 9, removed: 1 });
    expect(await db.prisma.knowledgeDocument.findUnique({ where: { key: 'policy:care' } })).toBeNull();
    expect(
      await db.prisma.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM knowledge_chunks WHERE content LIKE 'Care instructions%'`,
    ).toEqual([{ n: 0 }]);
    const hits = await retriever.retrieve('how long do I have to return something', { kinds: ['POLICY'] });
    expect(hits[0]!.content).toMatch(/60 days/);
    // Nothing changed since: the sweep does nothing.
    expect(await indexer.sweep()).toEqual({ written: 0, unchanged: 0, removed: 0 });
  });
});
