// The built-in responder: drives the agent's graph with no language model. Intent
// comes from the shopper's message (intent.ts), tool calls from the intent, and the
// answer from templates over the tools' results and the retrieved policies, citing
// exactly the products and documents it shows.
import type { RetrievedChunk } from '../knowledge/types.ts';
import type { CitedDocument } from './types.ts';
import type { Intent, ProductRef, SearchIntent } from './intent.ts';
import type { CartView, ProductCard, ProductDetails } from './services.ts';
import type { ToolArtifact, ToolName } from './tools.ts';

/** A tool call this turn and what came of it. */
export interface TurnToolResult {
  tool: string;
  args: Record<string, unknown>;
  ok: boolean;
  artifact?: ToolArtifact;
  error?: string;
}

/** What the thread remembers between turns, for follow-ups. */
export interface ThreadMemory {
  /** The products of the last list shown, in the order shown ("the second one"). */
  shown: ProductCard[];
  /** The product last talked about ("it"). */
  focus: string | null;
  /** Products seen in this thread (newest first, bounded), to resolve names. */
  known: ProductCard[];
  /** The last search, for "cheaper". */
  lastSearch: SearchIntent | null;
}

export interface BuiltinInput {
  intent: Intent;
  memory: ThreadMemory;
  results: TurnToolResult[];
  retrieved: RetrievedChunk[];
  allowed: ReadonlySet<ToolName>;
  question: string;
}

export interface PlannedCall {
  name: ToolName;
  args: Record<string, unknown>;
}

export interface ComposedAnswer {
  answer: string;
  productIds: string[];
  documents: CitedDocument[];
  followUps: string[];
  memory: Partial<ThreadMemory>;
}

export type BuiltinStep = { calls: PlannedCall[] } | { answer: ComposedAnswer };

const money = (p: ProductCard) =>
  p.price.currency === 'USD' ? `$${p.price.amount}` : `${p.price.amount} ${p.price.currency}`;
const amount = (n: number) => `$${n.toFixed(2).replace(/\.00$/, '')}`;
const rating = (p: ProductCard) =>
  p.rating?.count && p.rating.average !== null
    ? `, rated ${p.rating.average.toFixed(1)}/5 (${p.rating.count} review${p.rating.count === 1 ? '' : 's'})`
    : '';
const line = (p: ProductCard, i: number) =>
  `${i + 1}. ${p.title}${p.brand ? ` by ${p.brand}` : ''}: ${money(p)}${rating(p)}${
    p.availability === 'OUT_OF_STOCK' ? ' (out of stock)' : p.availability === 'LOW_STOCK' ? ' (only a few left)' : ''
  }${p.reason ? ` (${p.reason})` : ''}`;

const words = (s: string) => (s.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).map((w) => w.replace(/(es|s)$/, ''));

/** The known product whose title best matches a name (most of the name's words in its title). */
export function matchByName(name: string, products: readonly ProductCard[]): ProductCard | undefined {
  const want = new Set(words(name));
  if (want.size === 0) return undefined;
  let best: { p: ProductCard; score: number } | undefined;
  for (const p of products) {
    const have = new Set(words(`${p.title} ${p.brand ?? ''}`));
    const hits = [...want].filter((w) => have.has(w)).length;
    const score = hits / want.size;
    if (score >= 0.6 && (!best || score > best.score)) best = { p, score };
  }
  return best?.p;
}

type Resolved = { product: ProductCard } | { search: string } | { missing: string };

