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
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { config } from '@recgraph/config';
import { importCatalog } from '@recgraph/data';
import { openDatabase } from '@recgraph/db';
import { chooseTextEncoder, generateProductEmbeddings } from '@recgraph/embeddings';
import { DEFAULT_FUSION, fuse, fusionFor, type FusionOptions, type RankedList } from '../fusion.ts';
import { QueryEncoder, semanticSearch } from '../semantic.ts';
import { lexicalSearch, type MatchMode } from '../textSearch.ts';
import { buildQueries, genderOf, hash, metrics, type Product } from './eval-queries.ts';

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

    // Every query's lists once; fusion is pure, so its settings are compared on the same lists.
    const depth = 100;
    const runs: {
      q: (typeof queries)[number];
      plain: string[];
      lexical: RankedList;
      mode: MatchMode;
      semantic: RankedList;
    }[] = [];
    for (const q of queries) {
      const plain = await lexicalSearch(db.prisma, q.text, {}, depth, { synonyms: false });
      const lexical = await lexicalSearch(db.prisma, q.text, {}, depth);
      const semantic = await semanticSearch(db.prisma, encoder, q.text, {}, depth, -1);
      runs.push({
        q,
        plain: plain.hits.map((h) => h.id),
        lexical: { retriever: 'LEXICAL', hits: lexical.hits },
        mode: lexical.mode,
        semantic: { retriever: 'SEMANTIC', hits: semantic.hits },
      });
    }
    await encoder.release();
    if (args.dump)
      writeFileSync(
        args.dump,
        JSON.stringify(
          runs.map((r) => ({
            text: r.q.text,
            kind: r.q.kind,
            relevant: [...r.q.relevant],
            mode: r.mode,
            lexical: r.lexical.hits,
            semantic: r.semantic.hits,
          })),
        ),
      );
    const fusedIds = (r: (typeof runs)[number], o: FusionOptions) =>
      fuse([r.lexical, r.semantic], fusionFor(o, r.mode)).map((h) => h.id);

    // Fusion settings chosen on a validation half of the queries (by a hash of the text), reported on the other.
    const validation = runs.filter((r) => hash(`split:${r.q.text}`) % 2 === 0);
    const heldOut = runs.filter((r) => hash(`split:${r.q.text}`) % 2 === 1);
    const meanNdcg = (rs: typeof runs, o: FusionOptions) =>
      rs.reduce((sum, r) => sum + metrics(fusedIds(r, o), r.q.relevant).ndcg, 0) / rs.length;
    let tuned: FusionOptions = DEFAULT_FUSION;
    let bestValidation = -1;
    for (const k of [10, 30, 60, 100])
      for (const lexicalWeight of [0.5, 1, 1.5, 2, 3])
        for (const partialLexical of [1, 0.5, 0.25, 0.1, 0]) {
          const o: FusionOptions = { k, weights: { LEXICAL: lexicalWeight, SEMANTIC: 1 }, partialLexical };
          const v = meanNdcg(validation, o);
          if (v > bestValidation + 1e-9) [bestValidation, tuned] = [v, o];
        }
    const tunedLabel = `fused (RRF k=${tuned.k}, lexical ×${tuned.weights.LEXICAL}, ×${tuned.partialLexical} when partial)`;

    const systems = ['lexical (no synonyms)', 'lexical', 'semantic', 'fused (RRF k=60)', tunedLabel] as const;
    const listsOf = (r: (typeof runs)[number]): Record<string, string[]> => ({
      'lexical (no synonyms)': r.plain,
      lexical: r.lexical.hits.map((h) => h.id),
      semantic: r.semantic.hits.map((h) => h.id),
      'fused (RRF k=60)': fusedIds(r, DEFAULT_FUSION),
      [tunedLabel]: fusedIds(r, tuned),
    });
    const table = (label: string, rs: typeof runs) => {
      const lines: string[] = [];
      const means: Record<string, number> = {};
      for (const sys of systems) {
        let ndcg = 0;
        let recall = 0;
        for (const r of rs) {
          const m = metrics(listsOf(r)[sys]!, r.q.relevant);
          ndcg += m.ndcg;
          recall += m.recall;
        }
        means[sys] = ndcg / rs.length;
        lines.push(
          `| ${label} (${rs.length}) | ${sys} | ${(ndcg / rs.length).toFixed(3)} | ${(recall / rs.length).toFixed(3)} |`,
        );
      }
      return { lines, means };
    };

    const n = (kind: string) => queries.filter((q) => kind === 'all' || q.kind === kind).length;
    console.log(
      `\n${queries.length} labelled queries (${n('attributes')} from attributes, ${n('shopper')} in shoppers' words); encoder ${emb.text.model}`,
    );
    console.log(
      `fusion chosen on the validation half (${validation.length} queries, nDCG@10 ${bestValidation.toFixed(3)}): k ${tuned.k}, LEXICAL weight ${tuned.weights.LEXICAL}, SEMANTIC 1, partial-match lexical ×${tuned.partialLexical} (SEARCH_RRF_K, SEARCH_WEIGHT_LEXICAL, SEARCH_WEIGHT_LEXICAL_PARTIAL)\n`,
    );
    console.log('| queries | system | nDCG@10 | Recall@10 |');
    console.log('| --- | --- | --- | --- |');
    for (const [label, rs] of [
      ['attributes', runs.filter((r) => r.q.kind === 'attributes')],
      ["shoppers' words", runs.filter((r) => r.q.kind === 'shopper')],
      ['all', runs],
    ] as const)
      console.log(table(label, rs).lines.join('\n'));
    const held = table('held-out half', heldOut);
    console.log(held.lines.join('\n'));
    const best = Math.max(held.means.lexical!, held.means.semantic!);
    console.log(
      `\non the held-out half: fused (RRF k=60) / max(lexical, semantic) = ${(held.means['fused (RRF k=60)']! / best).toFixed(3)}; tuned fusion / max = ${(held.means[tunedLabel]! / best).toFixed(3)} (target ≥ 1.1); ${((performance.now() - started) / 1000).toFixed(0)}s in all`,
    );
  } finally {
    await db.close();
  }
}

if (args.image) await import('./eval-image-search.ts');
else await main();
