import sharp from 'sharp';
import type { ProductRecord } from '../records.ts';
import { unitHash } from './random.ts';
import { SHOP_TREE, isLeaf, type BranchSpec, type GeometricShape, type LeafSpec, type Silhouette } from './taxonomy.ts';
import { COLOUR_BY_NAME, PATTERNS, type Pattern } from './vocabulary.ts';

/**
 * Product thumbnails that encode the product's look: the outline is its shape
 * (or its category's silhouette), the fill its colour, the overlay its
 * pattern, the background a pale tint of the colour. Pixel distance between
 * two thumbnails therefore tracks how alike the products look, which makes
 * image-similarity features testable against known ground truth.
 */

interface Outline {
  d: string;
  /** evenodd where a subpath is a hole (tent door, ring). */
  evenOdd?: boolean;
}

const circle = (cx: number, cy: number, r: number): string =>
  `M${cx - r},${cy} a${r},${r} 0 1,0 ${2 * r},0 a${r},${r} 0 1,0 ${-2 * r},0Z`;

const GEOMETRIC: Record<GeometricShape, Outline> = {
  round: { d: circle(50, 50, 36) },
  oval: { d: 'M12,50 a38,26 0 1,0 76,0 a38,26 0 1,0 -76,0Z' },
  square: { d: 'M18,18 L82,18 L82,82 L18,82Z' },
  rectangular: { d: 'M10,28 L90,28 L90,72 L10,72Z' },
  triangular: { d: 'M50,12 L88,82 L12,82Z' },
  hexagonal: { d: 'M50,12 L83,31 L83,69 L50,88 L17,69 L17,31Z' },
};

const SILHOUETTES: Record<Silhouette, Outline> = {
  tshirt: { d: 'M30,18 L42,14 Q50,22 58,14 L70,18 L88,34 L76,44 L70,38 L70,86 L30,86 L30,38 L24,44 L12,34Z' },
  dress: { d: 'M40,12 L60,12 L58,30 L64,44 L82,88 L18,88 L36,44 L42,30Z' },
  trousers: { d: 'M30,12 L70,12 L74,88 L56,88 L50,36 L44,88 L26,88Z' },
  jacket: {
    d: 'M30,16 L42,12 L50,24 L58,12 L70,16 L86,30 L88,78 L76,78 L72,42 L72,88 L28,88 L28,42 L24,78 L12,78 L14,30Z',
  },
  shoe: { d: 'M12,62 L14,40 L30,40 Q40,52 56,52 L78,58 Q90,62 88,72 L88,76 L12,76Z' },
  boot: { d: 'M24,14 L50,14 L52,52 L80,60 Q90,64 88,76 L88,82 L22,82Z' },
  bag: { d: 'M22,38 L78,38 L84,86 L16,86Z M36,38 Q36,16 50,16 Q64,16 64,38 L58,38 Q58,22 50,22 Q42,22 42,38Z' },
  backpack: { d: 'M28,24 Q28,12 50,12 Q72,12 72,24 L76,86 L24,86Z' },
  bottle: { d: 'M42,10 L58,10 L58,24 Q72,30 72,44 L72,88 L28,88 L28,44 Q28,30 42,24Z' },
  tent: { d: 'M50,14 L90,84 L10,84Z M50,44 L62,84 L38,84Z', evenOdd: true },
  laptop: { d: 'M22,24 L78,24 L78,64 L22,64Z M10,68 L90,68 L84,80 L16,80Z' },
  phone: { d: 'M32,10 L68,10 Q74,10 74,16 L74,84 Q74,90 68,90 L32,90 Q26,90 26,84 L26,16 Q26,10 32,10Z' },
  headphones: {
    d: 'M20,56 Q20,14 50,14 Q80,14 80,56 L74,56 Q74,22 50,22 Q26,22 26,56Z M14,54 L32,54 L32,84 L14,84Z M68,54 L86,54 L86,84 L68,84Z',
  },
  watch: { d: `M40,8 L60,8 L60,92 L40,92Z ${circle(50, 50, 24)}` },
  ring: { d: `${circle(50, 50, 32)} ${circle(50, 50, 18)}`, evenOdd: true },
  ball: { d: circle(50, 50, 36) },
  dumbbell: { d: 'M8,34 L24,34 L24,66 L8,66Z M76,34 L92,34 L92,66 L76,66Z M24,46 L76,46 L76,54 L24,54Z' },
  lamp: { d: 'M34,14 L66,14 L78,44 L22,44Z M47,44 L53,44 L53,80 L47,80Z M30,80 L70,80 L70,88 L30,88Z' },
  chair: { d: 'M26,10 L36,10 L36,50 L74,50 L74,60 L70,60 L70,90 L62,90 L62,60 L36,60 L36,90 L28,90 L28,60 L26,60Z' },
  pan: { d: 'M10,40 L66,40 L62,64 Q60,70 54,70 L22,70 Q16,70 14,64Z M66,46 L92,44 L92,50 L66,52Z' },
  mug: { d: 'M20,24 L66,24 L64,84 L22,84Z M66,36 Q86,36 86,54 Q86,70 64,70 L64,62 Q78,62 78,54 Q78,44 66,44Z' },
  mat: { d: 'M18,30 L82,30 Q88,30 88,36 L88,64 Q88,70 82,70 L18,70 Q12,70 12,64 L12,36 Q12,30 18,30Z' },
};

