import { Prisma, type PrismaClient } from '@recgraph/db';
import { CLAIMED_SOURCE_PREFIX } from '@recgraph/interactions';

/** Attribution window of impressions served outside any experiment (an experiment sets its own). */
export const DEFAULT_ATTRIBUTION_WINDOW_S = 3600;

/** Which impressions to count. */
export type ImpressionFilter = { experimentId: string } | { servedSince: Date };

/** How to group: per experiment variant, or per serving segment (strategy, model, experiment arm). */
export type AttributionGrouping = 'variant' | 'segment';

/** What a group of impressions led to; `revenueCents` per currency of the purchased products. */
export interface AttributedOutcomes {
  strategy: string | null;
  modelVersionId: string | null;
  experimentId: string | null;
  variant: string | null;
  impressions: number;
  users: number;
  clicked: number;
  carted: number;
  purchased: number;
  revenueCents: Record<string, number>;
}

/** The impression columns each grouping groups by (fixed names: they are spliced into SQL). */
const GROUP_KEYS: Record<AttributionGrouping, readonly string[]> = {
  variant: ['variant'],
  segment: ['strategy', 'model_version_id', 'experiment_id', 'variant'],
};

/**
 * The one attribution rule, shared by experiment results and the business KPIs:
 * an interaction (CLICK or VIEW = click-through, ADD_TO_CART, PURCHASE) with a
 * shown product within the impression's attribution window counts for the latest
 * impression before it that showed that product (last touch), so a list shown
 * twice does not count one click twice. Each impression then counts once per
 * outcome; revenue is the attributed purchases' quantity × the product's price. Purchases
 * count only from checkout: a PURCHASE a client reported itself is stored as a claim.
 */
export async function attributedOutcomes(
  prisma: PrismaClient,
  filter: ImpressionFilter,
  grouping: AttributionGrouping,
): Promise<AttributedOutcomes[]> {
  const where =
    'experimentId' in filter
      ? Prisma.sql`r.experiment_id = ${filter.experimentId}::uuid`
      : Prisma.sql`r.served_at >= ${filter.servedSince}`;
  const keys = GROUP_KEYS[grouping];
  const cols = Prisma.raw(keys.map((k) => `imp.${k}`).join(', '));
  const names = Prisma.raw(keys.join(', '));
  const joinOn = Prisma.raw(keys.map((k) => `g.${k} IS NOT DISTINCT FROM rg.${k}`).join(' AND '));
  const pick = (k: string, as: string) =>
    Prisma.raw(keys.includes(k) ? `g.${k}::text AS "${as}"` : `NULL::text AS "${as}"`);
  const rows = await prisma.$queryRaw<
    (Omit<AttributedOutcomes, 'revenueCents'> & { revenue: Record<string, number> | null })[]
  >`
    WITH imp AS (
      SELECT r.id, r.user_id, r.product_ids, r.strategy, r.model_version_id, r.experiment_id, r.variant, r.served_at,
             COALESCE(x.attribution_window_s, ${DEFAULT_ATTRIBUTION_WINDOW_S}) AS window_s
      FROM recommendation_impressions r LEFT JOIN experiments x ON x.id = r.experiment_id
      WHERE ${where}
    ), touches AS (
      SELECT DISTINCT ON (i.id) i.id AS interaction_id, i.type::text AS type, i.value, i.product_id, imp.id AS impression_id
      FROM imp JOIN interactions i
        ON i.user_id = imp.user_id AND i.product_id = ANY(imp.product_ids)
       AND i.occurred_at >= imp.served_at
       AND i.occurred_at < imp.served_at + make_interval(secs => imp.window_s)
      WHERE i.type IN ('CLICK', 'VIEW', 'ADD_TO_CART', 'PURCHASE')
        -- Only checkout records a purchase: one a client merely reported (trackEvent) earns nothing.
        AND NOT (i.type = 'PURCHASE' AND starts_with(i.source, ${CLAIMED_SOURCE_PREFIX}))
      ORDER BY i.id, imp.served_at DESC, imp.id
    ), per_impression AS (
      SELECT impression_id,
             bool_or(type IN ('CLICK', 'VIEW')) AS clicked,
             bool_or(type = 'ADD_TO_CART') AS carted,
             bool_or(type = 'PURCHASE') AS purchased
      FROM touches GROUP BY impression_id
    ), revenue AS (
      SELECT t.impression_id, p.currency, sum(t.value * p.price_cents) AS cents
      FROM touches t JOIN products p ON p.id = t.product_id
      WHERE t.type = 'PURCHASE'
      GROUP BY t.impression_id, p.currency
    ), grouped AS (
      SELECT ${cols},
             count(*)::int AS impressions,
             count(DISTINCT imp.user_id)::int AS users,
             count(*) FILTER (WHERE p.clicked)::int AS clicked,
             count(*) FILTER (WHERE p.carted)::int AS carted,
             count(*) FILTER (WHERE p.purchased)::int AS purchased
      FROM imp LEFT JOIN per_impression p ON p.impression_id = imp.id
      GROUP BY ${cols}
    ), revenue_grouped AS (
      SELECT ${names}, jsonb_object_agg(currency, cents) AS revenue
      FROM (SELECT ${cols}, rv.currency, sum(rv.cents)::float8 AS cents
            FROM revenue rv JOIN imp ON imp.id = rv.impression_id
            GROUP BY ${cols}, rv.currency) s
      GROUP BY ${names}
    )
    SELECT ${pick('strategy', 'strategy')}, ${pick('model_version_id', 'modelVersionId')},
           ${pick('experiment_id', 'experimentId')}, ${pick('variant', 'variant')},
           g.impressions, g.users, g.clicked, g.carted, g.purchased, rg.revenue
    FROM grouped g LEFT JOIN revenue_grouped rg ON ${joinOn}`;
  return rows.map(({ revenue, ...r }) => ({ ...r, revenueCents: revenue ?? {} }));
}
