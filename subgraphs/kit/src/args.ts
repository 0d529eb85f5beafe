import { createHash } from 'node:crypto';
import { badUserInput } from './errors.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (value: string): boolean => UUID.test(value);

/** Ids are Postgres uuids; anything else would surface as a database error, so reject it up front. */
export function requireUuid(value: string, argument: string): string {
  if (!isUuid(value))
    throw badUserInput(`${argument} must be a UUID (got ${JSON.stringify(value.slice(0, 64))})`, argument);
  return value.toLowerCase();
}

export const MAX_PAGE_SIZE = 100;

export function requirePageSize(first: number | null | undefined, fallback: number, argument = 'first'): number {
  const n = first ?? fallback;
  if (!Number.isInteger(n) || n <= 0 || n > MAX_PAGE_SIZE) {
    throw badUserInput(`${argument} must be between 1 and ${MAX_PAGE_SIZE} (got ${n})`, argument);
  }
  return n;
}

/**
 * Cursors are opaque offsets bound to the query they came from: a cursor
 * handed to a different filter/sort is a client bug we report rather than
 * silently paging through the wrong list. Offsets (not keysets) because the
 * sort keys include computed values (rating, text rank) with no stable tuple.
 */
export interface CursorScope {
  scope: string;
}

export function scopeOf(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 10);
}

export function encodeCursor(offset: number, scope: string): string {
  return Buffer.from(`${scope}:${offset}`, 'utf8').toString('base64url');
}

/** Offset of the first item after `after` (0 when absent). */
export function decodeCursor(after: string | null | undefined, scope: string, argument = 'after'): number {
  if (after === null || after === undefined) return 0;
  const raw = Buffer.from(after, 'base64url').toString('utf8');
  const m = /^([A-Za-z0-9_-]+):(\d{1,9})$/.exec(raw);
  if (!m) throw badUserInput(`${argument} is not a cursor this API issued`, argument);
  if (m[1] !== scope)
    throw badUserInput(`${argument} belongs to a different query (filter, sort or parent changed)`, argument);
  return Number(m[2]) + 1;
}

export interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: PageInfo;
  totalCount: number;
}

export function toConnection<T>(nodes: T[], offset: number, totalCount: number, scope: string): Connection<T> {
  const edges = nodes.map((node, i) => ({ cursor: encodeCursor(offset + i, scope), node }));
  return {
    edges,
    totalCount,
    pageInfo: {
      hasNextPage: offset + nodes.length < totalCount,
      hasPreviousPage: offset > 0,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}
