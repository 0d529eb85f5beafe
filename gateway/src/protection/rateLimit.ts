import type { IncomingMessage } from 'node:http';
import { HeaderMap } from '@apollo/server';
import type { Identity } from '@recgraph/auth';
import { ErrorCode } from '@recgraph/subgraph-kit';
import { GraphQLError } from 'graphql';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimit } from './options.ts';

export type RateLimitCheck = (identity: Identity, req: IncomingMessage) => Promise<void>;

/** Who a request counts against: the verified token subject, else the client address. */
export function rateLimitKey(identity: Identity, req: IncomingMessage): string {
  return identity.sub ? `sub:${identity.sub}` : `ip:${req.socket.remoteAddress ?? 'unknown'}`;
}

/**
 * A fixed-window request budget per caller, kept in this process's memory
 * (each gateway replica counts on its own). Over budget, the request fails
 * with HTTP 429, RATE_LIMITED and a Retry-After header, before any parsing
 * or subgraph work.
 */
export function createRateLimit(limit: RateLimit): RateLimitCheck {
  const limiter = new RateLimiterMemory({ points: limit.points, duration: limit.durationS });
  return async (identity, req) => {
    try {
      await limiter.consume(rateLimitKey(identity, req));
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      const retryAfterSeconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      throw new GraphQLError(
        `Rate limit of ${limit.points} requests per ${limit.durationS} s exceeded; retry after ${retryAfterSeconds} s`,
        {
          extensions: {
            code: ErrorCode.RATE_LIMITED,
            retryAfterSeconds,
            http: { status: 429, headers: new HeaderMap([['retry-after', String(retryAfterSeconds)]]) },
          },
        },
      );
    }
  };
}
