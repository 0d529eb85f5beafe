import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * Merchandising rules applied after scoring. Set them in a JSON file named by
 * RECOMMEND_RULES_FILE (or ServingOptions.rules), e.g.
 *   {
 *     "boosts": [{ "brand": "Sonic", "factor": 1.5 }, { "categoryId": "<uuid>", "factor": 0.5 }],
 *     "pins":   [{ "productId": "<uuid>", "position": 1 }],
 *     "blocks": [{ "productId": "<uuid>" }, { "brand": "Recalled Co" }]
 *   }
 * Boosts multiply a product's score (brand match is case-insensitive; a
 * category boost covers its descendants); pins put a product at a 1-based
 * position of personal lists when it passes the user's filters; blocked
 * products never appear in any list.
 */
const uuid = z.uuid({ error: 'must be a UUID' }).transform((s) => s.toLowerCase());
const target = z
  .object({ productId: uuid.optional(), brand: z.string().min(1).max(200).optional(), categoryId: uuid.optional() })
  .strict()
  .refine((t) => [t.productId, t.brand, t.categoryId].filter((v) => v !== undefined).length === 1, {
    message: 'name exactly one of productId, brand, categoryId',
  });

export const rankingRulesSchema = z
  .object({
    boosts: z
      .array(
        z
          .object({
            productId: uuid.optional(),
            brand: z.string().min(1).max(200).optional(),
            categoryId: uuid.optional(),
            factor: z.number().positive().max(100),
          })
          .strict()
          .refine((t) => [t.productId, t.brand, t.categoryId].filter((v) => v !== undefined).length === 1, {
            message: 'name exactly one of productId, brand, categoryId',
          }),
      )
      .max(1000)
      .default([]),
    pins: z
      .array(z.object({ productId: uuid, position: z.number().int().min(1).max(100) }).strict())
      .max(100)
      .default([]),
    blocks: z.array(target).max(10_000).default([]),
  })
  .strict();

export type RankingRules = z.input<typeof rankingRulesSchema>;
export type ParsedRules = z.output<typeof rankingRulesSchema>;

export const NO_RULES: ParsedRules = { boosts: [], pins: [], blocks: [] };

export class RulesFileError extends Error {
  override name = 'RulesFileError';
}

export function parseRules(value: unknown, source = 'rules'): ParsedRules {
  const r = rankingRulesSchema.safeParse(value);
  if (!r.success)
    throw new RulesFileError(
      `${source}: ` + r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '),
    );
  return r.data;
}

export function readRulesFile(path: string): ParsedRules {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new RulesFileError(`cannot read ${path}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new RulesFileError(`${path} is not JSON: ${(err as Error).message}`);
  }
  return parseRules(json, path);
}

/** What the ranking needs to know about a product to apply the rules. */
export interface RuleSubject {
  id: string;
  brand: string | null;
  /** The product's category and all its ancestors. */
  categoryLineage: readonly string[];
}

/** Rules compiled for constant-time lookups per product. */
export class CompiledRules {
  private readonly blockedIds: Set<string>;
  private readonly blockedBrands: Set<string>;
  private readonly blockedCategories: Set<string>;
  readonly pins: readonly { productId: string; position: number }[];
  constructor(private readonly rules: ParsedRules) {
    this.blockedIds = new Set(rules.blocks.flatMap((b) => (b.productId ? [b.productId] : [])));
    this.blockedBrands = new Set(rules.blocks.flatMap((b) => (b.brand ? [b.brand.toLowerCase()] : [])));
    this.blockedCategories = new Set(rules.blocks.flatMap((b) => (b.categoryId ? [b.categoryId] : [])));
    this.pins = [...rules.pins].sort((a, b) => a.position - b.position);
  }
  get isEmpty(): boolean {
    return !this.rules.boosts.length && !this.rules.pins.length && !this.rules.blocks.length;
  }
  isBlocked(p: RuleSubject): boolean {
    if (this.blockedIds.has(p.id)) return true;
    if (p.brand && this.blockedBrands.has(p.brand.toLowerCase())) return true;
    return p.categoryLineage.some((c) => this.blockedCategories.has(c));
  }
  /** The product of every matching boost's factor (1 when none). */
  boost(p: RuleSubject): number {
    let f = 1;
    for (const b of this.rules.boosts) {
      if (
        (b.productId && b.productId === p.id) ||
        (b.brand && p.brand && b.brand.toLowerCase() === p.brand.toLowerCase()) ||
        (b.categoryId && p.categoryLineage.includes(b.categoryId))
      )
        f *= b.factor;
    }
    return f;
  }
}
