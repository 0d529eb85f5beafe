// What one ask may be: a message of bounded size, and a bounded number of asks
// per caller and minute (counted in the shared rate_limits table, so every
// replica charges one budget).
import type { Identity } from '@recgraph/auth';
import type { PrismaClient } from '@recgraph/db';
import { ErrorCode } from '@recgraph/subgraph-kit';
import { consumeOrRefuse, createLimiter, type RateLimiterAbstract } from '@recgraph/subgraph-kit/rateLimits';
import { GraphQLError } from 'graphql';
import { signedInOwner } from './threads.ts';

export interface AskLimits {
  /** Longest message, in characters. */
  maxMessageChars: number;
  /** Asks per caller per minute; 0: unlimited. */
  asksPerMinute: number;
}

export const DEFAULT_ASK_LIMITS: AskLimits = { maxMessageChars: 2000, asksPerMinute: 20 };

/**
 * Anonymous callers are known by their thread only, so starting a thread is
 * charged to one budget all anonymous shoppers share (the gateway's per-address
 * request limit keeps one address from spending it all quickly), this many
 * times a single caller's.
 */
const ANONYMOUS_STARTS_FACTOR = 10;

function messageError(message: string, reason: string, extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: ErrorCode.BAD_USER_INPUT, argument: 'message', reason, ...extra },
  });
}

/** The message as the agent gets it (trimmed), or BAD_USER_INPUT with a `reason` a client can branch on. */
export function validMessage(message: string, limits: AskLimits): string {
  const text = message.trim();
  if (!text) throw messageError('message must not be empty', 'MESSAGE_EMPTY');
  if (text.length > limits.maxMessageChars)
    throw messageError(
      `message must be at most ${limits.maxMessageChars} characters (got ${text.length})`,
      'MESSAGE_TOO_LONG',
      { maxLength: limits.maxMessageChars },
    );
  // Postgres text cannot hold NUL; other control characters (bar newlines and tabs) are never a question.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text))
    throw messageError('message must not contain control characters', 'MESSAGE_CONTROL_CHARACTERS');
  return text;
}

export type AskLimiter = (identity: Identity, threadId: string | undefined) => Promise<void>;

/** Charges one ask to the caller (RATE_LIMITED with retryAfterSeconds when spent). */
export function createAskLimiter(prisma: PrismaClient, limits: AskLimits): AskLimiter {
  if (limits.asksPerMinute <= 0) return async () => {};
  const perCaller: RateLimiterAbstract = createLimiter({ kind: 'postgres', prisma }, 'assistant-ask', {
    points: limits.asksPerMinute,
    durationS: 60,
  });
  const anonymousStarts = createLimiter({ kind: 'postgres', prisma }, 'assistant-anon-start', {
    points: limits.asksPerMinute * ANONYMOUS_STARTS_FACTOR,
    durationS: 60,
  });
  return async (identity, threadId) => {
    const owner = signedInOwner(identity);
    const message = `At most ${limits.asksPerMinute} questions a minute`;
    if (owner) return consumeOrRefuse(perCaller, `user:${owner}`, message);
    if (threadId) return consumeOrRefuse(perCaller, `thread:${threadId}`, message);
    return consumeOrRefuse(anonymousStarts, 'all', 'Too many new anonymous conversations right now');
  };
}
