import type { AvailabilityValue, CategoryRecord, ProductRecord } from '../records.ts';
import { AVAILABILITY, MAX_INT4, slugify } from '../write/validate.ts';

/** Product fields a catalog row can carry. */
export const CATALOG_FIELDS = [
  'sku',
  'title',
  'description',
  'brand',
  'category',
  'price',
  'price_cents',
  'currency',
  'availability',
  'stock',
  'attributes',
  'image',
] as const;
export type CatalogField = (typeof CATALOG_FIELDS)[number];

/** Field → the column (CSV) or key (JSON Lines) holding it. */
export type ColumnMapping = Partial<Record<CatalogField, string>>;

/** Column names recognised without a mapping, in order of preference. */
export const FIELD_ALIASES: Record<CatalogField, readonly string[]> = {
  sku: ['sku', 'product_id', 'id'],
  title: ['title', 'name'],
  description: ['description'],
  brand: ['brand'],
  category: ['category', 'category_path', 'category_slug'],
  price: ['price'],
  price_cents: ['price_cents'],
  currency: ['currency'],
  availability: ['availability', 'available'],
  stock: ['stock', 'quantity'],
  attributes: ['attributes'],
  image: ['image', 'image_file', 'image_path'],
};

export type RawValue = string | number | boolean | null | undefined | Record<string, unknown> | unknown[];
export type RawRow = Record<string, RawValue>;

/** A validated row, ready to write: the product, its category chain (root first) and its image file, if any. */
export interface CatalogDraft {
  line: number;
  product: ProductRecord;
  categories: CategoryRecord[];
  image?: string | undefined;
}

/** Row-level rules of a named dataset, applied after the generic mapping. */
export interface CatalogPreset {
  name: string;
  /** The exact header that identifies the dataset, so it is picked without being asked for. */
  header: readonly string[];
  columns: ColumnMapping;
  /** Columns that must not fall through into attributes. */
  consumed: readonly string[];
  refine(row: RawRow, draft: Omit<CatalogDraft, 'line'>): string | undefined;
}

const PRODUCTS_WITH_IMAGES: CatalogPreset = {
  name: 'products-with-images',
  header: ['product_id', 'title', 'description', 'category', 'image_file', 'price_synthetic'],
  columns: {
    sku: 'product_id',
    title: 'title',
    description: 'description',
    image: 'image_file',
    price: 'price_synthetic',
  },
  consumed: ['category'],
  // description is "masterCategory - subCategory - articleType - baseColour - usage" (see the dataset README).
  refine(row, draft) {
    const parts = String(row.description ?? '')
      .split(' - ')
      .map((p) => p.trim());
    if (parts.length !== 5)
      return `description ${JSON.stringify(row.description)} is not "master - sub - article - colour - usage"`;
    const [master, sub, article, colour, usage] = parts as [string, string, string, string, string];
    const chain = [master, sub, article].filter((p) => p && p !== 'NA');
    if (chain.length === 0) return 'description has no category';
    draft.categories.splice(0, draft.categories.length, ...categoryChain(chain));
    draft.product.categorySlug = draft.categories.at(-1)!.slug;
    const attrs = draft.product.attributes;
    attrs.articleType = article;
    if (colour && colour !== 'NA') attrs.colour = colour;
    if (usage && usage !== 'NA') attrs.usage = usage;
    // The title names who it is for ("Puma Men Black Jacket"): an attribute, so search and embeddings can use it.
    const gender = genderOfTitle(String(row.title ?? ''));
    if (gender) attrs.gender = gender;
    // The README says price_synthetic is made up (uniform 10-200); keep that visible to anyone reading the product.
    attrs.priceSynthetic = true;
    return undefined;
  },
};

/** The gender word of a products-with-images title (Unisex first: "Unisex" titles may say "Men" too). */
function genderOfTitle(title: string): string | undefined {
  const w = title.toLowerCase().split(/\s+/);
  if (w.includes('unisex')) return 'Unisex';
  if (w.includes('women') || w.includes("women's")) return 'Women';
  if (w.includes('men') || w.includes("men's")) return 'Men';
  if (w.includes('boys')) return 'Boys';
  if (w.includes('girls')) return 'Girls';
  return undefined;
}

export const CATALOG_PRESETS: Record<string, CatalogPreset> = { [PRODUCTS_WITH_IMAGES.name]: PRODUCTS_WITH_IMAGES };

/** "Apparel > Topwear > Tshirts" → apparel, apparel/topwear, apparel/topwear/tshirts. */
export function categoryChain(names: readonly string[]): CategoryRecord[] {
  const out: CategoryRecord[] = [];
  for (const name of names) {
    const parent = out.at(-1);
    const slug = parent ? `${parent.slug}/${slugify(name)}` : slugify(name);
    out.push({ slug, name, ...(parent ? { parentSlug: parent.slug } : {}) });
  }
  return out;
}

/** Category cell: "A > B > C", a slug path "outdoor/tents", or one name. */
export function parseCategoryCell(value: string): CategoryRecord[] {
  const v = value.trim();
  if (v.includes('>'))
    return categoryChain(
      v
        .split('>')
        .map((s) => s.trim())
        .filter(Boolean),
    );
  if (/^[a-z0-9][a-z0-9-_.]*(\/[a-z0-9][a-z0-9-_.]*)+$/.test(v)) return categoryChain(v.split('/'));
  return categoryChain([v]);
}

