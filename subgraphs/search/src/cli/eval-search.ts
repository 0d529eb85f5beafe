/**
 * `npm run eval:search` — text-search relevance on the fashion catalogue in
 * ../shared/data/products-with-images (or --data <dir>): imports it into an in-memory
 * embedded Postgres with the catalogue importer, TEXT-embeds it with the encoder search
 * uses (TEXT_ENCODER_DIR, else the fetched all-MiniLM-L6-v2, else the built-in one), builds
 * labelled queries from the catalogue's attributes and in shoppers' words, and prints
 * nDCG@10 and Recall@10 for lexical-only, semantic-only and fused retrieval.
 *
 * Relevance is binary and comes from the attributes, never from the text the retrievers
 * read: a product is relevant when its article type is one the query names (through the
 * shopper vocabulary below), its base colour is the query's colour and its title's gender
 * word is the query's gender (Unisex counts for either), when the query has them.
 * Recall@10 is capped: hits in the top 10 / min(10, relevant).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { config } from '@recgraph/config';
import { importCatalog } from '@recgraph/data';
import { openDatabase } from '@recgraph/db';
import { chooseTextEncoder, generateProductEmbeddings } from '@recgraph/embeddings';
import { fuse, DEFAULT_FUSION } from '../fusion.ts';
import { QueryEncoder, semanticSearch } from '../semantic.ts';
import { lexicalSearch } from '../textSearch.ts';
import { buildQueries, genderOf, metrics, type Product } from './eval-queries.ts';

const { values: args } = parseArgs({
  options: {
    data: { type: 'string', default: resolve(import.meta.dirname, '../../../../../shared/data/products-with-images') },
    'max-queries': { type: 'string', default: '150' },
    dump: { type: 'string' },
    // --image: image search instead (eval-image-search.ts, which reads its own options).
    image: { type: 'boolean' },
    model: { type: 'string' },
    chart: { type: 'string' },
  },
});

async function main() {
  const data = resolve(args.data!);
  const file = join(data, 'products.csv');
  if (!existsSync(file)) throw new Error(`${file} not found (pass --data <products-with-images dir>)`);
  const cfg = config();
  const started = performance.now();
  const db = await openDatabase({});
  try {
    const report = await importCatalog(db, { file });
    console.log(`imported ${report.written.products?.inserted ?? 0} products (${report.seconds}s)`);
    const choice = chooseTextEncoder(cfg.TEXT_ENCODER_DIR);
    console.log(`text encoder: ${choice.reason}`);
    const t0 = performance.now();
    const emb = await generateProductEmbeddings(db, {
      ...(choice.dir ? { textEncoderDir: choice.dir } : {}),
      provider: cfg.EMBEDDINGS_PROVIDER,
      batchSize: 64,
      onProgress: (_s, done, total) => {
        if (done % 2048 < 64 || done === total) process.stdout.write(`\rembedding ${done}/${total}`);
      },
    });
    const secs = (performance.now() - t0) / 1000;
    console.log(`\n${emb.text.model}: ${emb.text.written} products in ${secs.toFixed(1)}s`);

    const { rows } = await db.pool.query<{ id: string; title: string; attributes: Record<string, string> }>(
      'SELECT id, title, attributes FROM products',
    );
    const products: Product[] = rows.map((r) => ({
      id: r.id,
      article: r.attributes.articleType ?? '',
      colour: r.attributes.colour ?? '',
      gender: genderOf(r.title),
    }));
    const queries = buildQueries(products, Number(args['max-queries']));
    const encoder = new QueryEncoder({ ...(choice.dir ? { textEncoderDir: choice.dir } : {}), minSimilarity: -1 });

    const systems = ['lexical (no synonyms)', 'lexical', 'semantic', 'fused (RRF k=60)'] as const;
    const sums = new Map<string, { ndcg: number; recall: number; n: number }>();
    const add = (key: string, m: { ndcg: number; recall: number }) => {
      const s = sums.get(key) ?? { ndcg: 0, recall: 0, n: 0 };
      s.ndcg += m.ndcg;
      s.recall += m.recall;
      s.n++;
      sums.set(key, s);
    };
    const depth = 100;
    const dump: unknown[] = [];
    for (const q of queries) {
      const plain = await lexicalSearch(db.prisma, q.text, {}, depth, { synonyms: false });
      const lexical = await lexicalSearch(db.prisma, q.text, {}, depth);
      const semantic = await semanticSearch(db.prisma, encoder, q.text, {}, depth, -1);
      const fused = fuse(
        [
          { retriever: 'LEXICAL', hits: lexical.hits },
          { retriever: 'SEMANTIC', hits: semantic.hits },
        ],
        DEFAULT_FUSION,
      );
      if (args.dump)
        dump.push({
          text: q.text,
          kind: q.kind,
          relevant: [...q.relevant],
          lexical: lexical.hits,
          semantic: semantic.hits,
        });
      const lists: Record<(typeof systems)[number], string[]> = {
        'lexical (no synonyms)': plain.hits.map((h) => h.id),
        lexical: lexical.hits.map((h) => h.id),
        semantic: semantic.hits.map((h) => h.id),
        'fused (RRF k=60)': fused.map((h) => h.id),
      };
      for (const s of systems) {
        const m = metrics(lists[s], q.relevant);
        add(`${q.kind}|${s}`, m);
        add(`all|${s}`, m);
      }
    }
    await encoder.release();
    if (args.dump) (await import('node:fs')).writeFileSync(args.dump, JSON.stringify(dump));

    const n = (kind: string) => queries.filter((q) => kind === 'all' || q.kind === kind).length;
    console.log(
      `\n${queries.length} labelled queries (${n('attributes')} from attributes, ${n('shopper')} in shoppers' words); encoder ${emb.text.model}\n`,
    );
    console.log('| queries | system | nDCG@10 | Recall@10 |');
    console.log('| --- | --- | --- | --- |');
    for (const kind of ['attributes', 'shopper', 'all'])
      for (const s of systems) {
        const v = sums.get(`${kind}|${s}`)!;
        console.log(
          `| ${kind === 'all' ? 'all' : kind === 'shopper' ? "shoppers' words" : 'attributes'} (${n(kind)}) | ${s} | ${(v.ndcg / v.n).toFixed(3)} | ${(v.recall / v.n).toFixed(3)} |`,
        );
      }
    const all = (s: string) => sums.get(`all|${s}`)!.ndcg / sums.get(`all|${s}`)!.n;
    const best = Math.max(all('lexical'), all('semantic'));
    console.log(
      `\nfused / max(lexical, semantic) nDCG@10 = ${(all('fused (RRF k=60)') / best).toFixed(3)} (target ≥ 1.1); ${((performance.now() - started) / 1000).toFixed(0)}s in all`,
    );
  } finally {
    await db.close();
  }
}

if (args.image) await import('./eval-image-search.ts');
else await main();
