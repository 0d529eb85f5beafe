import { formatValue, METRIC_LABELS, presentMetrics, rowsAt, type Comparison } from './comparison.ts';

/**
 * A GitHub-flavoured markdown table: one row per (model, k), one column per metric,
 * then the hyper-parameters and fit time when the rows carry them.
 */
export function markdownTable(c: Comparison): string {
  const metrics = presentMetrics(c);
  const params = c.rows.some((r) => r.params !== undefined);
  const fit = c.rows.some((r) => r.fit !== undefined);
  const header = [
    'model',
    'k',
    ...metrics.map((m) => METRIC_LABELS[m]),
    ...(params ? ['hyperparameters'] : []),
    ...(fit ? ['fit (s)'] : []),
  ];
  const align = header.map((h, i) => (i < 2 || h === 'hyperparameters' ? '---' : '---:'));
  const lines = [`| ${header.join(' | ')} |`, `| ${align.join(' | ')} |`];
  for (const k of c.ks)
    for (const r of rowsAt(c, k))
      lines.push(
        `| ${[
          r.name,
          String(k),
          ...metrics.map((m) => formatValue(r.metrics[`${m}@${k}`])),
          ...(params ? [r.params ?? ''] : []),
          ...(fit ? [r.fit ?? ''] : []),
        ].join(' | ')} |`,
      );
  return lines.join('\n');
}
