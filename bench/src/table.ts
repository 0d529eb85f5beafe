/** A benchmark's result: one table, printed and written as JSON. */
export interface BenchTable {
  title: string;
  columns: string[];
  rows: (string | number)[][];
  /** Free-form context: dataset, machine, the command that reproduces it. */
  notes?: string[];
}

const fmt = (v: string | number): string =>
  typeof v === 'number'
    ? Number.isInteger(v)
      ? v.toLocaleString('en-US')
      : v.toLocaleString('en-US', { maximumFractionDigits: 3 })
    : v;

/** Renders a GitHub-flavoured markdown table (readable in a terminal too). */
export function renderTable(t: BenchTable): string {
  const cells = t.rows.map((r) => r.map(fmt));
  const widths = t.columns.map((c, i) => Math.max(c.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (vals: string[]) => '| ' + vals.map((v, i) => v.padEnd(widths[i]!)).join(' | ') + ' |';
  const out = [`### ${t.title}`, '', line(t.columns), '| ' + widths.map((w) => '-'.repeat(w)).join(' | ') + ' |'];
  for (const r of cells) out.push(line(r));
  for (const n of t.notes ?? []) out.push('', `> ${n}`);
  return out.join('\n');
}
