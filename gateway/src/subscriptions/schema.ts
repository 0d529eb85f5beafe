import { readFileSync } from 'node:fs';
import type { DocumentNode, GraphQLSchema } from 'graphql';
import { gql } from './graphqlRuntime.ts';

export const SUBSCRIPTIONS_SDL_FILE = new URL('../../subscriptions.graphql', import.meta.url);

/** Types defined by subscriptions.graphql, resolved here rather than through the gateway. */
let sdl: DocumentNode | undefined;
const extended = new WeakMap<GraphQLSchema, GraphQLSchema>();

/**
 * The supergraph's API schema (what clients query) extended with the
 * Subscription type, so subscription documents validate against the same
 * Product, Money, ... types a query sees. Rebuilt only when the gateway
 * loads a new supergraph (live mode), since the API schema object changes then.
 */
export function subscriptionSchema(apiSchema: GraphQLSchema): GraphQLSchema {
  let schema = extended.get(apiSchema);
  if (!schema) {
    sdl ??= gql.parse(readFileSync(SUBSCRIPTIONS_SDL_FILE, 'utf8'));
    schema = gql.extendSchema(apiSchema, sdl);
    extended.set(apiSchema, schema);
  }
  return schema;
}
