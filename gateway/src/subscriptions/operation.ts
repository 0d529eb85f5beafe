import type {
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  GraphQLError,
  GraphQLSchema,
  SelectionSetNode,
  ValidationRule,
} from 'graphql';
import { AuthError, requireReadAccess, type Identity } from '@recgraph/auth';
import { ErrorCode } from '@recgraph/subgraph-kit';
import { gql } from './graphqlRuntime.ts';
import { estimateQueryCost, queryCostError } from '../protection/queryCost.ts';
import { recommendationsQuery, type RecommendationsQuery } from './recommendationsQuery.ts';

const { GraphQLError: Err, Kind } = gql;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function badInput(message: string): GraphQLError {
  return new Err(message, { extensions: { code: ErrorCode.BAD_USER_INPUT } });
}

/**
 * graphql-armor's blockFieldSuggestion masks suggestions in Apollo's HTTP pipeline only; the
 * WebSocket path validates itself, so it strips them the same way.
 */
export function withoutSuggestions(message: string): string {
  return message.replace(/\s*Did you mean [^?]*\?/g, '').trim();
}

function authError(err: AuthError): GraphQLError {
  return new Err(err.message, { extensions: { code: err.code } });
}

export interface SubscribeRequest {
  query: string;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
}

export interface PreparedSubscription {
  document: DocumentNode;
  operationName: string | undefined;
  variables: Record<string, unknown>;
  rootField: 'recommendationsUpdated' | 'modelPromoted' | 'assistantReplies';
  /** recommendationsUpdated: whose. */
  userId?: string;
  /** recommendationsUpdated: what runs through the gateway on each update; absent when no items are selected. */
  recommendations?: RecommendationsQuery;
  /** assistantReplies: the thread, and the query that must find it, run as the subscriber, before anything is routed. */
  thread?: { threadId: string; access: { query: string; variables: Record<string, unknown> } };
}

/**
 * What a subscriber must be able to read to follow a thread's replies: the
 * thread itself, asked of the assistant as the subscriber, so the assistant's
 * one ownership rule (signed-in owner, or the anonymous thread's token) decides.
 */
export const THREAD_ACCESS_QUERY =
  'query AssistantRepliesAccess($threadId: ID!, $threadToken: String) { thread(threadId: $threadId, threadToken: $threadToken) { id } }';

/** Root fields the operation selects, after @skip/@include, through fragments. */
function rootFields(
  set: SelectionSetNode,
  fragments: Map<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
  out: FieldNode[] = [],
): FieldNode[] {
  for (const s of set.selections) {
    if (gql.getDirectiveValues(gql.GraphQLSkipDirective, s, variables)?.if === true) continue;
    if (gql.getDirectiveValues(gql.GraphQLIncludeDirective, s, variables)?.if === false) continue;
    if (s.kind === Kind.FIELD) out.push(s);
    else if (s.kind === Kind.INLINE_FRAGMENT) rootFields(s.selectionSet, fragments, variables, out);
    else {
      const def = fragments.get(s.name.value);
      if (def) rootFields(def.selectionSet, fragments, variables, out);
    }
  }
  return out;
}

/** Partners need the "subscribe" scope; admins always may; nobody else. */
function requireModelEventAccess(identity: Identity): void {
  if (identity.role === 'admin') return;
  if (identity.role === 'partner' && identity.scopes.includes('subscribe')) return;
  if (identity.role === 'anonymous') throw new AuthError('UNAUTHENTICATED', 'Sign in to subscribe to model events.');
  throw new AuthError('FORBIDDEN', 'Model events are for admins and partners with the "subscribe" scope.');
}

/**
 * Who a recommendationsUpdated subscription's pushes are computed as: the
 * subscriber. A partner may subscribe with the "subscribe" scope alone, and
 * a push is exactly what reading this user's recommendations returns, so its
 * executions carry "read" for this one user (and nobody else): the recommend
 * subgraph still checks it on every execution.
 */
export function executionIdentity(identity: Identity, userId: string): Identity {
  if (identity.role !== 'partner') return identity;
  return { ...identity, scopes: [...new Set([...identity.scopes, 'read' as const])], allowedUserIds: [userId] };
}

/**
 * Everything a subscribe message must pass before any routing entry exists:
 * shape, parse (token limit), validation against the subscription schema
 * (with the gateway's query-limit rules), operation kind, variables, and
 * access to the one root field it selects. Returns the errors to send back
 * in an `error` message instead of throwing.
 */
