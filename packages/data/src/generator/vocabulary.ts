import type { ProductKind } from './taxonomy.ts';

/** Word lists the generator composes products, brands, users and reviews from. */

export interface Colour {
  name: string;
  hex: string;
}

export const COLOURS: readonly Colour[] = [
  { name: 'Black', hex: '#1d1d1f' },
  { name: 'White', hex: '#f7f7f5' },
  { name: 'Charcoal', hex: '#3c4043' },
  { name: 'Grey', hex: '#9aa0a6' },
  { name: 'Silver', hex: '#c7c9cc' },
  { name: 'Navy', hex: '#1f2f56' },
  { name: 'Blue', hex: '#2f6fd6' },
  { name: 'Sky Blue', hex: '#8ec5f0' },
  { name: 'Teal', hex: '#14827e' },
  { name: 'Green', hex: '#2e8b47' },
  { name: 'Olive', hex: '#6b6b2a' },
  { name: 'Sage', hex: '#a3b899' },
  { name: 'Yellow', hex: '#f2c83b' },
  { name: 'Mustard', hex: '#c99a17' },
  { name: 'Orange', hex: '#ef7d1a' },
  { name: 'Coral', hex: '#f47c6b' },
  { name: 'Red', hex: '#cf2a2a' },
  { name: 'Burgundy', hex: '#6e1a2c' },
  { name: 'Pink', hex: '#ef8fb4' },
  { name: 'Blush', hex: '#f3c9c4' },
  { name: 'Purple', hex: '#6c3fa0' },
  { name: 'Lavender', hex: '#b9a6e0' },
  { name: 'Beige', hex: '#dcc9a8' },
  { name: 'Tan', hex: '#b58555' },
  { name: 'Brown', hex: '#6a4428' },
  { name: 'Cream', hex: '#f3ead2' },
];

export const COLOUR_BY_NAME: ReadonlyMap<string, Colour> = new Map(COLOURS.map((c) => [c.name, c]));

/** Which colours a kind of product plausibly comes in (electronics are rarely mustard). */
export const KIND_COLOURS: Record<ProductKind, readonly string[]> = {
  apparel: ['Black', 'White', 'Charcoal', 'Grey', 'Navy', 'Blue', 'Sky Blue', 'Green', 'Olive', 'Sage', 'Mustard', 'Red', 'Burgundy', 'Pink', 'Blush', 'Lavender', 'Beige', 'Tan', 'Cream', 'Coral'],
  footwear: ['Black', 'White', 'Grey', 'Navy', 'Tan', 'Brown', 'Beige', 'Red', 'Olive', 'Cream', 'Pink'],
  bag: ['Black', 'Tan', 'Brown', 'Navy', 'Olive', 'Beige', 'Burgundy', 'Grey', 'Cream', 'Green', 'Orange'],
  accessory: ['Black', 'Brown', 'Tan', 'Navy', 'Burgundy', 'Grey', 'Cream', 'Red', 'Sage', 'Mustard'],
  jewellery: ['Silver', 'Mustard', 'Blush', 'Black', 'White', 'Navy'],
  furniture: ['White', 'Black', 'Grey', 'Beige', 'Tan', 'Brown', 'Sage', 'Navy', 'Cream', 'Teal', 'Mustard'],
  cookware: ['Black', 'Silver', 'Red', 'Cream', 'Sage', 'Navy', 'Teal', 'White', 'Orange', 'Grey'],
  decor: ['White', 'Cream', 'Beige', 'Sage', 'Teal', 'Mustard', 'Black', 'Blush', 'Coral', 'Navy', 'Green'],
  textile: ['Cream', 'Beige', 'Grey', 'Sage', 'Navy', 'Mustard', 'Blush', 'Teal', 'Charcoal', 'White', 'Burgundy', 'Lavender'],
  electronics: ['Black', 'White', 'Silver', 'Charcoal', 'Grey', 'Navy', 'Blue', 'Red', 'Sky Blue', 'Pink'],
  camping: ['Green', 'Olive', 'Orange', 'Blue', 'Grey', 'Red', 'Yellow', 'Navy', 'Tan', 'Teal'],
  sports: ['Black', 'Blue', 'Red', 'Orange', 'Yellow', 'Green', 'Purple', 'Teal', 'White', 'Pink', 'Grey'],
  beauty: ['Pink', 'Blush', 'Red', 'Coral', 'Burgundy', 'White', 'Cream', 'Lavender', 'Purple', 'Sky Blue', 'Black'],
  toy: ['Red', 'Yellow', 'Blue', 'Green', 'Orange', 'Purple', 'Pink', 'Sky Blue', 'Brown', 'Beige'],
};

export const MATERIALS: Record<ProductKind, readonly string[]> = {
  apparel: ['Cotton', 'Organic Cotton', 'Linen', 'Wool', 'Merino Wool', 'Denim', 'Polyester', 'Viscose', 'Silk'],
  footwear: ['Leather', 'Suede', 'Canvas', 'Mesh', 'Synthetic', 'Knit'],
  bag: ['Leather', 'Canvas', 'Nylon', 'Recycled Polyester', 'Vegan Leather'],
  accessory: ['Leather', 'Silk', 'Wool', 'Cotton', 'Cashmere'],
  jewellery: ['Sterling Silver', 'Gold Vermeil', 'Stainless Steel', 'Brass', 'Titanium'],
  furniture: ['Oak', 'Walnut', 'Pine', 'Steel', 'Rattan', 'Velvet', 'Bouclé', 'Marble'],
  cookware: ['Cast Iron', 'Stainless Steel', 'Enamelled Cast Iron', 'Stoneware', 'Porcelain', 'Carbon Steel', 'Borosilicate Glass'],
  decor: ['Ceramic', 'Glass', 'Brass', 'Stoneware', 'Rattan', 'Linen'],
  textile: ['Cotton', 'Linen', 'Wool', 'Jute', 'Velvet', 'Bamboo', 'Fleece'],
  electronics: ['Aluminium', 'Plastic', 'Recycled Plastic', 'Silicone', 'Glass'],
  camping: ['Ripstop Nylon', 'Polyester', 'Aluminium', 'Titanium', 'Stainless Steel', 'Down'],
  sports: ['Rubber', 'TPE', 'Neoprene', 'Steel', 'PU Leather', 'Polycarbonate'],
  beauty: ['Glass', 'Recycled Plastic', 'Aluminium'],
  toy: ['Wood', 'Plastic', 'Plush', 'Recycled Plastic', 'Bamboo'],
};

