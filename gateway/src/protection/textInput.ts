import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { ErrorCode } from '@recgraph/subgraph-kit';
import type { DocumentNode } from 'graphql';
import { gql } from '../subscriptions/graphqlRuntime.ts';

const NUL = '\u0000';

function hasNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes(NUL);
  if (depth > 64 || value === null || typeof value !== 'object') return false;
  for (const [k, v] of Object.entries(value)) if (k.includes(NUL) || hasNul(v, depth + 1)) return true;
  return false;
}

function documentHasNul(document: DocumentNode): boolean {
  let found = false;
  gql.visit(document, {
    StringValue(node) {
      if (node.value.includes(NUL)) found = true;
    },
  });
  return found;
}

/**
 * Refuses text holding a NUL character (U+0000) in variables or string
 * literals, before any subgraph is called: Postgres text and jsonb cannot
 * store it, so it would otherwise surface deep in a resolver as an internal
 * error (found by the fuzz suite, e.g. `suggest(prefix: "\u0000")`).
 * BAD_USER_INPUT, reason NUL_CHARACTER, HTTP 400.
 */
export function textInputPlugin(): ApolloServerPlugin<BaseContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, request }) {
          if (hasNul(request.variables) || documentHasNul(document)) {
            throw new gql.GraphQLError('Text must not contain NUL characters (U+0000).', {
              extensions: { code: ErrorCode.BAD_USER_INPUT, reason: 'NUL_CHARACTER', http: { status: 400 } },
            });
          }
        },
      };
    },
  };
}