export function prepareSubscription(options: {
  schema: GraphQLSchema;
  request: unknown;
  identity: Identity;
  maxTokens: number;
  validationRules: readonly ValidationRule[];
  /** The gateway's MAX_QUERY_COST, estimated with the subscription's variables (queryCost.ts). */
  maxCost?: number;
  /** Production: validation errors lose graphql-js's "Did you mean …?" (it would map the schema for anyone). */
  production?: boolean;
}): PreparedSubscription | GraphQLError[] {
  const { schema, identity } = options;
  const r = options.request as Partial<SubscribeRequest> | null;
  if (!r || typeof r !== 'object' || typeof r.query !== 'string' || !r.query.trim()) {
    return [badInput('A subscription needs a non-empty "query" string.')];
  }
  if (r.operationName != null && typeof r.operationName !== 'string')
    return [badInput('"operationName" must be a string.')];
  if (r.variables != null && (typeof r.variables !== 'object' || Array.isArray(r.variables))) {
    return [badInput('"variables" must be an object.')];
  }
  let document: DocumentNode;
  try {
    document = gql.parse(r.query, { maxTokens: options.maxTokens });
  } catch (err) {
    return [badInput(err instanceof Err ? err.message : 'The query could not be parsed.')];
  }
  const invalid = gql.validate(schema, document, [...gql.specifiedRules, ...options.validationRules]);
  if (invalid.length) {
    return invalid.map(
      (e) =>
        new Err(options.production ? withoutSuggestions(e.message) : e.message, {
          nodes: e.nodes,
          extensions: { ...e.extensions, code: ErrorCode.BAD_USER_INPUT },
        }),
    );
  }
  const operation = gql.getOperationAST(document, r.operationName ?? undefined);
  if (!operation) return [badInput('Name the operation to run with "operationName".')];
  if (operation.operation !== 'subscription') {
    return [badInput('Only subscriptions are served over WebSocket; send queries and mutations to POST /graphql.')];
  }
  const coerced = gql.getVariableValues(schema, operation.variableDefinitions ?? [], r.variables ?? {}, {
    maxErrors: 10,
  });
  if (coerced.errors) return coerced.errors.map((e) => badInput(e.message));
  if (options.maxCost !== undefined) {
    const cost = estimateQueryCost(schema, document, r.operationName, coerced.coerced);
    if (cost > options.maxCost) return [queryCostError(options.maxCost, cost)];
  }
  const fragments = new Map(
    document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
  );
  const [field, ...more] = rootFields(operation.selectionSet, fragments, coerced.coerced);
  if (!field || more.length) return [badInput('A subscription selects exactly one root field.')];
  const name = field.name.value;
  const variables = r.variables ?? {};
  const prepared = { document, operationName: r.operationName ?? undefined, variables };
  try {
    if (name === 'recommendationsUpdated') {
      const fieldDef = schema.getSubscriptionType()!.getFields()[name]!;
      const { userId } = gql.getArgumentValues(fieldDef, field, coerced.coerced) as { userId: string };
      if (!UUID.test(userId)) return [badInput('userId must be a user id (UUID).')];
      requireReadAccess(identity, userId, 'subscribe');
      const query = recommendationsQuery({
        schema,
        operation,
        field,
        fragments,
        coercedVariables: coerced.coerced,
        variables,
      });
      return { ...prepared, rootField: name, userId, ...(query ? { recommendations: query } : {}) };
    } else if (name === 'assistantReplies') {
      const fieldDef = schema.getSubscriptionType()!.getFields()[name]!;
      const { threadId, threadToken } = gql.getArgumentValues(fieldDef, field, coerced.coerced) as {
        threadId: string;
        threadToken?: string | null;
      };
      if (!UUID.test(threadId)) return [badInput('threadId must be a thread id (UUID).')];
      const access = { query: THREAD_ACCESS_QUERY, variables: { threadId, threadToken: threadToken ?? null } };
      return { ...prepared, rootField: name, thread: { threadId: threadId.toLowerCase(), access } };
    } else if (name === 'modelPromoted') {
      requireModelEventAccess(identity);
      return { ...prepared, rootField: name };
    } else {
      return [badInput(`${name} cannot be subscribed to.`)];
    }
  } catch (err) {
    if (err instanceof AuthError) return [authError(err)];
    if (err instanceof Err) return [badInput(err.message)];
    throw err;
  }
}
