/** One rejected input row: where it is and why. */
export interface MalformedRow {
  file: string;
  /** 1-based physical line number in `file` (the header is line 1). */
  line: number;
  reason: string;
}

/** Counts for one kind of entity written by an import. */
export interface EntityCounts {
  inserted: number;
  updated: number;
  /** Already stored with the same values, or the same idempotency key (re-runs land here). */
  unchanged: number;
}

export interface ImportReport {
  source: string;
  /** Data rows read (headers and blank lines excluded), per file name. */
  rowsRead: Record<string, number>;
  written: Record<string, EntityCounts>;
  /** Rows repeating an earlier row's key in the same input; the last one wins (upserts) or the first (events). */
  duplicateRows: number;
  malformed: { count: number; examples: MalformedRow[] };
  /** Non-fatal observations (e.g. unknown properties ignored). */
  notes: string[];
  seconds: number;
}

/** Accumulates an ImportReport while an import runs; keeps only the first `maxExamples` bad rows. */
export class ReportBuilder {
  private readonly report: ImportReport;
  private readonly startedAt = performance.now();

  constructor(
    source: string,
    private readonly maxExamples = 20,
  ) {
    this.report = {
      source,
      rowsRead: {},
      written: {},
      duplicateRows: 0,
      malformed: { count: 0, examples: [] },
      notes: [],
      seconds: 0,
    };
  }

  read(file: string, n = 1): void {
    this.report.rowsRead[file] = (this.report.rowsRead[file] ?? 0) + n;
  }

  malformed(file: string, line: number, reason: string): void {
    this.report.malformed.count++;
    if (this.report.malformed.examples.length < this.maxExamples)
      this.report.malformed.examples.push({ file, line, reason });
  }

  duplicate(n = 1): void {
    this.report.duplicateRows += n;
  }

  wrote(entity: string, counts: Partial<EntityCounts>): void {
    const e = (this.report.written[entity] ??= { inserted: 0, updated: 0, unchanged: 0 });
    e.inserted += counts.inserted ?? 0;
    e.updated += counts.updated ?? 0;
    e.unchanged += counts.unchanged ?? 0;
  }

  note(text: string): void {
    if (!this.report.notes.includes(text)) this.report.notes.push(text);
  }

  finish(): ImportReport {
    this.report.malformed.examples.sort((a, b) => (a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1));
    this.report.seconds = Math.round((performance.now() - this.startedAt) / 10) / 100;
    return this.report;
  }
}

/** Thrown when an input cannot be imported at all (missing file, wrong header); nothing was written. */
export class UnusableInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnusableInputError';
  }
}
