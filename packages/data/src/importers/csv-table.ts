import { existsSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { readCsv } from './csv-lines.ts';
import { UnusableInputError, type ReportBuilder } from './report.ts';

/** A CSV whose header must name `required` columns (others are ignored). */
export interface TableSpec {
  file: string;
  required: readonly string[];
}

/** Reads only the header and checks it, so a multi-file import refuses bad input before writing anything. */
export async function checkTable(spec: TableSpec): Promise<string[]> {
  const name = basename(spec.file);
  if (!existsSync(spec.file) || !statSync(spec.file).isFile())
    throw new UnusableInputError(`${spec.file} does not exist`);
  for await (const item of readCsv(spec.file)) {
    if ('error' in item) throw new UnusableInputError(`${name}: the header line cannot be read (${item.error})`);
    const header = item.fields.map((h) => h.trim());
    const missing = spec.required.filter((c) => !header.includes(c));
    if (missing.length) {
      throw new UnusableInputError(
        `${name}: wrong header "${header.join(',')}": expected columns ${spec.required.join(',')} (missing ${missing.join(', ')})`,
      );
    }
    return header;
  }
  throw new UnusableInputError(`${name} is empty: expected the header ${spec.required.join(',')}`);
}

/**
 * Streams the data rows of a checked table as column → value. Rows that do not
 * parse or have the wrong number of cells are counted as read and reported as
 * malformed, then skipped.
 */
export async function* readTable(
  spec: TableSpec,
  report: ReportBuilder,
): AsyncGenerator<{ line: number; row: Record<string, string> }> {
  const name = basename(spec.file);
  let header: string[] | undefined;
  for await (const item of readCsv(spec.file)) {
    if (!header) {
      if ('error' in item) throw new UnusableInputError(`${name}: the header line cannot be read (${item.error})`);
      header = item.fields.map((h) => h.trim());
      continue;
    }
    report.read(name);
    if ('error' in item) {
      report.malformed(name, item.line, item.error);
      continue;
    }
    if (item.fields.length !== header.length) {
      report.malformed(name, item.line, `expected ${header.length} columns, found ${item.fields.length}`);
      continue;
    }
    const row: Record<string, string> = {};
    for (let i = 0; i < header.length; i++) row[header[i]!] = item.fields[i]!.trim();
    yield { line: item.line, row };
  }
}

/** Digits only, within JavaScript's exact integer range ("12", not "12.0", "-1" or "abc"). */
export function parseId(value: string | undefined): string | undefined {
  return value !== undefined && /^\d{1,15}$/.test(value) ? String(Number(value)) : undefined;
}

/** A whole number of seconds or milliseconds since the epoch → Date, refusing the absurd. */
export function parseEpoch(value: string | undefined, unit: 's' | 'ms'): Date | undefined {
  if (value === undefined || !/^\d{1,16}$/.test(value)) return undefined;
  const ms = Number(value) * (unit === 's' ? 1000 : 1);
  const d = new Date(ms);
  // 1990..2100: anything outside is a unit mix-up or garbage, not an event.
  return ms >= 631_152_000_000 && ms < 4_102_444_800_000 ? d : undefined;
}
