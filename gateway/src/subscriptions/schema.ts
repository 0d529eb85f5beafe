import { readFileSync } from 'node:fs';
import type { ConstValueNode, DocumentNode, GraphQLArgument, GraphQLSchema, InputValueDefinitionNode } from 'graphql';
import { gql } from './graphqlRuntime.ts';

const { Kind } = gql;

export const SUBSCRIPTIONS_SDL_FILE = new URL('../../subscriptions.graphql', import.meta.url);

/** The subscription whose arguments are the query's, and that query. */
const MIRRORED = { subscription: 'recommendationsUpdated', query: 'recommendations' } as const;

/** Types defined by subscriptions.graphql, resolved here rather than through the gateway. */
let sdl: DocumentNode | undefined;
const extended = new WeakMap<GraphQLSchema, GraphQLSchema>();

function argumentDefinition(arg: GraphQLArgument): InputValueDefinitionNode {
  // astFromValue of a value (never a variable) is a constant.
  const defaultValue =
    arg.defaultValue === undefined ? null : (gql.astFromValue(arg.defaultValue, arg.type) as ConstValueNode | null);
  return {
    kind: Kind.INPUT_VALUE_DEFINITION,
    name: { kind: Kind.NAME, value: arg.name },
    type: gql.parseType(String(arg.type)),
    ...(defaultValue ? { defaultValue } : {}),
    ...(arg.description ? { description: { kind: Kind.STRING, value: arg.description, block: true } } : {}),
  };
}

/**
 * subscriptions.graphql with `recommendationsUpdated`'s arguments completed
 * from the API schema's `Query.recommendations`: its userId (required here)
 * followed by every other argument of the query, with the query's types and
 * defaults. The query's arguments are the recommend subgraph's to define, so
 * this keeps the two in step by construction.
 */
function subscriptionsDocument(apiSchema: GraphQLSchema): DocumentNode {
  sdl ??= gql.parse(readFileSync(SUBSCRIPTIONS_SDL_FILE, 'utf8'));
  const query = apiSchema.getQueryType()?.getFields()[MIRRORED.query];
  if (!query) throw new Error(`The API schema has no Query.${MIRRORED.query} for ${MIRRORED.subscription} to mirror.`);
  const mirrored = query.args.filter((a) => a.name !== 'userId').map(argumentDefinition);
  return gql.visit(sdl, {
    ObjectTypeDefinition(type) {
      if (type.name.value !== 'Subscription') return undefined;
      return {
        ...type,
        fields: type.fields?.map((f) =>
          f.name.value === MIRRORED.subscription ? { ...f, arguments: [...(f.arguments ?? []), ...mirrored] } : f,
        ),
      };
    },
  });
}

/**
 * The supergraph's API schema (what clients query) extended with the
 * Subscription type, so subscription documents validate against the same
 * Recommendation, Product, ... types a query sees. A new schema object on
 * every call: Apollo Server instruments the resolvers of the copy it serves
 * (apiGateway.ts), which graphql-ws must not execute with.
 */
export function extendApiSchema(apiSchema: GraphQLSchema): GraphQLSchema {
  return gql.extendSchema(apiSchema, subscriptionsDocument(apiSchema));
}

/**
 * extendApiSchema for the graphql-ws endpoint, built once per API schema:
 * rebuilt only when the gateway loads a new supergraph (live mode), since
 * the API schema object changes then.
 */
export function subscriptionSchema(apiSchema: GraphQLSchema): GraphQLSchema {
  let schema = extended.get(apiSchema);
  if (!schema) {
    schema = extendApiSchema(apiSchema);
    extended.set(apiSchema, schema);
  }
  return schema;
}
