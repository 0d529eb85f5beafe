import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parse as parseCsv } from 'csv-parse/sync';

/** A parsed CSV record and the physical line it starts on (1-based; the header is line 1). */
export type CsvItem = { line: number; fields: string[] } | { line: number; error: string };

export interface CsvReadOptions {
  /** A quoted field may span at most this many physical lines (default 16). */
  maxLinesPerRecord?: number;
}

type Parsed = { fields: string[] } | { unclosed: true } | { error: string };

/**
 * Streams a CSV file record by record with exact line numbers, and recovers
 * from broken quoting instead of giving up on the rest of the file.
 *
 * csv-parse alone, with skip_records_with_error, stays inside a stray quote and
 * swallows the following good rows; so lines are read one at a time (readline
 * handles LF and CRLF) and each is parsed on its own. Lines without a quote
 * take a plain split (the bulk of numeric files such as ratings.csv). A line
 * whose quote is still open is joined with the next lines, up to a limit, and
 * only accepted when the joined record has the header's column count;
 * otherwise its first line is reported and the following lines are parsed
 * again on their own, so one bad quote costs one row.
 */
export async function* readCsv(file: string, options: CsvReadOptions = {}): AsyncGenerator<CsvItem> {
  const maxLines = options.maxLinesPerRecord ?? 16;
  const input = createReadStream(file, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Infinity });
  let columns: number | undefined;
  let pending: { no: number; text: string }[] = [];
  let lineNo = 0;

  // Feeds one physical line; returns what is complete so far.
  function* feed(no: number, text: string): Generator<CsvItem> {
    if (pending.length) {
      pending.push({ no, text });
      const joined = pending.map((l) => l.text).join('\n');
      const parsed = parseRecord(joined);
      if ('unclosed' in parsed && pending.length < maxLines) return;
      if ('fields' in parsed && parsed.fields.length === columns) {
        const start = pending[0]!.no;
        pending = [];
        yield { line: start, fields: parsed.fields };
        return;
      }
      yield* giveUpPending();
      return;
    }
    if (text.trim() === '') return;
    const parsed = parseRecord(text);
    if ('unclosed' in parsed) {
      pending = [{ no, text }];
      return;
    }
    if ('error' in parsed) {
      yield { line: no, error: parsed.error };
      return;
    }
    columns ??= parsed.fields.length;
    yield { line: no, fields: parsed.fields };
  }

  // Reports the first pending line and re-reads the rest, which may hold good rows.
  function* giveUpPending(): Generator<CsvItem> {
    const [first, ...rest] = pending;
    pending = [];
    if (first) yield { line: first.no, error: 'a quoted field is not closed (unbalanced quotes)' };
    for (const l of rest) yield* feed(l.no, l.text);
  }

  try {
    for await (const raw of lines) {
      lineNo++;
      yield* feed(lineNo, lineNo === 1 ? raw.replace(/^\uFEFF/, '') : raw);
    }
    while (pending.length) yield* giveUpPending();
  } finally {
    lines.close();
    input.destroy();
  }
}

function parseRecord(text: string): Parsed {
  if (!text.includes('"')) return { fields: text.split(',') };
  try {
    const records = parseCsv(text, { relax_column_count: true, record_delimiter: ['\n'] }) as string[][];
    if (records.length !== 1) return { error: 'a quoted field spans lines but does not form one record' };
    return { fields: records[0]! };
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'CSV_QUOTE_NOT_CLOSED') return { unclosed: true };
    if (code === 'CSV_INVALID_CLOSING_QUOTE')
      return { error: 'broken quoting: a closing quote is followed by other characters' };
    return { error: `broken quoting (${code ?? (err as Error).message})` };
  }
}
