import type { GraphQLFormattedError } from 'graphql';
import { ErrorCode } from '@recgraph/subgraph-kit';

type FormatError = (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;

/**
 * Apollo rejects some malformed requests (an APQ hash that does not match its
 * query, for one) with a 4xx status but no code, which would otherwise be
 * masked as an internal error. The status says it is the client's to fix.
 */
export function withRequestErrors(format: FormatError): FormatError {
  return (formatted, error) => {
    // Duck-typed: the error may come from another copy of graphql-js than ours.
    const extensions = (error as { extensions?: { code?: unknown; http?: { status?: number } } } | null)?.extensions;
    if (extensions && extensions.code === undefined) {
      const status = extensions.http?.status;
      if (status !== undefined && status >= 400 && status < 500) {
        return { ...formatted, extensions: { code: ErrorCode.BAD_USER_INPUT, reason: 'BAD_REQUEST' } };
      }
    }
    return format(formatted, error);
  };
}
