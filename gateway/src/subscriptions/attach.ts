import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ExecutionArgs, GraphQLError, GraphQLSchema, ValidationRule } from 'graphql';
import type { Context } from 'graphql-ws';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { AuthError, type Identity, type TokenVerifier } from '@recgraph/auth';
import type { EventBus, Subscription } from '@recgraph/events';
import { createErrorFormatter, ErrorCode, GRAPHQL_PATH } from '@recgraph/subgraph-kit';
import type { ConsumerLagGauge, Logger } from '@recgraph/telemetry';
import { startBusFanout } from './busFanout.ts';
import { authenticateConnection, CloseCodes, ConnectionCounter, type ConnectionState } from './connection.ts';
import { subscriptionLimits, type SubscriptionLimits } from './limits.ts';
import { executionIdentity, prepareSubscription, type PreparedSubscription } from './operation.ts';
import type { RecommendationsQuery } from './recommendationsQuery.ts';
import { fieldResolver, subscribeFieldResolver, type ExecutedQuery, type SubscriptionContext } from './resolvers.ts';
import { SubscriptionRouter } from './router.ts';
import { subscriptionSchema } from './schema.ts';
import { gql } from './graphqlRuntime.ts';
import type { GatewayRateLimits } from '../protection/rateLimit.ts';

export interface SubscriptionOptions {
  /** The gateway's HTTP server: WebSocket upgrades on /graphql are taken over here. */
  server: Server;
  /**
   * Runs a query through the gateway's own executor in-process, as `identity`
   * (ApolloServer#executeOperation with that identity as the context): the
   * gateway's validation and query limits apply, the HTTP rate limit does not.
   */
  execute: GatewayExecute;
  bus: EventBus;
  /** The same verifier as HTTP requests. */
  verifyToken: TokenVerifier;
  /** The client address behind trusted proxies, as on HTTP (default: the socket peer). */
  clientAddress?: (req: IncomingMessage) => string;
  /** The HTTP failed-authentication budget: a connection with a bad token is charged to it. */
  authFailures?: Pick<GatewayRateLimits, 'refuseWhenAuthBlocked' | 'chargeAuthFailure'>;
  /** The gateway's current API schema (ApolloGateway#schema); undefined until it has loaded. */
  apiSchema: () => GraphQLSchema | undefined;
  logger: Logger;
  limits?: Partial<SubscriptionLimits>;
  /** The gateway's query limits, applied to subscription documents as to queries. */
  maxTokens: number;
  maxCost?: number;
  validationRules?: readonly ValidationRule[];
  /** Hides internal error detail in close reasons. */
  production?: boolean;
  /** Consumer group of this instance; a fresh unique one by default. */
  groupId?: string;
  /** Where the fan-out group's lag in messages is exported (recgraph_gateway_consumer_lag_messages). */
  consumerLag?: Pick<ConsumerLagGauge, 'track'>;
}

export type GatewayExecute = (
  request: { query: string; variables: Record<string, unknown> },
  identity: Identity,
) => Promise<ExecutedQuery>;

export interface SubscriptionServer {
  /** Live routing entries (bus → subscription); 0 when nobody is subscribed. */
  routeCount(): number;
  /** Open, acknowledged WebSocket connections. */
  connectionCount(): number;
  /** Closes every WebSocket (1001 Going away) and stops consuming the bus. */
  close(): Promise<void>;
}

type WsContext = Context<Record<string, unknown>, Extra>;

const isRateLimited = (err: unknown): boolean =>
  (err as { extensions?: { code?: unknown } } | null)?.extensions?.code === ErrorCode.RATE_LIMITED;

const socketPeer = (req: IncomingMessage) => req.socket.remoteAddress ?? 'unknown';

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

/** How long closing sockets get to finish the close handshake before they are cut. */
const CLOSE_GRACE_MS = 1000;

// Close reasons are limited to 123 bytes by the WebSocket protocol.
const closeReason = (message: string) => Buffer.from(message).subarray(0, 123).toString();

