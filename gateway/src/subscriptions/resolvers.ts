import type { GraphQLError, GraphQLFieldResolver, GraphQLFormattedError } from 'graphql';
import type { AssistantReplyV1, ModelEventV1, RecommendationsUpdatedV1 } from '@recgraph/events';
import { ErrorCode } from '@recgraph/subgraph-kit';
import type { Logger } from '@recgraph/telemetry';
import type { ConnectionState } from './connection.ts';
import { createEventQueue, type EventQueue } from './eventQueue.ts';
import { gql } from './graphqlRuntime.ts';
import { QUERY_ROOT_FIELD, type RecommendationsQuery } from './recommendationsQuery.ts';
import type { SubscriptionRouter } from './router.ts';

/** A GraphQL result as the gateway answers it (errors already formatted). */
export interface ExecutedQuery {
  data?: Record<string, unknown> | null;
  errors?: readonly GraphQLFormattedError[];
}

/** Runs the subscription's recommendations query through the gateway, as the subscriber. */
export type RunRecommendations = (query: RecommendationsQuery) => Promise<ExecutedQuery>;

/** The execution context of one subscription. */
export interface SubscriptionContext {
  connection: ConnectionState;
  router: SubscriptionRouter;
  /** recommendationsUpdated: the query behind every push; absent when the subscriber selects no items. */
  recommendations?: RecommendationsQuery;
  /** assistantReplies: the thread the subscriber was found to read (attach.ts checks before subscribing). */
  threadId?: string;
  runRecommendations: RunRecommendations;
  maxBufferedEvents: number;
  logger: Logger;
  /** Closes the connection because its token expired while subscribed. */
  expire: () => void;
}

/** One push of recommendationsUpdated: the change announced on the bus, and the query's answer at that moment. */
export interface RecommendationsEvent {
  envelope: RecommendationsUpdatedV1;
  /** The `recommendations` list, shaped by the subscriber's items selection. */
  items: unknown[] | null;
  /** Field errors inside the list, by path below it ([index, ...response keys]). */
  errors: Map<string, GraphQLError>;
  /** Why there is no list. */
  failure?: GraphQLError;
}

/** Marks objects built here, as opposed to objects from the gateway's answer. */
const BUILT = Symbol('built here');

function built<T extends object>(value: T): T {
  return Object.assign(value, { [BUILT]: true });
}

function toGraphQLError(e: GraphQLFormattedError): GraphQLError {
  return new gql.GraphQLError(e.message, { extensions: { ...e.extensions } });
}

const internalError = () =>
  new gql.GraphQLError('Internal server error', { extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } });

/** The gateway's answer, as the event graphql-js re-executes the subscriber's selection on. */
export function recommendationsEvent(envelope: RecommendationsUpdatedV1, result: ExecutedQuery): RecommendationsEvent {
  const errors = new Map<string, GraphQLError>();
  let failure: GraphQLError | undefined;
  for (const e of result.errors ?? []) {
    const path = e.path ?? [];
    if (path[0] === QUERY_ROOT_FIELD && path.length > 1) errors.set(JSON.stringify(path.slice(1)), toGraphQLError(e));
    else failure ??= toGraphQLError(e);
  }
  const items = result.data?.[QUERY_ROOT_FIELD];
  if (Array.isArray(items)) return { envelope, items, errors };
  return { envelope, items: null, errors, failure: failure ?? internalError() };
}

/**
 * Turns "this user's recommendations changed" into pushes of the query's
 * answer. Envelopes arriving while an execution is in flight coalesce: one
 * more execution follows, for the newest of them, however many arrived.
 */
function recommendationsUpdates(
  ctx: SubscriptionContext,
  queue: EventQueue<RecommendationsEvent | ModelEventV1 | AssistantReplyV1>,
) {
  let latest: RecommendationsUpdatedV1 | undefined;
  let running = false;
  const execute = async (envelope: RecommendationsUpdatedV1): Promise<RecommendationsEvent> => {
    if (!ctx.recommendations) return { envelope, items: null, errors: new Map() };
    try {
      return recommendationsEvent(envelope, await ctx.runRecommendations(ctx.recommendations));
    } catch (err) {
      ctx.logger.error({ err, userId: envelope.userId }, 'recommendations update: the query failed');
      return { envelope, items: null, errors: new Map(), failure: internalError() };
    }
  };
  const drain = async () => {
    running = true;
    try {
      while (latest && !queue.ended) {
        const envelope = latest;
        latest = undefined;
        const event = await execute(envelope);
        // Tokens are checked once at connect; a long-lived socket must not outlive its token.
        if (Date.now() >= ctx.connection.expiresAt) return ctx.expire();
        queue.push(event);
      }
    } finally {
      running = false;
    }
  };
  return (envelope: RecommendationsUpdatedV1) => {
    latest = envelope;
    if (!running) void drain();
  };
}

