import type { PrismaClient } from '@recgraph/db';
import client from 'prom-client';
import { attributedOutcomes, type AttributedOutcomes } from './attribution.ts';

/** Impressions served this long ago or less are counted (their attribution windows may still be open). */
export const KPI_WINDOW_S = 3600;
/** The KPIs are recomputed at a scrape at most this often; scrapes in between read the last result. */
export const KPI_REFRESH_MS = 60_000;

const LABELS = ['strategy', 'model_version', 'experiment', 'variant'] as const;
type Labels = Record<(typeof LABELS)[number], string>;

export interface BusinessKpiOptions {
  refreshMs?: number;
  windowS?: number;
  warn?: (message: string, err: unknown) => void;
}

/**
 * recgraph_recommend_kpi_*: the last hour's impressions and what they led to (click-through,
 * add-to-cart, purchase, attributed revenue), per strategy, model version and experiment
 * variant, computed from the database with the experiments' attribution rule.
 *
 * Computed here because the recommend subgraph serves the impressions and the experiments and
 * always runs where recommendations are served (the trainer may be a CronJob, the updater may
 * be scaled to zero). Every instance reads the same rows, so each reports the same values and
 * the recording rules de-duplicate with `max without (instance)`; the query runs at most once
 * per refresh per instance, and only when something scrapes.
 */
export function registerBusinessKpis(
  registry: client.Registry,
  prisma: PrismaClient,
  o: BusinessKpiOptions = {},
): void {
  const refreshMs = o.refreshMs ?? KPI_REFRESH_MS;
  const windowS = o.windowS ?? KPI_WINDOW_S;
  let last: { at: number; rows: { labels: Labels; r: AttributedOutcomes }[] } | undefined;
  let pending: Promise<NonNullable<typeof last>> | undefined;

  async function compute(): Promise<NonNullable<typeof last>> {
    const rows = await attributedOutcomes(prisma, { servedSince: new Date(Date.now() - windowS * 1000) }, 'segment');
    const ids = [...new Set(rows.map((r) => r.experimentId).filter((id): id is string => id !== null))];
    const names = new Map(
      (await prisma.experiment.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } })).map((e) => [
        e.id,
        e.name,
      ]),
    );
    return {
      at: Date.now(),
      rows: rows.map((r) => ({
        labels: {
          strategy: r.strategy ?? 'unknown',
          model_version: r.modelVersionId ?? 'none',
          experiment: r.experimentId ? (names.get(r.experimentId) ?? r.experimentId) : 'none',
          variant: r.variant ?? 'none',
        },
        r,
      })),
    };
  }

  /** The current rows: recomputed when stale; a failed query keeps the previous ones (and warns). */
  async function current(): Promise<NonNullable<typeof last>['rows']> {
    if (!last || Date.now() - last.at >= refreshMs) {
      pending ??= compute().finally(() => (pending = undefined));
      try {
        last = await pending;
      } catch (err) {
        o.warn?.('business KPIs could not be computed; the previous values stay', err);
      }
    }
    return last?.rows ?? [];
  }

  const gauge = (name: string, help: string, value: (r: AttributedOutcomes) => number) =>
    new client.Gauge({
      name: `recgraph_recommend_kpi_${name}`,
      help: `${help} (impressions served in the last ${windowS / 60} minutes).`,
      labelNames: LABELS,
      registers: [registry],
      async collect() {
        const rows = await current();
        this.reset();
        for (const { labels, r } of rows) this.set(labels, value(r));
      },
    });
  gauge('impressions', 'Recommendation lists served to known users', (r) => r.impressions);
  gauge('clicks', 'Impressions followed by a click or view of a shown product', (r) => r.clicked);
  gauge('add_to_carts', 'Impressions followed by an add-to-cart of a shown product', (r) => r.carted);
  gauge('purchases', 'Impressions followed by a purchase of a shown product', (r) => r.purchased);
  new client.Gauge({
    name: 'recgraph_recommend_kpi_attributed_revenue',
    help: `Revenue of purchases attributed to impressions served in the last ${windowS / 60} minutes (quantity × price, in the currency's units).`,
    labelNames: [...LABELS, 'currency'] as const,
    registers: [registry],
    async collect() {
      const rows = await current();
      this.reset();
      for (const { labels, r } of rows)
        for (const [currency, cents] of Object.entries(r.revenueCents)) this.set({ ...labels, currency }, cents / 100);
    },
  });
}
