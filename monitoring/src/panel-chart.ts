// A dependency-free SVG of one dashboard: each panel's PromQL as Prometheus answered it over a
// time range, drawn as Grafana would (lines for timeseries, the last value for stats, rows for
// tables). docs/operations.md embeds these where a Grafana screenshot would go.
import type { DashboardSpec, PanelSpec } from './dashboards.ts';

/** One panel's answer: per target, the series Prometheus returned over the range. */
export type PanelData = { legend: string; metric: Record<string, string>; values: [number, number][] }[];

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
const W = 480;
const H = 250;
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Grafana's legendFormat: {{label}} replaced by the series' label value. */
export const legendOf = (format: string, metric: Record<string, string>): string =>
  format.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, k: string) => metric[k] ?? '');

/** A value in the panel's unit, short. */
export function formatValue(v: number, unit: string): string {
  if (!Number.isFinite(v)) return String(v);
  const n = (x: number) => Number(x.toPrecision(3)).toLocaleString('en', { maximumSignificantDigits: 3 });
  switch (unit) {
    case 'percentunit':
      return `${n(v * 100)}%`;
    case 's':
      return v >= 86400
        ? `${n(v / 86400)} d`
        : v >= 60
          ? `${n(v / 60)} min`
          : v >= 1
            ? `${n(v)} s`
            : `${n(v * 1000)} ms`;
    case 'bytes':
      return v >= 2 ** 30 ? `${n(v / 2 ** 30)} GiB` : v >= 2 ** 20 ? `${n(v / 2 ** 20)} MiB` : `${n(v / 1024)} KiB`;
    case 'reqps':
      return `${n(v)} req/s`;
    case 'ops':
      return `${n(v)}/s`;
    default:
      return n(v);
  }
}

function panelSvg(p: PanelSpec, data: PanelData, range: { start: number; end: number }): string {
  const m = { l: 64, r: 12, t: 34, b: 70 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const out = [
    `<rect width="${W - 8}" height="${H - 8}" x="4" y="4" fill="#fbfbfb" stroke="#ccc" rx="4"/>`,
    `<text x="14" y="24" font-size="13" font-weight="bold">${esc(p.title)}</text>`,
  ];
  const series = data.filter((s) => s.values.some(([, v]) => Number.isFinite(v))).slice(0, COLORS.length);
  if (series.length === 0) {
    out.push(`<text x="${W / 2}" y="${H / 2}" text-anchor="middle" fill="#999">no data</text>`);
    return out.join('');
  }
  if (p.kind === 'stat' || p.kind === 'table') {
    series.slice(0, 6).forEach((s, i) => {
      const last = s.values[s.values.length - 1]![1];
      out.push(
        `<text x="20" y="${m.t + 30 + i * 28}" font-size="${p.kind === 'stat' ? 20 : 12}" fill="${COLORS[i]}">${esc(
          p.kind === 'stat' ? formatValue(last, p.unit) : s.legend,
        )}</text>`,
        `<text x="${W - 20}" y="${m.t + 30 + i * 28}" text-anchor="end" fill="#555">${esc(
          p.kind === 'stat' ? s.legend : formatValue(last, p.unit),
        )}</text>`,
      );
    });
    return out.join('');
  }
  const finite = series.flatMap((s) => s.values.map(([, v]) => v)).filter(Number.isFinite);
  const lo = Math.min(0, ...finite);
  const hi = Math.max(...finite) > lo ? Math.max(...finite) * 1.1 : lo + 1;
  const x = (t: number) => m.l + ((t - range.start) / (range.end - range.start)) * pw;
  const y = (v: number) => m.t + ph - ((v - lo) / (hi - lo)) * ph;
  for (let i = 0; i <= 4; i++) {
    const v = lo + ((hi - lo) * i) / 4;
    out.push(
      `<line x1="${m.l}" x2="${m.l + pw}" y1="${y(v)}" y2="${y(v)}" stroke="#e5e5e5"/>`,
      `<text x="${m.l - 6}" y="${y(v) + 4}" text-anchor="end" font-size="10" fill="#555">${esc(formatValue(v, p.unit))}</text>`,
    );
  }
  const minutes = (range.end - range.start) / 60;
  const every = minutes > 20 ? 10 : minutes > 8 ? 2 : 1;
  for (let k = 0; k <= minutes; k += every) {
    const t = range.end - k * 60;
    out.push(
      `<text x="${x(t)}" y="${m.t + ph + 14}" text-anchor="middle" font-size="10" fill="#555">${k === 0 ? 'now' : `−${k}m`}</text>`,
    );
  }
  out.push(`<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#bbb"/>`);
  series.forEach((s, i) => {
    // Gaps (NaN, or a step Prometheus had no sample for) break the line, as in Grafana.
    let d = '';
    let pen = false;
    for (const [t, v] of s.values) {
      if (!Number.isFinite(v)) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${x(t).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
    }
    out.push(`<path d="${d}" fill="none" stroke="${COLORS[i]}" stroke-width="1.5"/>`);
    const col = i % 2;
    const row = Math.floor(i / 2);
    out.push(
      `<rect x="${m.l + col * 200}" y="${m.t + ph + 24 + row * 13}" width="10" height="3" fill="${COLORS[i]}"/>`,
      `<text x="${m.l + col * 200 + 14}" y="${m.t + ph + 29 + row * 13}" font-size="10">${esc(s.legend.slice(0, 34))}</text>`,
    );
  });
  return out.join('');
}

/** The dashboard as one SVG: its panels two per row, in the dashboard's order. */
export function dashboardSvg(
  d: DashboardSpec,
  data: readonly PanelData[],
  range: { start: number; end: number },
  note: string,
): string {
  const rows = Math.ceil(d.panels.length / 2);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * W}" height="${rows * H + 56}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="22" font-size="16" font-weight="bold">${esc(d.title)}</text>`,
    `<text x="10" y="40" fill="#555">${esc(note)}</text>`,
  ];
  d.panels.forEach((p, i) => {
    out.push(
      `<g transform="translate(${(i % 2) * W},${48 + Math.floor(i / 2) * H})">${panelSvg(p, data[i] ?? [], range)}</g>`,
    );
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
