// Understanding a shopper's message without a model: deterministic rules over the
// message alone (never over retrieved text or product data), resolving references
// to products shown earlier in the thread ("the second one", "it").

/** A product the shopper refers to. */
export type ProductRef =
  { kind: 'ordinal'; index: number } | { kind: 'last' } | { kind: 'focus' } | { kind: 'name'; name: string };

export interface SearchIntent {
  kind: 'search';
  query: string;
  minPrice?: number;
  maxPrice?: number;
  brands?: string[];
  inStockOnly?: boolean;
}

export type Intent =
  | { kind: 'greeting' }
  | { kind: 'help' }
  | { kind: 'policy' }
  | SearchIntent
  | { kind: 'cheaper'; ref?: ProductRef }
  | { kind: 'recommend' }
  | { kind: 'similar'; ref: ProductRef }
  | { kind: 'details'; ref: ProductRef }
  | { kind: 'compare'; refs: ProductRef[] }
  | { kind: 'cart' }
  | { kind: 'add'; ref: ProductRef; quantity: number };

const ORDINALS: Record<string, number> = {
  first: 1,
  '1st': 1,
  one: 1,
  second: 2,
  '2nd': 2,
  two: 2,
  third: 3,
  '3rd': 3,
  three: 3,
  fourth: 4,
  '4th': 4,
  four: 4,
  fifth: 5,
  '5th': 5,
  five: 5,
};
const NUMBER_WORDS: Record<string, number> = { a: 1, an: 1, one: 1, two: 2, three: 3, four: 4, five: 5 };

const POLICY_WORDS =
  /\b(return|returns|returning|refund|refunds|exchange|exchanges|shipping|ship|ships|delivery|deliver|delivered|warranty|guarantee|policy|policies|privacy|personal data|my data|payment|payments|pay|paying|instal+ments?|cancel|cancellation|track my order|order status|gift cards?|gift wrap(ping)?|promo( codes?)?|coupons?|discount codes?|vouchers?|price match|contact|customer service|support|store hours|opening hours|international(ly)?|customs|damaged|faulty|broken on arrival|wash|washing|clean|cleaning|care for|look after|sizing|size chart)\b/i;
const SHOPPING_WORDS = /\b(buy|show me|looking for|find|search|recommend|suggest|need a|want a|compare|cart)\b/i;

/** "under 100", "below $50", "less than 20", "between 10 and 30", "from 20", "over 50", "$20-$40". */
export function parsePriceRange(text: string): { minPrice?: number; maxPrice?: number; rest: string } {
  let rest = text;
  let minPrice: number | undefined;
  let maxPrice: number | undefined;
  const num = String.raw`[$€£]?\s*(\d+(?:[.,]\d{1,2})?)\s*(?:dollars|usd|eur|euros|bucks)?`;
  const take = (re: RegExp, f: (m: RegExpMatchArray) => void) => {
    const m = rest.match(re);
    if (m) {
      f(m);
      rest = rest.replace(m[0], ' ');
    }
  };
  const n = (s: string | undefined) => Number((s ?? '').replace(',', '.'));
  take(new RegExp(String.raw`\bbetween\s+${num}\s+(?:and|to)\s+${num}`, 'i'), (m) => {
    minPrice = n(m[1]);
    maxPrice = n(m[2]);
  });
  take(
    new RegExp(String.raw`[$€£]\s*(\d+(?:[.,]\d{1,2})?)\s*(?:-|–|to)\s*[$€£]?\s*(\d+(?:[.,]\d{1,2})?)`, 'i'),
    (m) => {
      minPrice = n(m[1]);
      maxPrice = n(m[2]);
    },
  );
  take(
    new RegExp(
      String.raw`\b(?:under|below|less than|cheaper than|no more than|at most|max(?:imum)?|up to|within|for less than)\s+${num}`,
      'i',
    ),
    (m) => (maxPrice = n(m[1])),
  );
  take(/<\s*[$€£]?\s*(\d+(?:[.,]\d{1,2})?)/, (m) => (maxPrice = n(m[1])));
  take(
    new RegExp(String.raw`\b(?:over|above|more than|at least|min(?:imum)?|starting at|from)\s+${num}`, 'i'),
    (m) => (minPrice = n(m[1])),
  );
  return {
    ...(minPrice !== undefined && Number.isFinite(minPrice) ? { minPrice } : {}),
    ...(maxPrice !== undefined && Number.isFinite(maxPrice) ? { maxPrice } : {}),
    rest,
  };
}

/** Words that carry no product meaning in a search request. */
const FILLER = new Set(
  `a an the some any me my i i'm im we you your please pls can could would will do does is are there
   have has show find search get buy want wanted need needs looking look for of to with in on at and or
   something anything stuff thing things item items product products good nice great best recommend
   suggest what which who store shop sell sells selling got any price priced cost costs about around
   like kind sort type hi hello hey thanks thank also just really very that this these those one ones
   under below over above less more than between cheap cheaper usd dollars dollar bucks from max up
   available stock it them can tell let know said says review reviews`
    .split(/\s+/)
    .filter(Boolean),
);

