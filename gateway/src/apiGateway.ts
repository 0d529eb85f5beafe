import type { ApolloGateway } from '@apollo/gateway';
import type { DocumentNode, FieldNode, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import { ErrorCode, GRAPHQL_PATH } from '@recgraph/subgraph-kit';
import { gql } from './subscriptions/graphqlRuntime.ts';
import { extendApiSchema } from './subscriptions/schema.ts';

type Executor = ApolloGateway['executor'];
type RequestContext = Parameters<Executor>[0];
type SchemaListener = Parameters<ApolloGateway['onSchemaLoadOrUpdate']>[0];

/** What Apollo Server needs of a gateway (GatewayInterface), as ApolloGateway types it. */
export interface ApiGateway {
  load: ApolloGateway['load'];
  onSchemaLoadOrUpdate(callback: SchemaListener): () => void;
  stop(): Promise<void>;
}

const INTROSPECTION = new Set(['__schema', '__type']);

export const SUBSCRIPTION_OVER_HTTP =
  `Subscriptions are served over WebSocket, not HTTP POST: connect to ${GRAPHQL_PATH} with graphql-ws ` +
  '(protocol graphql-transport-ws) and send the operation in a subscribe message.';

/** The operation with only the given root selections (fragments stay; execution ignores unused ones). */
function onlySelections(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  selections: readonly FieldNode[],
): DocumentNode {
  return {
    ...document,
    definitions: document.definitions.map((d) =>
      d === operation ? { ...operation, selectionSet: { ...operation.selectionSet, selections } } : d,
    ),
  };
}

/**
 * Apollo Gateway as Apollo Server sees it, with the API schema every client
 * should see: the supergraph's, extended with the gateway's own Subscription
 * type (subscriptions/schema.ts). Apollo Server validates HTTP operations
 * against that schema; the wrapped executor then
 *  - answers introspection (`__schema`, `__type` at the root) from it, so
 *    codegen and IDEs see `Subscription` — Apollo Gateway would introspect
 *    its own API schema, which has none;
 *  - refuses subscription operations with a pointer to the WebSocket endpoint
 *    (HTTP 400, BAD_USER_INPUT);
 *  - hands everything else to Apollo Gateway's query planner unchanged.
 */
export function withSubscriptionsInApiSchema(gateway: ApolloGateway): ApiGateway {
  // Apollo Server's own copy (it wraps every field's resolver), one per API schema.
  const served = new WeakMap<GraphQLSchema, GraphQLSchema>();
  const extended = (apiSchema: GraphQLSchema) => {
    let schema = served.get(apiSchema);
    if (!schema) served.set(apiSchema, (schema = extendApiSchema(apiSchema)));
    return schema;
  };
  const wrap =
    (inner: Executor): Executor =>
    async (requestContext: RequestContext) => {
      const { operation, document, request } = requestContext;
      if (operation.operation === 'subscription') {
        if (requestContext.response?.http) requestContext.response.http.status = 400;
        return {
          errors: [new gql.GraphQLError(SUBSCRIPTION_OVER_HTTP, { extensions: { code: ErrorCode.BAD_USER_INPUT } })],
        };
      }
      const roots = operation.selectionSet.selections;
      const introspection = roots.filter(
        (s): s is FieldNode => s.kind === gql.Kind.FIELD && INTROSPECTION.has(s.name.value),
      );
      if (!introspection.length) return inner(requestContext);
      const local = (selections: readonly FieldNode[]) =>
        Promise.resolve(
          gql.execute({
            schema: requestContext.schema,
            document: onlySelections(document, operation, selections),
            operationName: requestContext.operationName,
            variableValues: request.variables ?? {},
          }),
        );
      const fields = roots.filter((s): s is FieldNode => s.kind === gql.Kind.FIELD);
      const onlyIntrospection =
        fields.length === roots.length &&
        fields.every((f) => INTROSPECTION.has(f.name.value) || f.name.value === '__typename');
      if (onlyIntrospection) return local(fields);
      // Mixed with ordinary fields: the gateway answers those, the extended schema the introspection.
      const [planned, introspected] = await Promise.all([inner(requestContext), local(introspection)]);
      return {
        ...planned,
        data: planned.data ? { ...planned.data, ...introspected.data } : planned.data,
        ...(planned.errors || introspected.errors
          ? { errors: [...(planned.errors ?? []), ...(introspected.errors ?? [])] }
          : {}),
      };
    };
  return {
    async load(options) {
      const loaded = await gateway.load(options);
      return { ...loaded, schema: extended(loaded.schema), executor: wrap(loaded.executor) };
    },
    onSchemaLoadOrUpdate: (callback) =>
      gateway.onSchemaLoadOrUpdate(({ apiSchema, coreSupergraphSdl }) =>
        callback({ apiSchema: extended(apiSchema), coreSupergraphSdl }),
      ),
    stop: () => gateway.stop(),
  };
}
