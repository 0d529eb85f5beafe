import { HeaderMap } from '@apollo/server';
import type { PrismaClient } from '@recgraph/db';
import { GraphQLError } from 'graphql';
import {
  RateLimiterMemory,
  RateLimiterPostgres,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import { ErrorCode } from './errors.ts';

export type { RateLimiterAbstract };

/** A fixed window: `points` per `durationS` seconds. */
export interface FixedWindow {
  points: number;
  durationS: number;
}

/**
 * Where counters live. `memory`: this process only (the embedded quick start,
 * one process). `postgres`: the rate_limits table (migration
 * 20261202121500_signal_trust), so every replica charges the same budget.
 */
export type LimiterStore = { kind: 'memory' } | { kind: 'postgres'; prisma: PrismaClient };

/** Expire arrives as a BigInt through Prisma's raw queries; the limiter does arithmetic on it. */
const plain = (row: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v]));

/**
 * rate-limiter-flexible's Postgres store speaks `client.query({ text, values })`;
 * this runs its statements (one atomic upsert per charge) through Prisma, so
 * any service holding a PrismaClient can share limits without a second pool.
 */
function prismaQueryClient(prisma: PrismaClient) {
  return {
    async query(q: { text: string; values?: unknown[] }) {
      const rows = await prisma.$queryRawUnsafe<Record<string, unknown>[]>(q.text, ...(q.values ?? []));
      return { rows: rows.map(plain) };
    },
  };
}

/**
 * One fixed-window limiter named `name` (its keys are prefixed with it). A
 * Postgres-backed limiter falls back to a per-process memory limiter while the
 * database is unreachable, so an outage degrades limits to per-replica instead
 * of failing every request.
 */
export function createLimiter(store: LimiterStore, name: string, window: FixedWindow): RateLimiterAbstract {
  const options = { keyPrefix: name, points: window.points, duration: window.durationS };
  if (store.kind === 'memory') return new RateLimiterMemory(options);
  return new RateLimiterPostgres({
    ...options,
    storeClient: prismaQueryClient(store.prisma),
    storeType: 'client',
    tableName: 'rate_limits',
    tableCreated: true,
    clearExpiredByTimeout: false,
    insuranceLimiter: new RateLimiterMemory(options),
  });
}

/**
 * RATE_LIMITED with retryAfterSeconds: the one way every limit refuses. `http`
 * (the gateway, which answers the client itself) adds HTTP 429 and Retry-After;
 * a subgraph must not, or the gateway would see its whole response fail.
 */
export function rateLimitedError(message: string, msBeforeNext: number, http = false): GraphQLError {
  const retryAfterSeconds = Math.max(1, Math.ceil(msBeforeNext / 1000));
  return new GraphQLError(`${message}; retry after ${retryAfterSeconds} s`, {
    extensions: {
      code: ErrorCode.RATE_LIMITED,
      retryAfterSeconds,
      ...(http ? { http: { status: 429, headers: new HeaderMap([['retry-after', String(retryAfterSeconds)]]) } } : {}),
    },
  });
}

export interface RefuseOptions {
  /** Points to charge (default 1). */
  points?: number;
  /** Answer HTTP 429 with Retry-After (the gateway only; see rateLimitedError). */
  http?: boolean;
}

/** Charges `key`; over budget → rateLimitedError(message). */
export async function consumeOrRefuse(
  limiter: RateLimiterAbstract,
  key: string,
  message: string,
  options: RefuseOptions = {},
): Promise<void> {
  try {
    await limiter.consume(key, options.points ?? 1);
  } catch (rejection) {
    if (!(rejection instanceof RateLimiterRes)) throw rejection;
    throw rateLimitedError(message, rejection.msBeforeNext, options.http);
  }
}

/** Refuses when `key` has already spent its budget, without charging it. */
export async function refuseWhenSpent(
  limiter: RateLimiterAbstract,
  key: string,
  message: string,
  options: Pick<RefuseOptions, 'http'> = {},
): Promise<void> {
  const state = await limiter.get(key);
  if (state && state.consumedPoints >= limiter.points)
    throw rateLimitedError(message, state.msBeforeNext, options.http);
}
