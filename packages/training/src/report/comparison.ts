import { METRIC_NAMES, type FlatMetrics } from '../metrics.ts';

/** One row per model: what the markdown table and the HTML report both show. */
export interface ComparisonRow {
  name: string;
  /** Empty when the model was not evaluated (`params` then says why). */
  metrics: FlatMetrics;
  /** Its hyper-parameters as one line (a "hyperparameters" column when any row has them). */
  params?: string;
  /** Its fit time, formatted (a "fit (s)" column when any row has one). */
  fit?: string;
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

/**
 * The rows shown at cut-off k: those with a metric at k, and a row with no metrics
 * at all (one not evaluated, which says why) at the first k only.
 */
export function rowsAt(c: Comparison, k: number): ComparisonRow[] {
  return c.rows.filter((r) =>
    Object.keys(r.metrics).length === 0 ? k === c.ks[0] : Object.keys(r.metrics).some((m) => m.endsWith(`@${k}`)),
  );
}
