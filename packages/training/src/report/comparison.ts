import { METRIC_NAMES, type FlatMetrics } from '../metrics.ts';

/** One row per model: what the markdown table and the HTML report both show. */
export interface ComparisonRow {
  name: string;
  metrics: FlatMetrics;
}

export interface Comparison {
  title: string;
  /** Free-text lines describing data and split. */
  details: string[];
  ks: number[];
  rows: ComparisonRow[];
}

export const METRIC_LABELS: Record<(typeof METRIC_NAMES)[number], string> = {
  precision: 'Precision',
  recall: 'Recall',
  map: 'MAP',
  ndcg: 'NDCG',
  hit_rate: 'Hit rate',
  coverage: 'Coverage',
  novelty: 'Novelty',
  ild: 'ILD',
  category_ild: 'Category ILD',
};

/** Metrics present for at least one row, in the canonical order. */
export function presentMetrics(c: Comparison): (typeof METRIC_NAMES)[number][] {
  return METRIC_NAMES.filter((m) => c.rows.some((r) => c.ks.some((k) => r.metrics[`${m}@${k}`] !== undefined)));
}

export const formatValue = (v: number | undefined): string => (v === undefined ? 'n/a' : v.toFixed(4));
