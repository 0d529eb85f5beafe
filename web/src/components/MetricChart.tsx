/** A small SVG line chart of one offline metric across model versions (oldest first). */
export function MetricChart({
  title,
  points,
}: {
  title: string;
  points: { label: string; value: number; active: boolean }[];
}) {
  const W = 480;
  const H = 160;
  const pad = 44;
  if (points.length === 0) return null;
  const values = points.map((p) => p.value);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const span = hi - lo || Math.abs(hi) || 1;
  const x = (i: number) => pad + (points.length === 1 ? (W - 2 * pad) / 2 : (i * (W - 2 * pad)) / (points.length - 1));
  const y = (v: number) => H - pad - ((v - lo) / span) * (H - 2 * pad);
  const path = points.map((p, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ');
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby="chart-title chart-desc" width="100%">
        <title id="chart-title">{title}</title>
        <desc id="chart-desc">{points.map((p) => `${p.label}: ${p.value.toFixed(4)}`).join('; ')}</desc>
        <line x1={pad} y1={H - pad} x2={W - pad} y2={H - pad} className="axis" />
        <text x={4} y={y(hi) + 4} className="tick">
          {hi.toFixed(3)}
        </text>
        <text x={4} y={y(lo) + 4} className="tick">
          {lo.toFixed(3)}
        </text>
        <path d={path} className="line" fill="none" />
        {points.map((p, i) => (
          <circle key={i} cx={x(i)} cy={y(p.value)} r={p.active ? 6 : 4} className={p.active ? 'dot active' : 'dot'}>
            <title>{`${p.label}: ${p.value.toFixed(4)}`}</title>
          </circle>
        ))}
      </svg>
      <figcaption>{title} by model version, oldest first; the larger dot is the active model.</figcaption>
    </figure>
  );
}
