import type { Metrics } from '@recgraph/recsys';
import { InvalidTrainingOptionsError } from './errors.ts';

/** Metric names as recorded in the registry and shown in reports, each suffixed "@k". */
export const METRIC_NAMES = [
  'precision',
  'recall',
  'map',
  'ndcg',
  'hit_rate',
  'coverage',
  'novelty',
  'ild',
  'category_ild',
] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

/** Flat "ndcg@10" → value; metrics that could not be computed (no vectors, no categories) are absent. */
export type FlatMetrics = Record<string, number>;

export function flattenMetrics(m: Metrics): FlatMetrics {
  const values: Record<MetricName, number> = {
    precision: m.precision,
    recall: m.recall,
    map: m.map,
    ndcg: m.ndcg,
    hit_rate: m.hitRate,
    coverage: m.coverage,
    novelty: m.novelty,
    ild: m.diversity,
    category_ild: m.categoryDiversity,
  };
  const out: FlatMetrics = {};
  for (const name of METRIC_NAMES) if (Number.isFinite(values[name])) out[`${name}@${m.k}`] = values[name];
  return out;
}

/** Checks "ndcg@10"-style names against the cut-offs a run evaluates. */
export function validatePrimaryMetric(name: string, ks: readonly number[]): void {
  const m = /^([a-z_]+)@(\d+)$/.exec(name);
  if (!m || !(METRIC_NAMES as readonly string[]).includes(m[1]!))
    throw new InvalidTrainingOptionsError(
      `primary metric ${JSON.stringify(name)} must look like ndcg@10 with one of ${METRIC_NAMES.join(', ')}`,
    );
  if (!ks.includes(Number(m[2])))
    throw new InvalidTrainingOptionsError(
      `primary metric ${name} needs k=${m[2]} among the evaluated k (${ks.join(', ')})`,
    );
}

/** Higher is better for every metric we promote on; a missing value never wins. */
export function metricValue(metrics: unknown, name: string): number | undefined {
  if (metrics === null || typeof metrics !== 'object') return undefined;
  const v = (metrics as Record<string, unknown>)[name];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}
