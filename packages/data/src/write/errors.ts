/** A record a writer refuses before touching the database; `index` is its position in the batch. */
export interface RecordProblem {
  index: number;
  key: string;
  reason: string;
}

/**
 * Thrown when a batch holds records that break the record contract (records.ts).
 * Nothing of the batch was written.
 */
export class InvalidRecordError extends Error {
  readonly problems: readonly RecordProblem[];
  constructor(kind: string, problems: RecordProblem[]) {
    const shown = problems
      .slice(0, 5)
      .map((p) => `  #${p.index} (${p.key}): ${p.reason}`)
      .join('\n');
    super(
      `${problems.length} invalid ${kind} record(s); nothing of this batch was written:\n${shown}${problems.length > 5 ? '\n  ...' : ''}`,
    );
    this.name = 'InvalidRecordError';
    this.problems = problems;
  }
}

/** Collects per-record problems and throws them together, so callers see every bad record at once. */
export function assertRecords<T>(
  kind: string,
  records: readonly T[],
  key: (r: T) => string,
  check: (r: T) => string | undefined,
): void {
  const problems: RecordProblem[] = [];
  records.forEach((r, index) => {
    let reason: string | undefined;
    try {
      reason = check(r);
    } catch (err) {
      reason = (err as Error).message;
    }
    if (reason) problems.push({ index, key: safeKey(() => key(r)), reason });
  });
  if (problems.length) throw new InvalidRecordError(kind, problems);
}

function safeKey(fn: () => string): string {
  try {
    return String(fn());
  } catch {
    return '?';
  }
}
