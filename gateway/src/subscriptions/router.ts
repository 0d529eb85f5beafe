import type { AssistantReplyV1, ModelEventV1, RecommendationsUpdatedV1 } from '@recgraph/events';

export type Deliver<T> = (event: T) => void;

/**
 * Which live subscriptions want which bus events, in this gateway instance.
 * Every entry is removed by the function its add returned; entryCount() lets
 * tests (and metrics) prove nothing leaks.
 */
export class SubscriptionRouter {
  readonly #byUser = new Map<string, Set<Deliver<RecommendationsUpdatedV1>>>();
  readonly #modelEvents = new Set<Deliver<ModelEventV1>>();
  readonly #byThread = new Map<string, Set<Deliver<AssistantReplyV1>>>();

  addRecommendations(userId: string, deliver: Deliver<RecommendationsUpdatedV1>): () => void {
    let set = this.#byUser.get(userId);
    if (!set) this.#byUser.set(userId, (set = new Set()));
    // A fresh wrapper per call, so the same function added twice is two entries.
    const entry: Deliver<RecommendationsUpdatedV1> = (e) => deliver(e);
    set.add(entry);
    return () => {
      const current = this.#byUser.get(userId);
      if (!current?.delete(entry)) return;
      if (current.size === 0) this.#byUser.delete(userId);
    };
  }

  addAssistantReplies(threadId: string, deliver: Deliver<AssistantReplyV1>): () => void {
    let set = this.#byThread.get(threadId);
    if (!set) this.#byThread.set(threadId, (set = new Set()));
    const entry: Deliver<AssistantReplyV1> = (e) => deliver(e);
    set.add(entry);
    return () => {
      const current = this.#byThread.get(threadId);
      if (!current?.delete(entry)) return;
      if (current.size === 0) this.#byThread.delete(threadId);
    };
  }

  routeAssistantReply(event: AssistantReplyV1): number {
    const set = this.#byThread.get(event.threadId);
    if (!set) return 0;
    for (const deliver of [...set]) deliver(event);
    return set.size;
  }

  addModelEvents(deliver: Deliver<ModelEventV1>): () => void {
    const entry: Deliver<ModelEventV1> = (e) => deliver(e);
    this.#modelEvents.add(entry);
    return () => void this.#modelEvents.delete(entry);
  }

  routeRecommendations(event: RecommendationsUpdatedV1): number {
    const set = this.#byUser.get(event.userId);
    if (!set) return 0;
    // Copied: delivering can end a subscription, which edits the set.
    for (const deliver of [...set]) deliver(event);
    return set.size;
  }

  routeModelEvent(event: ModelEventV1): number {
    for (const deliver of [...this.#modelEvents]) deliver(event);
    return this.#modelEvents.size;
  }

  /** Live routing entries: user-keyed, thread-keyed and model-event ones together. */
  entryCount(): number {
    let n = this.#modelEvents.size;
    for (const set of this.#byUser.values()) n += set.size;
    for (const set of this.#byThread.values()) n += set.size;
    return n;
  }

  /** Distinct users with at least one entry. */
  userCount(): number {
    return this.#byUser.size;
  }
}