function resolve(ref: ProductRef, memory: ThreadMemory, results: TurnToolResult[]): Resolved {
  const shown = memory.shown;
  switch (ref.kind) {
    case 'ordinal': {
      const p = shown[ref.index - 1];
      return p
        ? { product: p }
        : {
            missing: shown.length
              ? `I only listed ${shown.length} product${shown.length === 1 ? '' : 's'}.`
              : "I haven't shown you any products yet in this conversation.",
          };
    }
    case 'last': {
      const p = shown[shown.length - 1];
      return p ? { product: p } : { missing: "I haven't shown you any products yet in this conversation." };
    }
    case 'focus': {
      const p = memory.known.find((k) => k.id === memory.focus) ?? shown[0];
      return p ? { product: p } : { missing: 'Which product do you mean? Tell me its name.' };
    }
    case 'name': {
      const known = matchByName(ref.name, [...shown, ...memory.known]);
      if (known) return { product: known };
      const searched = results.find((r) => r.tool === 'search_products' && r.args.query === ref.name);
      if (!searched) return { search: ref.name };
      const hit = searched.artifact?.products[0];
      return hit ? { product: hit } : { missing: `I couldn't find a product called "${ref.name}".` };
    }
  }
}

/** Resolves every ref, or says which searches to run first (all at once), or what is missing. */
function resolveAll(
  refs: ProductRef[],
  memory: ThreadMemory,
  results: TurnToolResult[],
): { products: ProductCard[] } | { calls: PlannedCall[] } | { missing: string } {
  const products: ProductCard[] = [];
  const calls: PlannedCall[] = [];
  for (const ref of refs) {
    const r = resolve(ref, memory, results);
    if ('missing' in r) return r;
    if ('search' in r) calls.push({ name: 'search_products', args: { query: r.search, first: 1 } });
    else products.push(r.product);
  }
  return calls.length ? { calls } : { products };
}

const resultOf = (results: TurnToolResult[], tool: ToolName) => [...results].reverse().find((r) => r.tool === tool);

const plain = (answer: string, followUps: string[] = [], memory: Partial<ThreadMemory> = {}): BuiltinStep => ({
  answer: { answer, productIds: [], documents: [], followUps, memory },
});

const failed = (r: TurnToolResult, what: string): BuiltinStep =>
  plain(`Sorry, I couldn't ${what} just now (${r.error ?? 'the service did not answer'}). Please try again.`);

const LIST_FOLLOW_UPS = ['Compare the first two', 'Show me something cheaper', 'Tell me more about the first one'];

function listAnswer(
  intro: string,
  products: ProductCard[],
  outro: string,
  followUps: string[],
  memory: Partial<ThreadMemory> = {},
): BuiltinStep {
  return {
    answer: {
      answer: `${intro}\n${products.map(line).join('\n')}${outro ? `\n${outro}` : ''}`,
      productIds: products.map((p) => p.id),
      documents: [],
      followUps,
      memory: { shown: products, focus: products[0]?.id ?? null, ...memory },
    },
  };
}

function describeSearch(s: SearchIntent): string {
  const parts: string[] = [];
  if (s.query) parts.push(`"${s.query}"`);
  if (s.brands?.length) parts.push(`by ${s.brands.join(' or ')}`);
  if (s.minPrice !== undefined && s.maxPrice !== undefined)
    parts.push(`between ${amount(s.minPrice)} and ${amount(s.maxPrice)}`);
  else if (s.maxPrice !== undefined) parts.push(`under ${amount(s.maxPrice)}`);
  else if (s.minPrice !== undefined) parts.push(`from ${amount(s.minPrice)}`);
  if (s.inStockOnly) parts.push('in stock');
  return parts.join(' ');
}

const searchArgs = (s: SearchIntent) => ({
  ...(s.query ? { query: s.query } : {}),
  ...(s.minPrice !== undefined ? { minPrice: s.minPrice } : {}),
  ...(s.maxPrice !== undefined ? { maxPrice: s.maxPrice } : {}),
  ...(s.brands?.length ? { brands: s.brands } : {}),
  ...(s.inStockOnly ? { inStockOnly: true } : {}),
  first: 5,
});

