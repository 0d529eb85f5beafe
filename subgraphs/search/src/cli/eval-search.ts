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

const { values: args } = parseArgs({
  options: {
    data: { type: 'string', default: resolve(import.meta.dirname, '../../../../../shared/data/products-with-images') },
    'max-queries': { type: 'string', default: '150' },
  },
});

interface Product {
  id: string;
  article: string;
  colour: string;
  gender: string | undefined;
}

/** Shopper words → the catalogue's article types they mean. */
const SHOPPER_WORDS: Record<string, string[]> = {
  sneakers: ['Casual Shoes', 'Sports Shoes'],
  sneaker: ['Casual Shoes', 'Sports Shoes'],
  trainers: ['Sports Shoes', 'Casual Shoes'],
  shoes: ['Casual Shoes', 'Sports Shoes', 'Formal Shoes'],
  shades: ['Sunglasses'],
  purse: ['Handbags', 'Clutches', 'Wallets'],
  purses: ['Handbags', 'Clutches', 'Wallets'],
  tee: ['Tshirts'],
  tees: ['Tshirts'],
  't-shirt': ['Tshirts'],
  'polo shirt': ['Tshirts'],
  joggers: ['Track Pants'],
  hoodie: ['Sweatshirts'],
  jumper: ['Sweaters'],
  denims: ['Jeans'],
  stilettos: ['Heels'],
  'high heels': ['Heels'],
  rucksack: ['Backpacks'],
  'school bag': ['Backpacks'],
  fragrance: ['Perfume and Body Mist', 'Deodorant'],
  scent: ['Perfume and Body Mist', 'Deodorant'],
  'wrist watch': ['Watches'],
  timepiece: ['Watches'],
  slippers: ['Flip Flops'],
  'flip-flops': ['Flip Flops'],
  billfold: ['Wallets'],
  frock: ['Dresses'],
  blouse: ['Tops'],
  'ethnic kurta': ['Kurtas'],
};

/** Shopper colour words → base colours. */
const COLOUR_WORDS: Record<string, string[]> = {
  black: ['Black'],
  white: ['White', 'Off White'],
  navy: ['Navy Blue'],
  blue: ['Blue', 'Navy Blue'],
  brown: ['Brown', 'Coffee Brown'],
  gray: ['Grey', 'Grey Melange'],
  grey: ['Grey', 'Grey Melange'],
  red: ['Red'],
  pink: ['Pink'],
  green: ['Green', 'Olive'],
  gold: ['Gold'],
  silver: ['Silver', 'Steel'],
};

const GENDER_WORDS: Record<string, { words: string[]; gender: string }> = {
  men: { words: ['men', "men's", 'mens', 'for men'], gender: 'Men' },
  women: { words: ['women', "women's", 'womens', 'for women', 'ladies'], gender: 'Women' },
};

function genderOf(title: string): string | undefined {
  const w = title.toLowerCase().split(/\s+/);
  if (w.includes('unisex')) return 'Unisex';
  if (w.includes('women') || w.includes("women's")) return 'Women';
  if (w.includes('men') || w.includes("men's")) return 'Men';
  if (w.includes('boys')) return 'Boys';
  if (w.includes('girls')) return 'Girls';
  return undefined;
}

interface LabelledQuery {
  text: string;
  kind: 'attributes' | 'shopper';
  relevant: Set<string>;
}

// A small deterministic hash, so the query sample is the same on every run.
const hash = (s: string) => {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
  return h;
};

function buildQueries(products: Product[], max: number): LabelledQuery[] {
  const rel = (articles: string[], colours?: string[], gender?: string) =>
    new Set(
      products
        .filter(
          (p) =>
            articles.includes(p.article) &&
            (!colours || colours.includes(p.colour)) &&
            (!gender || p.gender === gender || p.gender === 'Unisex'),
        )
        .map((p) => p.id),
    );
  const attribute: LabelledQuery[] = [];
  const combos = new Map<string, number>();
  for (const p of products) combos.set(`${p.article}|${p.colour}`, (combos.get(`${p.article}|${p.colour}`) ?? 0) + 1);
  for (const [key, n] of combos) {
    if (n < 3) continue;
    const [article, colour] = key.split('|') as [string, string];
    attribute.push({ text: `${colour} ${article}`, kind: 'attributes', relevant: rel([article], [colour]) });
    for (const g of ['Men', 'Women']) {
      const r = rel([article], [colour], g);
      if (r.size >= 3) attribute.push({ text: `${g} ${colour} ${article}`, kind: 'attributes', relevant: r });
    }
  }
  const shopper: LabelledQuery[] = [];
  for (const [word, articles] of Object.entries(SHOPPER_WORDS)) {
    const forms: { text: string; relevant: Set<string> }[] = [{ text: word, relevant: rel(articles) }];
    for (const [cw, colours] of Object.entries(COLOUR_WORDS)) {
      forms.push({ text: `${cw} ${word}`, relevant: rel(articles, colours) });
      for (const { words, gender } of Object.values(GENDER_WORDS)) {
        const gw = words[hash(word + cw + gender) % words.length]!;
        const text = gw.startsWith('for ') ? `${cw} ${word} ${gw}` : `${gw} ${cw} ${word}`;
        forms.push({ text, relevant: rel(articles, colours, gender) });
      }
    }
    for (const { words, gender } of Object.values(GENDER_WORDS))
      forms.push({ text: `${word} for ${words[0]}`, relevant: rel(articles, undefined, gender) });
    for (const f of forms) if (f.relevant.size >= 3) shopper.push({ ...f, kind: 'shopper' });
  }
  const sample = (qs: LabelledQuery[]) => qs.sort((a, b) => hash(a.text) - hash(b.text)).slice(0, max);
  return [...sample(attribute), ...sample(shopper)];
}

function metrics(ranked: string[], relevant: Set<string>) {
  const top = ranked.slice(0, 10);
  let dcg = 0;
  let hits = 0;
  top.forEach((id, i) => {
    if (relevant.has(id)) {
      dcg += 1 / Math.log2(i + 2);
      hits++;
    }
  });
  let idcg = 0;
  for (let i = 0; i < Math.min(10, relevant.size); i++) idcg += 1 / Math.log2(i + 2);
  return { ndcg: idcg ? dcg / idcg : 0, recall: hits / Math.min(10, relevant.size) };
}

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

await main();
