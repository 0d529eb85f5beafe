/**
 * The labelled queries of `npm run eval:search` and its metrics (see eval-search.ts):
 * built from the catalogue's attributes and in shoppers' words; relevance from the
 * attributes, never from the text the retrievers read.
 */
export interface Product {
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

export function genderOf(title: string): string | undefined {
  const w = title.toLowerCase().split(/\s+/);
  if (w.includes('unisex')) return 'Unisex';
  if (w.includes('women') || w.includes("women's")) return 'Women';
  if (w.includes('men') || w.includes("men's")) return 'Men';
  if (w.includes('boys')) return 'Boys';
  if (w.includes('girls')) return 'Girls';
  return undefined;
}

export interface LabelledQuery {
  text: string;
  kind: 'attributes' | 'shopper';
  relevant: Set<string>;
}

// A small deterministic hash, so the query sample is the same on every run.
export const hash = (s: string) => {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
  return h;
};

export function buildQueries(products: Product[], max: number): LabelledQuery[] {
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

export function metrics(ranked: string[], relevant: Set<string>) {
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
