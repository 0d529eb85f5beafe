import { badUserInput, requireUuid } from '@recgraph/subgraph-kit';

/** A Float argument that must lie in [0, 1] (alpha, diversity). */
export function requireUnitInterval(value: number | null | undefined, fallback: number, argument: string): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v < 0 || v > 1)
    throw badUserInput(`${argument} must be between 0 and 1 (got ${v})`, argument);
  return v;
}

export const MAX_ID_LIST = 50;

/** A list of UUIDs (deduplicated, lowercased), at most MAX_ID_LIST long. */
export function requireUuidList(values: readonly string[] | null | undefined, argument: string): string[] {
  const list = values ?? [];
  if (list.length > MAX_ID_LIST)
    throw badUserInput(`${argument} takes at most ${MAX_ID_LIST} ids (got ${list.length})`, argument);
  return [...new Set(list.map((v) => requireUuid(v, argument)))];
}

export function requireEnum<T extends string>(
  value: string | null | undefined,
  allowed: readonly T[],
  fallback: T,
  argument: string,
): T {
  const v = value ?? fallback;
  // GraphQL already enforces enums; this guards direct resolver calls and future schema edits.
  if (!(allowed as readonly string[]).includes(v))
    throw badUserInput(`${argument} must be one of ${allowed.join(', ')}`, argument);
  return v as T;
}
