import { readFileSync, writeFileSync } from 'node:fs';
import { ParseError } from './errors.ts';
import { EventType, IdMap, type Interactions } from './interactions.ts';
import type { TopK } from './topk.ts';

export interface RatingsFile {
  interactions: Interactions;
  users: IdMap;
  items: IdMap;
}

export interface ParseRatingsOptions {
  /** For error messages. */
  file?: string;
  /** ',' '\t' or '::' (default: detected from the first line). */
  delimiter?: string;
  /** Share id maps between files (train and test must use the same indices). */
  users?: IdMap;
  items?: IdMap;
  /** Treat every row as this event type (default RATE with the rating as value). */
  type?: keyof typeof EventType;
}

/**
 * Parses explicit-feedback rows `user,item[,rating[,timestamp]]` (CSV, TSV or `::`; CRLF or LF;
 * an optional header line is detected when the rating/timestamp fields are not numeric).
 */
export function parseRatings(text: string, o: ParseRatingsOptions = {}): RatingsFile {
  const users = o.users ?? new IdMap();
  const items = o.items ?? new IdMap();
  const file = o.file ?? '<input>';
  const lines = text.split('\n');
  const first = lines[0] ?? '';
  const delim = o.delimiter ?? (first.includes('\t') ? '\t' : first.includes('::') ? '::' : ',');
  const type = EventType[o.type ?? 'RATE'];
  const u: number[] = [];
  const it: number[] = [];
  const v: number[] = [];
  const ts: number[] = [];
  for (let ln = 0; ln < lines.length; ln++) {
    let line = lines[ln]!;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.trim() === '') continue;
    const parts = line.split(delim);
    if (parts.length < 2)
      throw new ParseError(file, ln + 1, `expected at least 2 fields separated by ${JSON.stringify(delim)}`);
    const rating = parts.length > 2 ? Number(parts[2]) : 1;
    const t = parts.length > 3 ? Number(parts[3]) : 0;
    if (ln === 0 && (Number.isNaN(rating) || Number.isNaN(t) || /^user(_?id)?$/i.test(parts[0]!.trim()))) continue; // header
    if (Number.isNaN(rating) || Number.isNaN(t))
      throw new ParseError(file, ln + 1, `non-numeric rating/timestamp: ${line}`);
    u.push(users.add(parts[0]!.trim()));
    it.push(items.add(parts[1]!.trim()));
    v.push(rating);
    ts.push(t);
  }
  return {
    interactions: {
      user: Int32Array.from(u),
      item: Int32Array.from(it),
      type: new Uint8Array(u.length).fill(type),
      value: Float32Array.from(v),
      timestamp: Float64Array.from(ts),
    },
    users,
    items,
  };
}

export function readRatingsFile(path: string, o: ParseRatingsOptions = {}): RatingsFile {
  return parseRatings(readFileSync(path, 'utf8'), { file: path, ...o });
}

/** Loads a train and a test file with one shared id space (test-only ids get new indices). */
export function readTrainTestFiles(
  trainPath: string,
  testPath: string,
  o: Omit<ParseRatingsOptions, 'users' | 'items' | 'file'> = {},
): { train: Interactions; test: Interactions; users: IdMap; items: IdMap } {
  const train = readRatingsFile(trainPath, o);
  const test = readRatingsFile(testPath, { ...o, users: train.users, items: train.items });
  return { train: train.interactions, test: test.interactions, users: train.users, items: train.items };
}

/**
 * Writes each user's top-k as `user<TAB>item<TAB>rank<TAB>score` lines (rank from 1).
 * `recs[j]` belongs to `userIndices[j]`.
 */
export function writeTopKFile(
  path: string,
  userIndices: ArrayLike<number>,
  recs: TopK[],
  users: IdMap,
  items: IdMap,
): void {
  const out: string[] = ['user\titem\trank\tscore'];
  for (let j = 0; j < recs.length; j++) {
    const uid = users.id(userIndices[j]!);
    const r = recs[j]!;
    for (let p = 0; p < r.items.length; p++)
      out.push(`${uid}\t${items.id(r.items[p]!)}\t${p + 1}\t${r.scores[p]!.toPrecision(6)}`);
  }
  writeFileSync(path, out.join('\n') + '\n');
}
