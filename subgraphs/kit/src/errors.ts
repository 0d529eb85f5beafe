import { unwrapResolverError } from '@apollo/server/errors';
import { AuthError } from '@recgraph/auth';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';

/** The only codes Recgraph clients ever see in `extensions.code`. */
export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  RATE_LIMITED: 'RATE_LIMITED',
  /** A dependency took too long: a database statement, a pool connection, a subgraph fetch. Retry later. */
  TIMEOUT: 'TIMEOUT',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const KNOWN = new Set<string>(Object.values(ErrorCode));

export function badUserInput(message: string, argument?: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: ErrorCode.BAD_USER_INPUT, ...(argument ? { argument } : {}) },
  });
}

export function notFound(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.NOT_FOUND } });
}

// Apollo's own request-shape codes are stable too, but clients are promised
// one small vocabulary; the original stays in `reason` for debugging.
const CLIENT_MISTAKES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

/** What each timeout looks like on its way up (the pg driver, pg-pool, Prisma's adapter). */
const TIMEOUT_SIGNS: { code?: string; message?: RegExp; what: string }[] = [
  { code: '57014', what: 'A database statement took too long' },
  { message: /canceling statement due to statement timeout/i, what: 'A database statement took too long' },
  { message: /timeout exceeded when trying to connect/i, what: 'No database connection became free in time' },
];

/**
 * The timeout `error` is, looking through its causes (Prisma and the pg adapter
 * wrap the driver's error), as a client-safe sentence; undefined otherwise.
 */
export function describeTimeout(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  let e: unknown = error;
  while (e && typeof e === 'object' && !seen.has(e)) {
    seen.add(e);
    const o = e as { code?: unknown; message?: unknown; cause?: unknown; originalError?: unknown; meta?: unknown };
    const text = `${typeof o.message === 'string' ? o.message : ''} ${JSON.stringify(o.meta ?? '')}`;
    for (const sign of TIMEOUT_SIGNS) {
      if (sign.code && (o.code === sign.code || text.includes(`"${sign.code}"`))) return sign.what;
      if (sign.message?.test(text)) return sign.what;
    }
    e = o.originalError ?? o.cause;
  }
  return undefined;
}

/**
 * Apollo `formatError`: keeps deliberate errors, maps Apollo's request-shape
 * codes onto BAD_USER_INPUT and database timeouts onto TIMEOUT, and hides anything internal behind a generic
 * INTERNAL_SERVER_ERROR (logged in full) so database messages and internal
 * addresses never reach clients.
 */
export function createErrorFormatter(onInternal: (error: unknown) => void) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    // Access rules throw AuthError from plain code (no GraphQL inside @recgraph/auth).
    const original = unwrapResolverError(error);
    if (original instanceof AuthError) {
      return { ...formatted, message: original.message, extensions: { code: original.code } };
    }
    const code = formatted.extensions?.code;
    // INTERNAL_SERVER_ERROR is masked even when set deliberately: the gateway
    // uses it for unreachable subgraphs, with their internal URLs in the message.
    if (typeof code === 'string' && KNOWN.has(code) && code !== ErrorCode.INTERNAL_SERVER_ERROR) return formatted;
    if (typeof code === 'string' && CLIENT_MISTAKES.has(code)) {
      return { ...formatted, extensions: { ...formatted.extensions, code: ErrorCode.BAD_USER_INPUT, reason: code } };
    }
    const timeout = describeTimeout(original);
    if (timeout) {
      onInternal(error);
      const { locations, path } = formatted;
      return {
        message: `${timeout}; retry later`,
        ...(locations ? { locations } : {}),
        ...(path ? { path } : {}),
        extensions: { code: ErrorCode.TIMEOUT },
      };
    }
    onInternal(error);
    const { locations, path } = formatted;
    return {
      message: 'Internal server error',
      ...(locations ? { locations } : {}),
      ...(path ? { path } : {}),
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
    };
  };
}