const PATTERN_TILES: Record<Exclude<Pattern, 'solid'>, (ink: string) => string> = {
  striped: (ink) =>
    `<pattern id="p" patternUnits="userSpaceOnUse" width="10" height="10" patternTransform="rotate(45)"><rect width="10" height="4" fill="${ink}"/></pattern>`,
  dotted: (ink) =>
    `<pattern id="p" patternUnits="userSpaceOnUse" width="10" height="10"><circle cx="5" cy="5" r="2.2" fill="${ink}"/></pattern>`,
  checked: (ink) =>
    `<pattern id="p" patternUnits="userSpaceOnUse" width="12" height="12"><rect width="6" height="6" fill="${ink}"/><rect x="6" y="6" width="6" height="6" fill="${ink}"/></pattern>`,
};

const silhouetteBySlug = new Map<string, Silhouette>();
const collect = (node: BranchSpec | LeafSpec, prefix: string): void => {
  const slug = prefix ? `${prefix}/${node.segment}` : node.segment;
  if (isLeaf(node)) silhouetteBySlug.set(slug, node.silhouette);
  else for (const child of node.children) collect(child, slug);
};
for (const root of SHOP_TREE) collect(root, '');

const FALLBACK_HEX = '#9aa0a6';
const HEX = /^#[0-9a-fA-F]{6}$/;

function rgb(hex: string): [number, number, number] {
  return [parseInt(hex.slice(1, 3), 16), parseInt(hex.slice(3, 5), 16), parseInt(hex.slice(5, 7), 16)];
}

function mix(hex: string, toward: number, amount: number): string {
  const out = rgb(hex).map((c) => Math.round(c + (toward - c) * amount));
  return `#${out.map((c) => c.toString(16).padStart(2, '0')).join('')}`;
}

/** The product's colour: colourHex if valid, else the named palette colour, else neutral grey (imported products may have neither). */
function productHex(product: ProductRecord): string {
  const hex = product.attributes['colourHex'];
  if (typeof hex === 'string' && HEX.test(hex)) return hex;
  const named = COLOUR_BY_NAME.get(String(product.attributes['colour'] ?? ''));
  return named?.hex ?? FALLBACK_HEX;
}

function outlineFor(product: ProductRecord): Outline {
  const shape = product.attributes['shape'];
  if (typeof shape === 'string' && shape in GEOMETRIC) return GEOMETRIC[shape as GeometricShape];
  const silhouette = product.categorySlug ? silhouetteBySlug.get(product.categorySlug) : undefined;
  return silhouette ? SILHOUETTES[silhouette] : GEOMETRIC.square;
}