/**
 * Registers the subscription in the router and hands graphql-js a stream of
 * events; ending the stream (client complete, socket close, shutdown)
 * removes the routing entry.
 */
export const subscribeFieldResolver: GraphQLFieldResolver<unknown, SubscriptionContext, Record<string, unknown>> = (
  _root,
  args,
  ctx,
  info,
) => {
  const { connection, router, logger } = ctx;
  let remove = () => {};
  const queue = createEventQueue<RecommendationsEvent | ModelEventV1 | AssistantReplyV1>({
    maxBuffered: ctx.maxBufferedEvents,
    onEnd: () => {
      remove();
      connection.endings.delete(queue.end);
    },
    onDrop: () => logger.warn({ field: info.fieldName }, 'slow subscriber: dropped an older update'),
  });
  connection.endings.add(queue.end);
  const expired = () => {
    if (Date.now() < connection.expiresAt) return false;
    ctx.expire();
    return true;
  };
  if (info.fieldName === 'assistantReplies') {
    // The thread the access check ran for, never the raw argument.
    remove = router.addAssistantReplies(ctx.threadId!, (reply) => {
      if (!expired()) queue.push(reply);
    });
  } else if (info.fieldName === 'recommendationsUpdated') {
    const update = recommendationsUpdates(ctx, queue);
    remove = router.addRecommendations(String(args.userId), (envelope) => {
      if (!expired()) update(envelope);
    });
  } else {
    remove = router.addModelEvents((event) => {
      if (!expired() && event.kind === 'promoted') queue.push(event);
    });
  }
  return queue;
};

function modelEventPayload(event: ModelEventV1) {
  return built({
    modelVersionId: event.modelVersionId,
    at: event.at,
    metrics: Object.entries(event.metrics ?? {})
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, value]) => built({ name, value })),
  });
}

const toolCallPayload = (call: { tool: string; args: string; ok: boolean; summary: string; durationMs: number }) =>
  built({ ...call, durationMs: Math.round(call.durationMs) });

/** One turn event as the AssistantReply type: the fields its `type` sets, the others null. */
function assistantReplyPayload({ threadId, event }: AssistantReplyV1) {
  const none = {
    text: null,
    tool: null,
    args: null,
    toolCall: null,
    answer: null,
    citedProductIds: null,
    citedDocuments: null,
    toolCalls: null,
    followUps: null,
    model: null,
    stopReason: null,
    errorCode: null,
    errorMessage: null,
  };
  const base = { ...none, threadId, type: event.type };
  switch (event.type) {
    case 'TOKEN':
      return built({ ...base, text: event.text });
    case 'TOOL_START':
      return built({ ...base, tool: event.tool, args: event.args });
    case 'TOOL_END':
      return built({ ...base, tool: event.call.tool, toolCall: toolCallPayload(event.call) });
    case 'DONE': {
      const r = event.result;
      return built({
        ...base,
        answer: r.answer,
        citedProductIds: r.citedProductIds,
        citedDocuments: r.citedDocuments.map((d) => built({ ...d })),
        toolCalls: r.toolCalls.map(toolCallPayload),
        followUps: r.followUps,
        model: r.model,
        stopReason: r.stopReason,
      });
    }
    case 'ERROR':
      return built({ ...base, errorCode: event.code, errorMessage: event.message });
  }
}

/**
 * Objects built here resolve by field name. `items` is the gateway's answer,
 * already shaped by the subscriber's selection, so everything below it is
 * read by response key (aliases included), and a null there that the query
 * reported an error for raises that error at the same place.
 */
export const fieldResolver: GraphQLFieldResolver<unknown, SubscriptionContext> = (source, args, ctx, info) => {
  if (info.parentType.name === 'Subscription') {
    if (info.fieldName === 'modelPromoted') return modelEventPayload(source as ModelEventV1);
    if (info.fieldName === 'assistantReplies') return assistantReplyPayload(source as AssistantReplyV1);
    const { envelope } = source as RecommendationsEvent;
    return built({ userId: envelope.userId, modelVersionId: envelope.modelVersionId ?? null, at: envelope.at });
  }
  const object = source as Record<PropertyKey, unknown> | null;
  if (object?.[BUILT]) {
    if (info.parentType.name === 'RecommendationsUpdate' && info.fieldName === 'items') {
      const event = info.rootValue as RecommendationsEvent;
      if (event.failure) throw event.failure;
      return event.items ?? [];
    }
    return gql.defaultFieldResolver(source, args, ctx, info);
  }
  const value = object?.[String(info.path.key)];
  if (value == null) {
    // [root field, items, index, ...]: the part below items is the query's path below `recommendations`.
    const below = gql.responsePathAsArray(info.path).slice(2);
    const error = (info.rootValue as Partial<RecommendationsEvent>).errors?.get(JSON.stringify(below));
    if (error) throw error;
  }
  return value;
};