function searchStep(s: SearchIntent, results: TurnToolResult[], exclude?: string): BuiltinStep {
  const r = resultOf(results, 'search_products');
  if (!r || r.args.first === 1) return { calls: [{ name: 'search_products', args: searchArgs(s) }] };
  if (!r.ok) return failed(r, 'search the store');
  const products = (r.artifact?.products ?? []).filter((p) => p.id !== exclude);
  const what = describeSearch(s);
  if (products.length === 0)
    return plain(
      `I couldn't find any products matching ${what || 'that'}. Try fewer words or a wider price range.`,
      ['Recommend something for me', "What's your return policy?"],
      { lastSearch: s },
    );
  return listAnswer(
    `Here ${products.length === 1 ? 'is 1 product' : `are ${products.length} products`} matching ${what}:`,
    products,
    'Ask me to compare them, show similar items, or add one to your cart.',
    LIST_FOLLOW_UPS,
    { lastSearch: s },
  );
}

/** Sentences of the top policy document that share the most words with the question. */
function policyAnswer(question: string, retrieved: RetrievedChunk[]): BuiltinStep {
  const policies = retrieved.filter((c) => c.kind === 'POLICY');
  const top = policies[0];
  if (!top)
    return plain(
      "I couldn't find that in our store policies. I can help with returns, shipping, warranty and payment questions, or find products for you.",
      ["What's your return policy?", 'How long does shipping take?'],
    );
  const chunks = policies.filter((c) => c.documentId === top.documentId);
  const q = new Set(words(question).filter((w) => w.length > 2));
  const sentences = chunks
    .flatMap((c) => c.content.split(/(?<=[.!?])\s+|\n+/))
    .map((s) => s.replace(/^#+\s*/, '').trim())
    .filter((s) => s.length > 20 && !/^[-*]\s*$/.test(s));
  const unique = [...new Set(sentences)];
  const scored = unique.map((s, i) => ({ s, i, score: words(s).filter((w) => q.has(w)).length }));
  const best = [...scored]
    .sort((a, b) => b.score - a.score || a.i - b.i)
    .slice(0, 3)
    .sort((a, b) => a.i - b.i)
    .map((x) => x.s.replace(/^[-*]\s*/, ''));
  const answer = `From our ${top.title}: ${best.join(' ')}`;
  return {
    answer: {
      answer,
      productIds: [],
      documents: [{ documentId: top.documentId, key: top.documentKey, title: top.title }],
      followUps: ['How long does shipping take?', "What's your return policy?", 'Recommend something for me'].filter(
        (f) => !f.toLowerCase().includes(top.title.toLowerCase().split(' ')[0] ?? '~'),
      ),
      memory: {},
    },
  };
}

function detailsAnswer(p: ProductDetails): BuiltinStep {
  const specs = p.specs.length ? ` Specs: ${p.specs.map((s) => `${s.name} ${s.value}`).join('; ')}.` : '';
  const description = p.description.length > 300 ? `${p.description.slice(0, 297)}...` : p.description;
  const stock =
    p.availability === 'OUT_OF_STOCK'
      ? ' It is out of stock right now.'
      : p.availability === 'LOW_STOCK'
        ? ' Only a few are left.'
        : '';
  return {
    answer: {
      answer: `${p.title}${p.brand ? ` by ${p.brand}` : ''} costs ${money(p)}${rating(p)}. ${description}${
        description.endsWith('.') ? '' : '.'
      }${specs}${stock}`,
      productIds: [p.id],
      documents: [],
      followUps: ['Show me similar products', 'Show me something cheaper', 'Add it to my cart'],
      memory: { focus: p.id },
    },
  };
}

function compareAnswer(products: ProductDetails[]): BuiltinStep {
  if (products.length < 2) return plain('I need two different products to compare.');
  const cheapest = [...products].sort((a, b) => a.price.cents - b.price.cents)[0]!;
  const rated = products.filter((p) => p.rating?.count && p.rating.average !== null);
  const bestRated = [...rated].sort((a, b) => (b.rating!.average ?? 0) - (a.rating!.average ?? 0))[0];
  const rows = products.map((p, i) => {
    const specs = p.specs
      .slice(0, 4)
      .map((s) => `${s.name} ${s.value}`)
      .join(', ');
    return `${line(p, i)}${specs ? `; ${specs}` : ''}`;
  });
  const verdict = [
    `${cheapest.title} is the cheapest at ${money(cheapest)}.`,
    bestRated ? `${bestRated.title} has the best reviews (${bestRated.rating!.average!.toFixed(1)}/5).` : '',
  ]
    .filter(Boolean)
    .join(' ');
  return {
    answer: {
      answer: `Comparing ${products.length} products:\n${rows.join('\n')}\n${verdict}`,
      productIds: products.map((p) => p.id),
      documents: [],
      followUps: ['Tell me more about the first one', 'Add the first one to my cart', 'Show me similar products'],
      memory: { shown: products, focus: products[0]!.id },
    },
  };
}

function cartAnswer(cart: CartView, added?: { product: ProductCard; quantity: number }): BuiltinStep {
  const lines = cart.items.map(
    (i, n) => `${n + 1}. ${i.product.title}: ${i.quantity} × ${money(i.product)} = $${i.lineTotal.amount}`,
  );
  const head = added
    ? `Added ${added.quantity} × ${added.product.title} to your cart. `
    : cart.items.length
      ? ''
      : 'Your cart is empty.';
  const body = cart.items.length
    ? `Your cart has ${cart.itemCount} item${cart.itemCount === 1 ? '' : 's'}:\n${lines.join('\n')}\nSubtotal: $${cart.subtotal.amount}.`
    : '';
  const products = added ? [added.product] : cart.items.map((i) => i.product);
  return {
    answer: {
      answer: `${head}${body}`.trim(),
      productIds: products.map((p) => p.id),
      documents: [],
      followUps: added ? ["What's in my cart?", 'Show me similar products'] : ['Recommend something for me'],
      memory: added ? { focus: added.product.id } : { shown: products },
    },
  };
}

const HELP =
  'I can find products ("a waterproof jacket under 100"), recommend things for you, show similar products, compare products, answer questions about returns, shipping and our other policies, and show or add to your cart when you are signed in.';

/** One step of the built-in responder: the tool calls to make next, or the answer. */
export function builtinStep(input: BuiltinInput): BuiltinStep {
  const { intent, memory, results, allowed } = input;
  switch (intent.kind) {
    case 'greeting':
      return plain(`Hello! ${HELP}`, ['Recommend something for me', "What's your return policy?"]);
    case 'help':
      return plain(HELP, ['Recommend something for me', "What's your return policy?"]);
    case 'policy':
      return policyAnswer(input.question, input.retrieved);
    case 'search':
      return searchStep(intent, results);
    case 'cheaper': {
      let base: ProductCard | undefined;
      if (intent.ref) {
        const r = resolveAll([intent.ref], memory, results);
        if ('calls' in r) return r;
        if ('missing' in r) return plain(r.missing);
        base = r.products[0];
      } else base = memory.known.find((k) => k.id === memory.focus) ?? memory.shown[0];
      if (!base) return plain('Cheaper than what? Search for something first, e.g. "a jacket under 100".');
      const query = memory.lastSearch?.query || base.category || base.title;
      const s: SearchIntent = {
        kind: 'search',
        query,
        maxPrice: Math.max(0, (base.price.cents - 1) / 100),
        ...(memory.lastSearch?.minPrice !== undefined ? { minPrice: memory.lastSearch.minPrice } : {}),
      };
      return searchStep(
        s,
        results.filter((r) => r.args.first !== 1),
        base.id,
      );
    }
    case 'recommend': {
      if (!allowed.has('recommend_products'))
        return plain('Personal recommendations are for shoppers; I can search the store for you instead.');
      const r = resultOf(results, 'recommend_products');
      if (!r) return { calls: [{ name: 'recommend_products', args: { first: 5 } }] };
      if (!r.ok) return failed(r, 'get your recommendations');
      const products = r.artifact?.products ?? [];
      if (!products.length) return plain('I have no recommendations yet. Tell me what you are looking for!');
      return listAnswer('Here are some picks for you:', products, '', LIST_FOLLOW_UPS);
    }
    case 'similar': {
      const target = resolveAll([intent.ref], memory, results);
      if ('calls' in target) return target;
      if ('missing' in target) return plain(target.missing);
      const base = target.products[0]!;
      const r = resultOf(results, 'similar_products');
      if (!r) return { calls: [{ name: 'similar_products', args: { productId: base.id, first: 5 } }] };
      if (!r.ok) return failed(r, 'find similar products');
      const found = (r.artifact?.products ?? []).filter((p) => p.id !== base.id);
      // Similar means the same kind of thing first: when the similarity sources (co-visitation
      // crosses categories) give fewer than three of the base's category, search that category too.
      const sameKind = (p: ProductCard) => Boolean(base.category) && p.category === base.category;
      let products = found.filter(sameKind);
      if (products.length < 3 && base.category) {
        const fill = results.find((x) => x.tool === 'search_products' && x.args.query === base.category);
        if (!fill) return { calls: [{ name: 'search_products', args: { query: base.category, first: 6 } }] };
        for (const p of fill.artifact?.products ?? [])
          if (p.id !== base.id && sameKind(p) && !products.some((q) => q.id === p.id)) products.push(p);
      }
      if (products.length < 3) products = [...products, ...found.filter((p) => !sameKind(p))];
      products = products.slice(0, 5);
      if (!products.length) return plain(`I couldn't find products similar to ${base.title}.`);
      return listAnswer(`Products similar to ${base.title}:`, products, '', LIST_FOLLOW_UPS, {
        known: [base],
      });
    }
    case 'details': {
      const target = resolveAll([intent.ref], memory, results);
      if ('calls' in target) return target;
      if ('missing' in target) return plain(target.missing);
      const r = resultOf(results, 'product_details');
      if (!r) return { calls: [{ name: 'product_details', args: { productId: target.products[0]!.id } }] };
      if (!r.ok) return failed(r, 'look that product up');
      const p = r.artifact?.products[0] as ProductDetails | undefined;
      return p ? detailsAnswer(p) : plain('That product is no longer available.');
    }
    case 'compare': {
      const target = resolveAll(intent.refs, memory, results);
      if ('calls' in target) return target;
      if ('missing' in target) return plain(target.missing);
      const ids = [...new Set(target.products.map((p) => p.id))];
      if (ids.length < 2) return plain('Those are the same product; name two different ones to compare.');
      const r = resultOf(results, 'compare_products');
      if (!r) return { calls: [{ name: 'compare_products', args: { productIds: ids } }] };
      if (!r.ok) return failed(r, 'compare those products');
      return compareAnswer((r.artifact?.products ?? []) as ProductDetails[]);
    }
    case 'cart': {
      if (!allowed.has('view_cart')) return plain('Sign in to see your cart.');
      const r = resultOf(results, 'view_cart');
      if (!r) return { calls: [{ name: 'view_cart', args: {} }] };
      if (!r.ok || !r.artifact?.cart) return failed(r, 'open your cart');
      return cartAnswer(r.artifact.cart);
    }
    case 'add': {
      if (!allowed.has('add_to_cart')) return plain('Sign in to add products to your cart.');
      const target = resolveAll([intent.ref], memory, results);
      if ('calls' in target) return target;
      if ('missing' in target) return plain(target.missing);
      const product = target.products[0]!;
      const r = resultOf(results, 'add_to_cart');
      if (!r) return { calls: [{ name: 'add_to_cart', args: { productId: product.id, quantity: intent.quantity } }] };
      if (!r.ok || !r.artifact?.cart) return failed(r, `add ${product.title} to your cart`);
      return cartAnswer(r.artifact.cart, { product, quantity: intent.quantity });
    }
  }
}