/** The SVG the PNG is rasterised from; exposed for callers that serve vector thumbnails. */
export function productImageSvg(product: ProductRecord, size = 128): string {
  const fill = productHex(product);
  const [r, g, b] = rgb(fill);
  const light = (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255 > 0.6;
  // Pattern ink contrasts with the fill but stays in the same hue, so colour still dominates the pixels.
  const ink = light ? mix(fill, 0, 0.45) : mix(fill, 255, 0.55);
  // Pale tint of the colour; light colours get a slightly darker one so a white product still shows.
  const background = light ? mix(fill, 0, 0.12) : mix(fill, 255, 0.82);
  const rawPattern = product.attributes['pattern'];
  const pattern: Pattern =
    typeof rawPattern === 'string' && (PATTERNS as readonly string[]).includes(rawPattern)
      ? (rawPattern as Pattern)
      : 'solid';
  const outline = outlineFor(product);
  const rule = outline.evenOdd ? ' fill-rule="evenodd"' : '';
  // Slight per-product scale (four steps) so identical-looking products are near, not all pixel-identical;
  // few steps keep the number of distinct images small enough to cache.
  const scale = (0.91 + 0.03 * Math.floor(4 * unitHash(product.sku))).toFixed(2);
  const defs = pattern === 'solid' ? '' : `<defs>${PATTERN_TILES[pattern](ink)}</defs>`;
  const overlay = pattern === 'solid' ? '' : `<path d="${outline.d}" fill="url(#p)"${rule}/>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 100 100">${defs}` +
    `<rect width="100" height="100" fill="${background}"/>` +
    `<g transform="translate(50 50) scale(${scale}) translate(-50 -50)"><path d="${outline.d}" fill="${fill}"${rule}/>${overlay}</g></svg>`
  );
}

export const MIN_IMAGE_SIZE = 16;
export const MAX_IMAGE_SIZE = 2048;

/** PNG thumbnail of the product; same product and size give the same bytes. */
export async function renderProductImage(product: ProductRecord, size = 128): Promise<Buffer> {
  if (!Number.isInteger(size) || size < MIN_IMAGE_SIZE || size > MAX_IMAGE_SIZE) {
    throw new RangeError(
      `renderProductImage: size must be an integer between ${MIN_IMAGE_SIZE} and ${MAX_IMAGE_SIZE}, got ${String(size)}`,
    );
  }
  if (
    !product ||
    typeof product.sku !== 'string' ||
    typeof product.attributes !== 'object' ||
    product.attributes === null
  ) {
    throw new TypeError('renderProductImage: product must be a ProductRecord with sku and attributes');
  }
  const svg = productImageSvg(product, size);
  let png = renderedImages.get(svg);
  if (!png) {
    // Flat-colour art compresses well at a low zlib level; higher levels cost time for a few bytes.
    png = await sharp(Buffer.from(svg)).png({ compressionLevel: 4, adaptiveFiltering: false }).toBuffer();
    if (renderedImages.size >= IMAGE_CACHE_ENTRIES) renderedImages.clear();
    renderedImages.set(svg, png);
  }
  // A copy, so a caller writing into its buffer cannot alter other products' images.
  return Buffer.from(png);
}

/**
 * A catalogue has at most a few thousand distinct looks (colour x pattern x
 * outline x scale step), so rasterising each once makes bulk rendering cheap.
 * Bounded: at ~250 bytes per thumbnail the cap is a few megabytes.
 */
const IMAGE_CACHE_ENTRIES = 20_000;
const renderedImages = new Map<string, Buffer>();

/** Drops cached thumbnails (long-running processes done with a catalogue; tests that must re-rasterise). */
export function clearImageCache(): void {
  renderedImages.clear();
}
