import { formatValue, METRIC_LABELS, presentMetrics, type Comparison } from './comparison.ts';

/** A GitHub-flavoured markdown table: one row per (model, k), one column per metric. */
export function markdownTable(c: Comparison): string {
  const metrics = presentMetrics(c);
  const header = ['model', 'k', ...metrics.map((m) => METRIC_LABELS[m])];
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map((_, i) => (i < 2 ? '---' : '---:')).join(' | ')} |`];
  for (const k of c.ks)
    for (const r of c.rows)
      lines.push(`| ${[r.name, String(k), ...metrics.map((m) => formatValue(r.metrics[`${m}@${k}`]))].join(' | ')} |`);
  return lines.join('\n');
}
