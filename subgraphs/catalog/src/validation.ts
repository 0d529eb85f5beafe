import { badUserInput } from '@recgraph/subgraph-kit';
import { z } from 'zod';

/**
 * Parses a resolver's arguments with a zod schema. The first problem becomes a
 * BAD_USER_INPUT whose `argument` is the path of the offending field
 * ("input.email", "inputs.3.value"), so clients can point at it.
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, root: string): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const argument = [root, ...issue.path.map(String)].filter(Boolean).join('.');
  throw badUserInput(`${argument}: ${issue.message}`, argument);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const uuid = z
  .string()
  .regex(UUID, 'must be a UUID')
  .transform((s) => s.toLowerCase());

/** Trimmed text of 1..max characters. */
export const text = (max: number) =>
  z.string().trim().min(1, 'must not be blank').max(max, `must be at most ${max} characters`);

/** Trimmed text that may be null (clear) or absent (leave as is). */
export const optionalText = (max: number) => text(max).nullish();

export const email = z
  .string()
  .trim()
  .max(254, 'must be at most 254 characters')
  .pipe(z.email({ error: 'must be a valid email address' }))
  .transform((s) => s.toLowerCase());

/** Major units (e.g. 19.99) → exact cents. */
export const majorUnits = (max: number) =>
  z
    .number()
    .finite()
    .min(0, 'must not be negative')
    .max(max, `must be at most ${max}`)
    .transform((v) => Math.round(v * 100));

/** Up to `max` distinct values, order kept. */
export const distinctList = <T extends z.ZodType>(item: T, max: number) =>
  z
    .array(item)
    .max(max, `must have at most ${max} entries`)
    .transform((xs) => [...new Set(xs as unknown[])] as z.output<T>[]);
