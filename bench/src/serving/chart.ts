// A dependency-free SVG: p99 latency (log scale) against offered rate, one line
// per query, one panel per layout, with each query's p99 target dashed.

export interface ChartSeries {
  label: string;
  color: string;
  /** Dashed horizontal line: the query's p99 target, if any. */
  targetMs?: number | undefined;
  points: { rate: number; p99: number }[];
}

export interface ChartPanel {
  title: string;
  series: ChartSeries[];
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function p99Chart(title: string, panels: ChartPanel[], note: string): string {
  const W = 680;
  const H = 360;
  const m = { l: 60, r: 20, t: 52, b: 130 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const all = panels.flatMap((p) => p.series.flatMap((s) => s.points));
  const targets = panels.flatMap((p) => p.series.map((s) => s.targetMs ?? NaN)).filter(Number.isFinite);
  const maxRate = Math.max(1, ...all.map((p) => p.rate));
  const lo = 10 ** Math.floor(Math.log10(Math.max(0.1, 0.9 * Math.min(...all.map((p) => p.p99), ...targets))));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(1, ...all.map((p) => p.p99), ...targets)));
  const x = (rate: number) => m.l + (rate / maxRate) * pw;
  const y = (ms: number) => m.t + ph - ((Math.log10(Math.max(ms, lo)) - Math.log10(lo)) / Math.log10(hi / lo)) * ph;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W * panels.length}" height="${H + 30}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="18" font-size="14" font-weight="bold">${esc(title)}</text>`,
    `<text x="10" y="${H + 22}" fill="#555">${esc(note)}</text>`,
  ];
  panels.forEach((panel, i) => {
    out.push(`<g transform="translate(${i * W},0)">`);
    out.push(`<text x="${m.l}" y="${m.t - 8}" font-size="12" font-weight="bold">${esc(panel.title)}</text>`);
    for (let d = lo; d <= hi; d *= 10) {
      out.push(
        `<line x1="${m.l}" x2="${m.l + pw}" y1="${y(d)}" y2="${y(d)}" stroke="#ddd"/>`,
        `<text x="${m.l - 6}" y="${y(d) + 4}" text-anchor="end">${d >= 1000 ? `${d / 1000} s` : `${d} ms`}</text>`,
      );
    }
    const rates = [...new Set(all.map((p) => p.rate))].sort((a, b) => a - b);
    for (const r of rates)
      out.push(
        `<line x1="${x(r)}" x2="${x(r)}" y1="${m.t}" y2="${m.t + ph}" stroke="#f0f0f0"/>`,
        `<text x="${x(r)}" y="${m.t + ph + 14}" text-anchor="middle">${r}</text>`,
      );
    out.push(
      `<text x="${m.l + pw / 2}" y="${m.t + ph + 30}" text-anchor="middle">offered rate (req/s, open loop)</text>`,
      `<text transform="translate(14,${m.t + ph / 2}) rotate(-90)" text-anchor="middle">p99 latency</text>`,
      `<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`,
    );
    panel.series.forEach((s, j) => {
      if (s.targetMs)
        out.push(
          `<line x1="${m.l}" x2="${m.l + pw}" y1="${y(s.targetMs)}" y2="${y(s.targetMs)}" stroke="${s.color}" stroke-dasharray="5,4" opacity="0.7"/>`,
        );
      const pts = s.points.map((p) => `${x(p.rate).toFixed(1)},${y(p.p99).toFixed(1)}`);
      if (pts.length)
        out.push(`<polyline points="${pts.join(' ')}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
      for (const p of s.points)
        out.push(`<circle cx="${x(p.rate).toFixed(1)}" cy="${y(p.p99).toFixed(1)}" r="3" fill="${s.color}"/>`);
      const ly = m.t + ph + 46 + j * 15;
      out.push(
        `<line x1="${m.l}" x2="${m.l + 20}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"/>`,
        `<text x="${m.l + 26}" y="${ly}">${esc(s.label)}${s.targetMs ? ` (target p99 ≤ ${s.targetMs} ms, dashed)` : ''}</text>`,
      );
    });
    out.push('</g>');
  });
  out.push('</svg>');
  return out.join('\n');
}