const AVAILABILITY_WORDS: Record<string, AvailabilityValue> = {
  in_stock: 'IN_STOCK',
  instock: 'IN_STOCK',
  available: 'IN_STOCK',
  yes: 'IN_STOCK',
  true: 'IN_STOCK',
  '1': 'IN_STOCK',
  low_stock: 'LOW_STOCK',
  limited: 'LOW_STOCK',
  out_of_stock: 'OUT_OF_STOCK',
  outofstock: 'OUT_OF_STOCK',
  unavailable: 'OUT_OF_STOCK',
  sold_out: 'OUT_OF_STOCK',
  no: 'OUT_OF_STOCK',
  false: 'OUT_OF_STOCK',
  '0': 'OUT_OF_STOCK',
  preorder: 'PREORDER',
  pre_order: 'PREORDER',
  discontinued: 'DISCONTINUED',
};

export function parseAvailability(value: string): AvailabilityValue | undefined {
  const key = value
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
  return (
    AVAILABILITY_WORDS[key] ??
    ((AVAILABILITY as readonly string[]).find((a) => a === value.trim()) as AvailabilityValue | undefined)
  );
}

/** "12.5" / "12.50" / "1,299.00" → cents; anything else (negative, 3 decimals, text) is refused. */
export function parsePriceToCents(value: string): number | undefined {
  const v = value
    .trim()
    .replace(/^[$€£]/, '')
    .replace(/,(?=\d{3}(\D|$))/g, '');
  const m = /^(\d{1,9})(?:\.(\d{1,2}))?$/.exec(v);
  if (!m) return undefined;
  const cents = Number(m[1]) * 100 + Number((m[2] ?? '0').padEnd(2, '0'));
  return cents <= MAX_INT4 ? cents : undefined;
}

const text = (v: RawValue): string | undefined => {
  if (v === undefined || v === null) return undefined;
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return s.trim() === '' ? undefined : s.trim();
};

type AttributeValue = ProductRecord['attributes'][string];
function attributeValue(v: unknown): AttributeValue | undefined {
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  return undefined;
}

export interface RowContext {
  mapping: Required<Pick<ColumnMapping, 'sku' | 'title'>> & ColumnMapping;
  /** CSV: columns outside the mapping become string attributes. */
  extraColumns: readonly string[];
  preset?: CatalogPreset | undefined;
  source: string;
  defaultCurrency: string;
}

/** Validates one row into a draft, or says in one sentence why it cannot be imported. */
export function rowToDraft(row: RawRow, ctx: RowContext): Omit<CatalogDraft, 'line'> | string {
  const get = (f: CatalogField) => (ctx.mapping[f] ? row[ctx.mapping[f]!] : undefined);
  const sku = text(get('sku'));
  if (!sku) return 'sku is missing';
  if (sku.length > 200) return 'sku is longer than 200 characters';
  const title = text(get('title'));
  if (!title) return 'title is missing';

  let priceCents: number | undefined;
  const cents = get('price_cents');
  const price = get('price');
  if (text(cents) !== undefined) {
    const n = Number(text(cents));
    if (!Number.isInteger(n) || n < 0 || n > MAX_INT4)
      return `price_cents ${JSON.stringify(text(cents))} is not a non-negative whole number`;
    priceCents = n;
  } else if (text(price) !== undefined) {
    priceCents = parsePriceToCents(text(price)!);
    if (priceCents === undefined)
      return `price ${JSON.stringify(text(price))} is not a non-negative amount with at most 2 decimals`;
  } else return 'price is missing';

  const currency = (text(get('currency')) ?? ctx.defaultCurrency).toUpperCase();
  if (!/^[A-Z]{3}$/.test(currency)) return `currency ${JSON.stringify(currency)} is not a 3-letter code`;

  let stock = 0;
  const stockText = text(get('stock'));
  if (stockText !== undefined) {
    stock = Number(stockText);
    if (!Number.isInteger(stock) || stock < 0 || stock > MAX_INT4)
      return `stock ${JSON.stringify(stockText)} is not a non-negative whole number`;
  }
  let availability: AvailabilityValue = stockText !== undefined && stock === 0 ? 'OUT_OF_STOCK' : 'IN_STOCK';
  const availText = text(get('availability'));
  if (availText !== undefined) {
    const a = parseAvailability(availText);
    if (!a)
      return `availability ${JSON.stringify(availText)} is not one of in_stock, low_stock, out_of_stock, preorder, discontinued`;
    availability = a;
  }

  const attributes: ProductRecord['attributes'] = {};
  const attrCell = get('attributes');
  if (text(attrCell) !== undefined) {
    let parsed: unknown = attrCell;
    if (typeof attrCell === 'string') {
      try {
        parsed = JSON.parse(attrCell);
      } catch {
        return 'attributes is not valid JSON';
      }
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
      return 'attributes is not a JSON object';
    for (const [k, v] of Object.entries(parsed)) {
      const value = attributeValue(v);
      if (value === undefined)
        return `attribute ${JSON.stringify(k)} is not text, a number, a boolean or a list of text`;
      attributes[k] = value;
    }
  }
  for (const col of ctx.extraColumns) {
    const v = text(row[col]);
    if (v !== undefined) attributes[col] = v;
  }

  const categoryText = text(get('category'));
  const categories = categoryText ? parseCategoryCell(categoryText) : [];
  const description = text(get('description')) ?? '';
  if (description.includes('\u0000') || title.includes('\u0000')) return 'text contains a NUL character';

  const draft: Omit<CatalogDraft, 'line'> = {
    product: {
      sku,
      title,
      description,
      brand: text(get('brand')),
      categorySlug: categories.at(-1)?.slug,
      priceCents,
      currency,
      attributes,
      availability,
      stock,
      source: ctx.source,
    },
    categories,
    image: text(get('image')),
  };
  return ctx.preset?.refine(row, draft) ?? draft;
}