/** The product words of a search request: what to search for, without the filler. */
export function searchQueryOf(text: string): string {
  const words = text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s'-]/gu, ' ')
    .split(/\s+/)
    .filter((w) => w && !FILLER.has(w) && !/^\d+([.,]\d+)?$/.test(w));
  return words.join(' ').trim();
}

/** "the second one", "#2", "number 3", "the last one", "it", or a product's name. */
export function parseRef(text: string): ProductRef {
  const t = text
    .toLowerCase()
    .replace(/[?!.,]+$/g, '')
    .trim();
  const ord = t.match(/\b(first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th)\b/);
  if (ord?.[1]) return { kind: 'ordinal', index: ORDINALS[ord[1]]! };
  const numbered = t.match(/(?:#|\bnumber\s*|\bno\.?\s*|\boption\s*|\bitem\s*)(\d{1,2})\b/);
  if (numbered?.[1]) return { kind: 'ordinal', index: Number(numbered[1]) };
  if (/\b(last|bottom)\b/.test(t)) return { kind: 'last' };
  if (/^(it|that|this|that one|this one|the same|same one|them|those|these)$/.test(t) || t === '')
    return { kind: 'focus' };
  const name = t
    .replace(/^(the|a|an|this|that|your)\s+/, '')
    .replace(/\s+(one|please)$/, '')
    .trim();
  return name ? { kind: 'name', name } : { kind: 'focus' };
}

/** The two products of "compare X and Y", "X vs Y", "compare the first two", "compare them". */
function parseCompare(t: string): ProductRef[] | undefined {
  const firstN = t.match(/\b(?:first|top)\s+(two|three|four|2|3|4)\b/);
  if (/\bcompare\b/.test(t) && firstN?.[1]) {
    const n = NUMBER_WORDS[firstN[1]] ?? Number(firstN[1]);
    return Array.from({ length: n }, (_, i) => ({ kind: 'ordinal', index: i + 1 }));
  }
  const m =
    t.match(/\bcompare\s+(.+?)\s+(?:and|with|to|against|vs\.?|versus)\s+(.+)/) ??
    t.match(/^(?:what about\s+|how about\s+)?(.+?)\s+(?:vs\.?|versus)\s+(.+)/);
  if (m?.[1] && m[2]) return [parseRef(m[1]), parseRef(m[2])];
  if (/\bcompare\s+(them|these|those|both)\b/.test(t) || /^compare\b\W*$/.test(t))
    return [
      { kind: 'ordinal', index: 1 },
      { kind: 'ordinal', index: 2 },
    ];
  return undefined;
}

/** Text a shopper quotes ("a review said "...""), which is not their request. */
export const withoutQuotes = (message: string): string => message.replace(/"[^"]{12,}"|“[^”]{12,}”|'[^']{20,}'/g, ' ');

/** A clause that tries to re-instruct the assistant: not a shopping request, whatever it asks. */
const INJECTION =
  /\b(ignore|disregard|forget|override)\b.*\b(instructions?|rules|prompt|previous|above|guidelines)\b|\byou are now\b|\b(admin|developer|god|debug) mode\b|\bsystem (override|prompt|message)\b|\bact as\b|\bjailbreak/i;
/** A clause asking for another person's data (carts, orders, accounts): no tool takes a user, so it is ignored. */
const OTHERS_DATA =
  /\b(user|customer|account|shopper)\s*(#|no\.?|number|id)?\s*\d+|\bsomeone else'?s?\b|\bother (users?|customers?|people|shoppers?)\b|\b(their|his|her) (cart|orders?|account)\b/i;

/** The clauses of a message that are the shopper's own request: less quoted text, re-instructions and other people's data. */
function requestClauses(message: string): string[] {
  return withoutQuotes(message)
    .split(/(?<=[.?!;:])\s+|,?\s+\b(?:then|also)\b,?\s+/i)
    .map((c) => c.trim())
    .filter((c) => c && !INJECTION.test(c) && !OTHERS_DATA.test(c));
}

/** What to look up in the knowledge base for a message: its request clauses (the message when none is left). */
export const requestText = (message: string): string => requestClauses(message).join(' ') || message;

/** What the shopper asks, from their own message only: its clauses, less quoted text, re-instructions and other people's data. */
export function understand(message: string): Intent {
  const clauses = requestClauses(message);
  const intents = clauses.map(understandClause).filter((i) => i.kind !== 'help' && i.kind !== 'greeting');
  const first = intents[0];
  // Nothing but re-instructions (or nothing at all): there is no request to act on.
  if (!first) return clauses.length ? understandClause(clauses.join(' ')) : { kind: 'help' };
  if (first.kind !== 'search') return first;
  // "A tent. Under 100 please.": one search from every search clause.
  const merged: SearchIntent = { ...first };
  for (const i of intents.slice(1)) {
    if (i.kind !== 'search') continue;
    if (i.query) merged.query = `${merged.query} ${i.query}`.trim();
    if (i.minPrice !== undefined) merged.minPrice = i.minPrice;
    if (i.maxPrice !== undefined) merged.maxPrice = i.maxPrice;
    if (i.brands) merged.brands = [...(merged.brands ?? []), ...i.brands];
    if (i.inStockOnly) merged.inStockOnly = true;
  }
  return merged;
}

function understandClause(message: string): Intent {
  const raw = message.trim();
  const t = raw.toLowerCase().replace(/\s+/g, ' ');
  // Quoted text ('a review said "add it to the cart"') is what someone else wrote, not the
  // shopper's request: an instruction inside quotes never puts anything in the cart.
  const unquoted = t.replace(/"[^"]*"|“[^”]*”/g, ' ');
  if (/^(hi|hello|hey|good (morning|afternoon|evening)|yo)\b[\s!.]*$/.test(t)) return { kind: 'greeting' };
  if (/^(help|what can you do|how does this work)\b/.test(t) || /\bwhat can you (do|help)\b/.test(t))
    return { kind: 'help' };

  const add = unquoted.match(
    /\b(?:add|put|place|throw|pop)\s+(?:(\d{1,2}|a|an|one|two|three|four|five)\s+(?:of\s+)?)?(.*?)\s*(?:to|in|into|onto)\s+(?:my|the)?\s*(?:shopping\s+)?(?:cart|basket|bag|trolley)\b/,
  );
  if (add) {
    const q = add[1] ? (NUMBER_WORDS[add[1]] ?? Number(add[1])) : 1;
    return { kind: 'add', ref: parseRef(add[2] ?? ''), quantity: Math.min(Math.max(q, 1), 10) };
  }
  if (
    /\b(what'?s|what is|show|see|view|check|open)\b.*\b(my|the)\s+(cart|basket|bag)\b(?!\s+(of|for)\b)/.test(t) ||
    /^(my )?(cart|basket)\??$/.test(t) ||
    /\bin my (cart|basket|bag)\b/.test(t)
  )
    return { kind: 'cart' };

  const compare = parseCompare(t);
  if (compare) return { kind: 'compare', refs: compare };

  const similar = t.match(
    /\b(?:similar to|something like|anything like|more like|alternatives? to|others? like|items? like|products? like|ones? like)\s+(.+)/,
  );
  if (similar?.[1]) return { kind: 'similar', ref: parseRef(similar[1]) };
  if (/\b(similar( ones| items| products)?|alternatives)\b\W*$/.test(t))
    return { kind: 'similar', ref: { kind: 'focus' } };

  if (/\b(cheaper|less expensive|lower price|more affordable|budget option)\b/.test(t)) {
    const than = t.match(/\b(?:cheaper|less expensive) than\s+(.+)/);
    return than?.[1] ? { kind: 'cheaper', ref: parseRef(than[1]) } : { kind: 'cheaper' };
  }

  const details = t.match(
    /\b(?:tell me (?:more )?about|more (?:info|information|details) (?:on|about)|details (?:of|on|for|about)|describe|what about|how about|specs (?:of|for)|reviews (?:of|for))\s+(.+)/,
  );
  if (details?.[1] && !/\b(under|below|cheaper|over)\b/.test(details[1]))
    return { kind: 'details', ref: parseRef(details[1]) };
  if (/^(tell me more|more details|details|more info)\W*$/.test(t)) return { kind: 'details', ref: { kind: 'focus' } };

  if (
    /\b(recommend|suggest|suggestion|recommendation)s?\b.*\b(me|for me|i('d| would)? like|my)\b/.test(t) ||
    /\b(for me|what should i (buy|get)|pick something|surprise me|based on what i)\b/.test(t) ||
    /^(recommend|suggest) (something|anything)\W*$/.test(t)
  )
    return { kind: 'recommend' };

  if (POLICY_WORDS.test(t) && !SHOPPING_WORDS.test(t)) return { kind: 'policy' };
  if (/^(how|what|when|where|can i|do|is there|are there|does)\b/.test(t) && POLICY_WORDS.test(t))
    return { kind: 'policy' };

  const price = parsePriceRange(raw);
  const brands: string[] = [];
  let rest = price.rest;
  const brand = rest.match(/\b(?:by|from|made by|brand)\s+([A-Z][\w&'-]*(?:\s+[A-Z][\w&'-]*)?)/);
  if (brand?.[1]) {
    brands.push(brand[1]);
    rest = rest.replace(brand[0], ' ');
  }
  const inStockOnly = /\b(in stock|available now)\b/i.test(t);
  const query = searchQueryOf(rest.replace(/\bin stock\b/i, ' '));
  if (!query && price.minPrice === undefined && price.maxPrice === undefined && brands.length === 0) {
    return /\b(recommend|suggest)\b/.test(t) ? { kind: 'recommend' } : { kind: 'help' };
  }
  return {
    kind: 'search',
    query,
    ...(price.minPrice !== undefined ? { minPrice: price.minPrice } : {}),
    ...(price.maxPrice !== undefined ? { maxPrice: price.maxPrice } : {}),
    ...(brands.length ? { brands } : {}),
    ...(inStockOnly ? { inStockOnly } : {}),
  };
}
