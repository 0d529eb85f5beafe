import { InvalidTrainingOptionsError } from '../errors.ts';

/** A CLI usage problem: the command prints it with the usage text and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export function parseNumber(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n))
    throw new UsageError(`--${flag} expects a number, got ${JSON.stringify(v)}`);
  return n;
}

export function parseIntList(flag: string, v: string | undefined): number[] | undefined {
  if (v === undefined) return undefined;
  return v.split(',').map((s) => {
    const n = Number(s.trim());
    if (!Number.isInteger(n) || n < 1)
      throw new UsageError(`--${flag} expects positive integers like 10,20, got ${JSON.stringify(v)}`);
    return n;
  });
}

export function parseDate(flag: string, v: string | undefined): Date | undefined {
  if (v === undefined) return undefined;
  const d = new Date(v);
  if (Number.isNaN(d.getTime()))
    throw new UsageError(`--${flag} expects a date like 2026-01-31 or an ISO timestamp, got ${JSON.stringify(v)}`);
  return d;
}

/** "factors=32,regularization=5" → { factors: 32, regularization: 5 } (validated later per algorithm). */
export function parseParamList(flag: string, v: string | undefined): Record<string, number> {
  if (v === undefined || v.trim() === '') return {};
  const out: Record<string, number> = {};
  for (const pair of v.split(',')) {
    const [key, value, ...rest] = pair.split('=');
    const n = Number(value);
    if (!key || value === undefined || rest.length || !Number.isFinite(n))
      throw new UsageError(
        `--${flag} expects name=number pairs like factors=32,regularization=5, got ${JSON.stringify(pair)}`,
      );
    out[toCamel(key.trim())] = n;
  }
  return out;
}

const toCamel = (s: string) => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

export function parseSplitKind(v: string | undefined): 'stratified' | 'temporal' | undefined {
  if (v === undefined) return undefined;
  if (v !== 'stratified' && v !== 'temporal')
    throw new UsageError(`--split expects stratified or temporal, got ${JSON.stringify(v)}`);
  return v;
}

/** Errors a user can fix by changing the command line. */
export const isUsageProblem = (err: unknown): boolean =>
  err instanceof UsageError || err instanceof InvalidTrainingOptionsError;