/**
 * graphql-ws (protocol graphql-transport-ws) on the gateway's own HTTP
 * server, path /graphql, beside the HTTP endpoint Apollo serves. Apollo
 * Gateway cannot execute subscriptions, so they are executed here against the
 * API schema extended with subscriptions.graphql, fed by this instance's own
 * consumer of the streaming topics. A recommendations update is only the
 * trigger: what is pushed is `recommendations` with the subscription's
 * arguments and items selection, run through the gateway's executor as the
 * subscriber (options.execute).
 */
export async function attachSubscriptions(options: SubscriptionOptions): Promise<SubscriptionServer> {
  const limits = subscriptionLimits(options.limits);
  const clientAddress = options.clientAddress ?? socketPeer;
  const { logger } = options;
  const router = new SubscriptionRouter();
  const counter = new ConnectionCounter(limits.maxConnectionsPerClient);
  const states = new WeakMap<WsContext, ConnectionState>();
  const execute = (query: RecommendationsQuery, identity: Identity) =>
    withTimeout(options.execute(query, identity), limits.executionTimeoutMs);
  const formatError = createErrorFormatter((error) => logger.error({ err: error }, 'unexpected subscription error'));
  let open = 0;
  let closing = false;

  const fanout: Subscription = await startBusFanout({
    bus: options.bus,
    router,
    logger,
    ...(options.groupId ? { groupId: options.groupId } : {}),
  });
  // Every instance has a group of its own: reported under one stable name.
  const untrackLag = options.consumerLag?.track('gateway-subscriptions', fanout);

  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxMessageBytes });
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== GRAPHQL_PATH || closing) {
      socket.end(`HTTP/1.1 ${closing ? '503 Service Unavailable' : '404 Not Found'}\r\nConnection: close\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  };
  options.server.on('upgrade', onUpgrade);

  /**
   * assistantReplies: the thread must be one the subscriber may read, asked of the
   * assistant as the subscriber (the query's own answer decides; a missing and a
   * foreign thread are refused alike). Undefined: go ahead.
   */
  const threadRefusal = async (
    prepared: PreparedSubscription,
    identity: Identity,
  ): Promise<GraphQLError[] | undefined> => {
    if (!prepared.thread) return undefined;
    let found = false;
    try {
      const result = await withTimeout(options.execute(prepared.thread.access, identity), limits.executionTimeoutMs);
      const errors = result.errors ?? [];
      const denied = errors.find((e) => e.extensions?.code === ErrorCode.BAD_USER_INPUT);
      if (denied) return [new gql.GraphQLError(denied.message, { extensions: { code: ErrorCode.BAD_USER_INPUT } })];
      if (errors.length) logger.warn({ errors }, 'assistantReplies: the thread check failed');
      found = Boolean((result.data?.thread as { id?: unknown } | null | undefined)?.id);
    } catch (err) {
      logger.error({ err }, 'assistantReplies: the thread check failed');
      return [
        new gql.GraphQLError('Could not check access to the thread; retry shortly.', {
          extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
        }),
      ];
    }
    if (found) return undefined;
    return [new gql.GraphQLError('No such conversation.', { extensions: { code: ErrorCode.NOT_FOUND } })];
  };

  const refuse = (ctx: WsContext, code: number, message: string): false => {
    ctx.extra.socket.close(code, closeReason(message));
    return false;
  };

  const ws = useServer<Record<string, unknown>>(
    {
      isProd: options.production ?? false,
      connectionInitWaitTimeout: limits.connectionInitTimeoutMs,
      onConnect: async (ctx) => {
        let state: ConnectionState;
        const request = ctx.extra.request;
        try {
          await options.authFailures?.refuseWhenAuthBlocked(request);
          state = await authenticateConnection(options.verifyToken, ctx.connectionParams, request, clientAddress);
        } catch (err) {
          if (err instanceof AuthError) {
            const limited = await options.authFailures?.chargeAuthFailure(request).then(
              () => false,
              () => true,
            );
            if (!limited) return refuse(ctx, CloseCodes.Unauthorized, err.message);
          }
          if (isRateLimited(err) || err instanceof AuthError)
            return refuse(ctx, CloseCodes.TooManyConnections, 'Too many failed authentications from this address.');
          logger.error({ err }, 'subscription connection failed');
          return refuse(ctx, 4500, 'Internal server error');
        }
        if (!counter.tryAcquire(state.clientKey)) {
          return refuse(
            ctx,
            CloseCodes.TooManyConnections,
            `At most ${limits.maxConnectionsPerClient} connections per client.`,
          );
        }
        states.set(ctx, state);
        open++;
        return true;
      },
      onSubscribe: async (ctx, _id, payload): Promise<ExecutionArgs | GraphQLError[]> => {
        const state = states.get(ctx);
        if (!state)
          return [
            new gql.GraphQLError('Connection is not initialised.', { extensions: { code: ErrorCode.UNAUTHENTICATED } }),
          ];
        // The new subscription is already counted by graphql-ws.
        if (Object.keys(ctx.subscriptions).length > limits.maxSubscriptionsPerConnection) {
          return [
            new gql.GraphQLError(
              `At most ${limits.maxSubscriptionsPerConnection} subscriptions per connection; complete one first.`,
              {
                extensions: { code: ErrorCode.RATE_LIMITED },
              },
            ),
          ];
        }
        const apiSchema = options.apiSchema();
        if (!apiSchema) {
          return [
            new gql.GraphQLError('The gateway is still loading its schema; retry shortly.', {
              extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
            }),
          ];
        }
        const schema = subscriptionSchema(apiSchema);
        const prepared = prepareSubscription({
          schema,
          request: payload,
          identity: state.identity,
          maxTokens: options.maxTokens,
          ...(options.maxCost !== undefined ? { maxCost: options.maxCost } : {}),
          validationRules: options.validationRules ?? [],
          production: options.production ?? false,
        });
        if (Array.isArray(prepared)) return prepared;
        const refused = await threadRefusal(prepared, state.identity);
        if (refused) return refused;
        const { recommendations, userId } = prepared;
        const identity = userId ? executionIdentity(state.identity, userId) : state.identity;
        // Nothing runs at subscribe time: every execution serves a list (an impression with
        // its own listId), so only pushes do; arguments the query refuses (first: 0, an
        // unknown categoryId) come back as each push's errors, as the query answers them.
        const runRecommendations = (query: RecommendationsQuery) => execute(query, identity);
        const contextValue: SubscriptionContext = {
          connection: state,
          router,
          ...(recommendations ? { recommendations } : {}),
          ...(prepared.thread ? { threadId: prepared.thread.threadId } : {}),
          runRecommendations,
          maxBufferedEvents: limits.maxBufferedEvents,
          logger,
          expire: () => ctx.extra.socket.close(CloseCodes.Unauthorized, 'Token expired; reconnect with a new one.'),
        };
        return {
          schema,
          document: prepared.document,
          operationName: prepared.operationName,
          variableValues: prepared.variables,
          contextValue,
          fieldResolver,
          subscribeFieldResolver,
        };
      },
      onNext: (_ctx, _id, _payload, _args, result) => {
        if (!result.errors?.length) return;
        const { errors, ...rest } = result;
        return { ...rest, errors: errors.map((e) => formatError(e.toJSON(), e)) };
      },
      onClose: (ctx) => {
        const state = states.get(ctx);
        if (!state) return;
        states.delete(ctx);
        open--;
        counter.release(state.clientKey);
        for (const end of [...state.endings]) end();
      },
    },
    wss,
    limits.keepAliveMs,
  );

  let closed: Promise<void> | undefined;
  return {
    routeCount: () => router.entryCount(),
    connectionCount: () => open,
    close() {
      closed ??= (async () => {
        closing = true;
        options.server.off('upgrade', onUpgrade);
        for (const client of wss.clients) client.close(1001, 'Going away');
        const cut = setTimeout(() => {
          for (const client of wss.clients) client.terminate();
        }, CLOSE_GRACE_MS);
        try {
          await ws.dispose();
        } finally {
          clearTimeout(cut);
          untrackLag?.();
          await fanout.stop();
        }
      })();
      return closed;
    },
  };
}
