import type { METRIC_NAMES } from '../metrics.ts';
import { formatValue, METRIC_LABELS, presentMetrics, type Comparison } from './comparison.ts';
import { markdownTable } from './markdown-table.ts';

const COLORS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1'];

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * A horizontal bar chart as inline SVG, written by hand: a handful of rects and
 * labels needs no charting library, and the report stays one offline file.
 */
export function barChartSvg(
  title: string,
  bars: { label: string; value: number | undefined; color: string }[],
): string {
  // Wide enough for the longest label (about 6.5 px a character at 12 px), at least 170 px.
  const labelW = Math.max(170, Math.ceil(Math.max(0, ...bars.map((b) => b.label.length)) * 6.5) + 10);
  const width = labelW + 310;
  const valueW = 60;
  const barH = 18;
  const gap = 6;
  const top = 24;
  const height = top + bars.length * (barH + gap) + 4;
  const max = Math.max(...bars.map((b) => b.value ?? 0), 1e-12);
  const plotW = width - labelW - valueW;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" role="img" aria-label="${esc(title)}">`,
    `<text x="0" y="14" font-size="13" font-weight="bold">${esc(title)}</text>`,
  ];
  bars.forEach((b, i) => {
    const y = top + i * (barH + gap);
    const w = b.value === undefined ? 0 : Math.max(1, (b.value / max) * plotW);
    parts.push(
      `<text x="${labelW - 6}" y="${y + barH - 5}" font-size="12" text-anchor="end">${esc(b.label)}</text>`,
      `<rect x="${labelW}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${b.color}"><title>${esc(b.label)}: ${formatValue(b.value)}</title></rect>`,
      `<text x="${(labelW + w + 4).toFixed(1)}" y="${y + barH - 5}" font-size="11">${formatValue(b.value)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}

const color = (i: number) => COLORS[i % COLORS.length]!;

/**
 * One metric at one k as a bar per row: the rows that have it, and the rows not
 * evaluated at all (drawn empty, "n/a"), so a missing model stays visible.
 */
function metricChart(c: Comparison, m: (typeof METRIC_NAMES)[number], k: number): string {
  const bars = c.rows
    .map((r, i) => ({
      label: r.name,
      value: r.metrics[`${m}@${k}`],
      color: color(i),
      none: !Object.keys(r.metrics).length,
    }))
    .filter((b) => b.value !== undefined || b.none);
  return barChartSvg(`${METRIC_LABELS[m]}@${k}`, bars);
}

/** The headline chart: NDCG at the first cut-off for every row (also what `eval --chart` writes). */
export const ndcgChartSvg = (c: Comparison): string => metricChart(c, 'ndcg', c.ks[0]!);

/** A self-contained HTML page: details, the metrics table, and one bar chart per metric and k, NDCG@k₁ first. */
export function htmlReport(c: Comparison): string {
  const charts: string[] = [];
  for (const k of c.ks)
    for (const m of presentMetrics(c))
      charts[m === 'ndcg' && k === c.ks[0] ? 'unshift' : 'push'](`<figure>${metricChart(c, m, k)}</figure>`);
  const table = markdownTable(c)
    .split('\n')
    .filter((_, i) => i !== 1)
    .map((line, i) => {
      const cells = line.slice(2, -2).split(' | ').map(esc);
      const tag = i === 0 ? 'th' : 'td';
      return `<tr>${cells.map((x) => `<${tag}>${x}</${tag}>`).join('')}</tr>`;
    });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(c.title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;color:#222}
table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:right}
td:first-child,th:first-child{text-align:left}.charts{display:flex;flex-wrap:wrap;gap:1rem}figure{margin:0}
</style></head><body>
<h1>${esc(c.title)}</h1>
<ul>${c.details.map((d) => `<li>${esc(d)}</li>`).join('')}</ul>
<table>${table.join('\n')}</table>
<h2>Charts</h2>
<div class="charts">
${charts.join('\n')}
</div>
</body></html>
`;
}
