/** Options of the synthetic store and their validation. */

export interface GenerateOptions {
  /** Any safe integer; the same seed and options always give the same store. */
  seed: number;
  /** Number of products (at least 1). */
  products: number;
  /** Number of users; default products / 4 (at least 1). */
  users?: number;
  /** Mean number of interactions per user; default 30. */
  interactionsPerUser?: number;
  /** Start of the interaction window; default 2026-01-01T00:00:00Z. */
  start?: Date;
  /** Length of the interaction window in days; default 90. */
  days?: number;
}

export const DEFAULT_START = new Date('2026-01-01T00:00:00Z');
export const DEFAULT_DAYS = 90;
export const DEFAULT_INTERACTIONS_PER_USER = 30;

/** Upper bounds are sanity limits against typos (an extra zero), not performance limits. */
const MAX_PRODUCTS = 10_000_000;
const MAX_USERS = 10_000_000;
const MAX_INTERACTIONS_PER_USER = 10_000;
const MAX_DAYS = 3660;

export class GenerateOptionsError extends Error {
  override name = 'GenerateOptionsError';
}

function requireInteger(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new GenerateOptionsError(`${name} must be an integer, got ${String(value)}`);
  }
  if (value < min || value > max) {
    throw new GenerateOptionsError(`${name} must be between ${min} and ${max}, got ${value}`);
  }
  return value;
}

export function resolveOptions(options: GenerateOptions): Required<GenerateOptions> {
  if (options === null || typeof options !== 'object') {
    throw new GenerateOptionsError('options must be an object like { seed: 42, products: 1000 }');
  }
  const seed = requireInteger('seed', options.seed, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  const products = requireInteger('products', options.products, 1, MAX_PRODUCTS);
  const users = requireInteger('users', options.users ?? Math.max(1, Math.floor(products / 4)), 1, MAX_USERS);

  const interactionsPerUser = options.interactionsPerUser ?? DEFAULT_INTERACTIONS_PER_USER;
  if (
    typeof interactionsPerUser !== 'number' ||
    !Number.isFinite(interactionsPerUser) ||
    interactionsPerUser < 0 ||
    interactionsPerUser > MAX_INTERACTIONS_PER_USER
  ) {
    throw new GenerateOptionsError(
      `interactionsPerUser must be a number between 0 and ${MAX_INTERACTIONS_PER_USER}, got ${String(interactionsPerUser)}`,
    );
  }

  const start = options.start ?? DEFAULT_START;
  if (!(start instanceof Date) || Number.isNaN(start.getTime())) {
    throw new GenerateOptionsError(`start must be a valid Date, got ${String(start)}`);
  }
  const days = requireInteger('days', options.days ?? DEFAULT_DAYS, 1, MAX_DAYS);

  // Copy the date so a caller mutating theirs cannot change the store afterwards.
  return { seed, products, users, interactionsPerUser, start: new Date(start.getTime()), days };
}
