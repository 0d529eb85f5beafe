import type { ImportReport } from './report.ts';

/** The human-readable summary the CLI prints: one table of counts, then the first bad rows by line. */
export function formatImportReport(report: ImportReport): string {
  const rows: string[][] = [['', 'inserted', 'updated', 'unchanged/duplicate']];
  for (const [entity, c] of Object.entries(report.written))
    rows.push([entity, String(c.inserted), String(c.updated), String(c.unchanged)]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const table = rows
    .map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '))
    .join('\n');
  const read = Object.entries(report.rowsRead)
    .map(([file, n]) => `${file} ${n}`)
    .join(', ');
  const total = Object.values(report.rowsRead).reduce((a, b) => a + b, 0);
  const lines = [
    `Import ${report.source}: ${total} rows read in ${report.seconds}s${report.seconds > 0 ? ` (${Math.round(total / report.seconds)} rows/s)` : ''}`,
    `  rows read: ${read || 'none'}`,
    '',
    table,
    '',
    `duplicate rows in the input: ${report.duplicateRows}`,
    `malformed rows (skipped, nothing written): ${report.malformed.count}`,
    ...report.malformed.examples.map((m) => `  ${m.file}:${m.line}  ${m.reason}`),
    ...(report.malformed.count > report.malformed.examples.length
      ? [`  ... and ${report.malformed.count - report.malformed.examples.length} more`]
      : []),
    ...report.notes.map((n) => `note: ${n}`),
  ];
  return lines.join('\n');
}