export const PATTERNS = ['solid', 'striped', 'dotted', 'checked'] as const;
export type Pattern = (typeof PATTERNS)[number];

/** How likely each pattern is for a kind: most goods are plain; textiles and clothes are not always. */
export const KIND_PATTERN_WEIGHTS: Record<ProductKind, readonly [number, number, number, number]> = {
  apparel: [0.55, 0.2, 0.1, 0.15],
  footwear: [0.85, 0.1, 0.02, 0.03],
  bag: [0.8, 0.1, 0.03, 0.07],
  accessory: [0.5, 0.2, 0.15, 0.15],
  jewellery: [1, 0, 0, 0],
  furniture: [0.85, 0.05, 0.02, 0.08],
  cookware: [0.8, 0.07, 0.1, 0.03],
  decor: [0.6, 0.15, 0.15, 0.1],
  textile: [0.45, 0.2, 0.1, 0.25],
  electronics: [0.95, 0.03, 0.01, 0.01],
  camping: [0.9, 0.05, 0.01, 0.04],
  sports: [0.8, 0.12, 0.04, 0.04],
  beauty: [0.9, 0.04, 0.04, 0.02],
  toy: [0.5, 0.2, 0.2, 0.1],
};

export const PATTERN_WORD: Record<Pattern, string> = {
  solid: '',
  striped: 'Striped',
  dotted: 'Polka-Dot',
  checked: 'Checked',
};

export const TITLE_ADJECTIVES = ['Classic', 'Essential', 'Everyday', 'Signature', 'Heritage', 'Modern', 'Lightweight', 'Premium', 'Relaxed', 'Studio', 'Compact', 'Pro', 'Original', 'Soft', 'Urban'];

/** Department-flavoured suffixes so brand names read like the shop they belong to. */
export const BRAND_SUFFIX_BY_ROOT: Record<string, readonly string[]> = {
  outdoor: ['Outfitters', 'Trail Co.', 'Mountain', 'Expeditions', ''],
  'home-kitchen': ['Home', '& Hearth', 'Living', 'Kitchenworks', ''],
  'womens-fashion': ['Atelier', 'Studio', 'Collective', '', ''],
  'mens-fashion': ['Supply Co.', '& Sons', 'Tailoring', '', ''],
  electronics: ['Audio', 'Labs', 'Tech', 'Electronics', ''],
  sports: ['Athletics', 'Sport', 'Performance', ''],
  beauty: ['Beauty', 'Skin', 'Cosmetics', 'Apothecary', ''],
  'kids-toys': ['Toys', 'Playworks', 'Kids', ''],
};

export const BRAND_PREFIXES = ['Nor', 'Vel', 'Aster', 'Bram', 'Cor', 'Dun', 'El', 'Fen', 'Gal', 'Hal', 'Iv', 'Kes', 'Lum', 'Mar', 'Nox', 'Or', 'Pel', 'Quin', 'Ros', 'Sol', 'Tor', 'Ul', 'Vor', 'Wyn', 'Zeph', 'Ash', 'Brin', 'Cal', 'Dro', 'Ember', 'Fro', 'Glen', 'Hav', 'Jun', 'Kal', 'Lark', 'Mo', 'Ner', 'Oak', 'Pip'];
export const BRAND_ENDINGS = ['den', 'ra', 'wick', 'ford', 'lyn', 'mont', 'ique', 'ora', 'vale', 'stone', 'field', 'haus', 'ette', 'ion', 'ara', 'bury', 'ley', 'wood', 'mere', 'ix', 'o', 'ea', 'ton', 'by'];

export const FIRST_NAMES = ['Ava', 'Liam', 'Mia', 'Noah', 'Zoe', 'Ethan', 'Isla', 'Lucas', 'Amara', 'Mateo', 'Priya', 'Kenji', 'Sofia', 'Omar', 'Hana', 'Diego', 'Leila', 'Finn', 'Chloe', 'Arjun', 'Nina', 'Samuel', 'Yara', 'Elias', 'Maya', 'Tomas', 'Aisha', 'Jonas', 'Grace', 'Mei', 'Oscar', 'Lena', 'Ravi', 'Emma', 'Kofi', 'Ingrid', 'Luca', 'Nadia', 'Felix', 'Rosa'];
export const LAST_NAMES = ['Smith', 'Garcia', 'Nguyen', 'Okafor', 'Kowalski', 'Rossi', 'Tanaka', 'Müller', 'Silva', 'Patel', 'Johansson', 'Haddad', 'Brown', 'Kim', 'Dubois', 'Moreno', 'Novak', 'Evans', 'Ahmed', 'Larsen', 'Costa', 'Ito', 'Fischer', 'Walsh', 'Mensah', 'Singh', 'Lopez', 'Berg', 'Chen', 'Romero'];
