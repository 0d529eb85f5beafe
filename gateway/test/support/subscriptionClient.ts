import { createClient, type Client, type ClientOptions, type FormattedExecutionResult } from 'graphql-ws';
import { expect, vi } from 'vitest';
import WebSocket from 'ws';
import {
  recommendationsUpdatedEvents,
  STREAMING_TOPIC,
  type EventBus,
  type RecommendationsUpdatedV1,
} from '@recgraph/events';
import type { RunningStack } from '../../src/stack.ts';

/** A running stack, as the helpers need it (TestStack is one). */
type WithStack = { stack: RunningStack };

/** One client-side subscription: everything the server sent for it, in order. */
export class Live<T = Record<string, unknown>> {
  readonly results: FormattedExecutionResult<T, unknown>[] = [];
  failure: unknown;
  completed = false;
  readonly stop: () => void;

  constructor(client: Client, query: string, variables?: Record<string, unknown>) {
    this.stop = client.subscribe<T>(
      { query, ...(variables ? { variables } : {}) },
      {
        next: (r) => void this.results.push(r),
        error: (e) => void (this.failure = e),
        complete: () => void (this.completed = true),
      },
    );
  }

  async nth(n: number, timeout = 10_000): Promise<FormattedExecutionResult<T, unknown>> {
    await vi.waitFor(
      () => {
        if (this.failure) throw new Error(`subscription failed: ${JSON.stringify(this.failure)}`);
        expect(this.results.length).toBeGreaterThanOrEqual(n);
      },
      { timeout, interval: 20 },
    );
    return this.results[n - 1]!;
  }

  /** The `error` message's errors (an array), or the close event that ended the subscription. */
  async refusal(): Promise<{ message: string; extensions?: { code?: string } }[]> {
    await vi.waitFor(() => expect(this.failure).toBeDefined(), { timeout: 10_000, interval: 20 });
    return this.failure as { message: string; extensions?: { code?: string } }[];
  }
}

/** Clients of one stack; closeAll() after every test. */
export function clientsFor(getStack: () => WithStack) {
  const open: Client[] = [];
  const wsUrl = () => getStack().stack.gateway.url.replace(/^http/, 'ws');
  return {
    connect(token?: string, options: Partial<ClientOptions> = {}): Client {
      const client = createClient({
        url: wsUrl(),
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        connectionParams: token ? { authorization: `Bearer ${token}` } : {},
        ...options,
      });
      open.push(client);
      return client;
    },
    async closeAll(): Promise<void> {
      await Promise.all(open.splice(0).map((c) => c.dispose()));
    },
  };
}

export function subscriptionsOf(t: WithStack) {
  const subs = t.stack.gateway.subscriptions;
  if (!subs) throw new Error('the gateway serves no subscriptions');
  return subs;
}

export async function routesBecome(t: WithStack, n: number, timeout = 10_000): Promise<void> {
  await vi.waitFor(() => expect(subscriptionsOf(t).routeCount()).toBe(n), { timeout, interval: 10 });
}

/** "This user's recommendations changed", as the online updater announces it. */
export function recsEnvelope(userId: string, productIds: string[], modelVersionId?: string): RecommendationsUpdatedV1 {
  return {
    schema: 'recgraph.recommendations-updated.v1',
    userId,
    ...(modelVersionId ? { modelVersionId } : {}),
    items: productIds.map((productId, i) => ({ productId, score: 1 - i / 10, source: 'model' })),
    at: new Date().toISOString(),
  };
}

export async function publishRecs(bus: EventBus, ...envelopes: RecommendationsUpdatedV1[]): Promise<void> {
  await bus.publish(
    STREAMING_TOPIC.recommendationUpdates,
    envelopes.map((e) => recommendationsUpdatedEvents.toMessage(e)),
  );
}
