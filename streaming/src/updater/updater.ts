import {
  deadLetterFor,
  deadLetters,
  recommendationsUpdatedEvents,
  silentLogger,
  STREAMING_TOPIC,
  STREAMING_TOPICS,
  type ConsumedMessage,
  type EventBus,
  type EventBusLogger,
  type RecommendationsUpdatedV1,
  type Subscription,
  type UndecodableBatch,
} from '@recgraph/events';
import { DEFAULT_CO_VISITATION, updateCoVisitation, type CoVisitationOptions } from './co-visitation.ts';
import { recordInteractions, type RecordResult } from './interaction-store.ts';
import { createUpdaterMetrics, type UpdaterMetrics } from './metrics.ts';
import { updatePopularity } from './popularity.ts';
import { pushedList, sameList, type PushedList } from './pushed-list.ts';
import { dirtyUsersAfterCrash, publishedLists, rankedBefore, savePublishedLists } from './recommendation-state.ts';
import { withTransaction, type Database } from '@recgraph/db';
import {
  createRankingEngine,
  encodeUserState,
  DEFAULT_RECOMMEND_REQUEST,
  DEFAULT_SERVING_OPTIONS,
  type ServingOptions,
} from '@recgraph/ranking';
import { validateBatch, type Rejection } from './validate-batch.ts';

/** Covers a batch transaction that began before a ranking's read and committed after it (recovery over-approximates by this). */
const RECOVERY_SLACK_S = 60;

export interface OnlineFeatureUpdaterOptions {
  bus: EventBus;
  /** The database (openDatabase's; embedded PGlite or a real server). */
  db: Pick<Database, 'pool' | 'prisma'>;
  /** Instances sharing a group split the interaction partitions between them. */
  groupId?: string;
  /** Most messages per batch: bounds memory and transaction size, and is the backpressure. */
  batchSize?: number;
  /** Length of each user's pushed list: `recommendations(first: k)` with the query's other defaults. */
  k?: number;
  coVisitation?: CoVisitationOptions;
  /** Events stamped further than this in the future are dead-lettered (clock skew allowance). */
  maxFutureMs?: number;
  /**
   * Settings of the ranking engine pushed lists are ranked with: the recommend subgraph's
   * engine (@recgraph/ranking) — model hot-reload, merchandising rules, ANN threshold —
   * run by the updater over `db` (defaults otherwise).
   */
  serving?: Partial<ServingOptions>;
  /** Users ranked at once (each ranking is one history and one product-facts query). */
  rankingConcurrency?: number;
  /**
   * Most users whose lists wait to be refreshed. Ranking runs beside ingestion, coalescing a
   * user's events across batches into one ranking; only when this many users wait does a
   * batch wait for ranking to catch up (default 50 000).
   */
  maxDirtyUsers?: number;
  /** Users ranked, published and marked per step of a refresh pass (default 250). */
  refreshChunk?: number;
  /**
   * Least time from one refresh pass's start to the next's while users keep arriving
   * (default 0). Longer coalesces more of a user's events into one ranking and leaves
   * more of the CPU to ingestion; a pass after an idle spell starts at once either way.
   */
  refreshIntervalMs?: number;
  /**
   * Most weight one user's events add to popularity per UTC day (default 0: no cap;
   * updaterOptionsFromConfig gives POPULARITY_USER_DAILY_CAP).
   */
  popularityUserDailyCap?: number;
  /** Where a new group starts: the retained history (default, replays are idempotent) or only new events. */
  fromBeginning?: boolean;
  log?: EventBusLogger;
  metrics?: UpdaterMetrics;
  /**
   * Called once each batch is durable and its users' lists were refreshed after that
   * (instrumentation: benchmarks, freshness probes).
   */
  onBatchHandled?: (summary: BatchSummary) => void;
}

export interface BatchSummary {
  /** The bus's publish timestamp (ms) of each message in the batch. */
  publishedAt: number[];
  inserted: number;
  duplicates: number;
  deadLettered: number;
  /** When the batch's transaction committed (ms since the epoch). */
  durableAt: number;
  /** When dead letters were published and every user of the batch was ranked (and published if changed) after it committed. */
  doneAt: number;
}

export interface OnlineFeatureUpdater {
  /** Declares the streaming topics and joins the consumer group. */
  start(): Promise<void>;
  /**
   * Stops consuming, lets the batch in hand finish and commit, leaves the group, then
   * refreshes the lists still waiting (one attempt: what fails is recovered at the next start).
   */
  stop(): Promise<void>;
  /** True while consuming; false before start and once stopping. */
  readiness(): boolean;
  readonly metrics: UpdaterMetrics;
}

/**
 * The online feature updater: a consumer of the interactions topic that durably
 * records each event once, folds new events into time-decayed popularity and
 * co-visitation in the same transaction, dead-letters what it cannot process,
 * and republishes a user's top-k whenever it changes.
 *
 * Ranking is decoupled from ingestion: a committed batch adds its users to a bounded
 * "dirty" set and its offsets are committed at once; a single refresher drains the set
 * (every user waiting, in chunks), so under backlog a user's many events cost one
 * ranking of the latest state. The set is lossless across crashes: each ranking marks
 * the user "ranked as of" a database time, and start() re-adds every user with an
 * interaction folded after their mark (recommendation-state.ts).
 */
export function createOnlineFeatureUpdater(o: OnlineFeatureUpdaterOptions): OnlineFeatureUpdater {
  const log = o.log ?? silentLogger;
  const metrics = o.metrics ?? createUpdaterMetrics();
  const groupId = o.groupId ?? 'online-feature-updater';
  const k = o.k ?? 20;
  const maxFutureMs = o.maxFutureMs ?? 5 * 60_000;
  const userDailyCap = o.popularityUserDailyCap ?? 0;
  // No serving caches: the updater ranks right after its own writes, so it reads them fresh.
  const rankingConcurrency = Math.max(1, o.rankingConcurrency ?? 4);
  const maxDirtyUsers = Math.max(1, o.maxDirtyUsers ?? 50_000);
  const refreshChunk = Math.max(1, o.refreshChunk ?? 250);
  // The user cache here only holds what a chunk's rankings computed, to be stored beside the
  // lists (each user is forgotten before being ranked, so nothing stale is ever used).
  const ranking = createRankingEngine(o.db.prisma, log, {
    ...DEFAULT_SERVING_OPTIONS,
    ...o.serving,
    userCacheSize: refreshChunk,
    storedUserState: 'write',
    factsInMemory: false,
  });
  const refreshIntervalMs = Math.max(0, o.refreshIntervalMs ?? 0);
  const coVisitation = o.coVisitation ?? DEFAULT_CO_VISITATION;
  const { pool } = o.db;

  let subscription: Subscription | undefined;
  /** Stops sampling each consumer group's lag (this one and the ranking engine's). */
  const untrackLag: (() => void)[] = [];
  let starting: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;
  /**
   * A record batch of the interactions topic the bus could not decompress: one dead letter
   * for the whole batch (its first bytes when they do not fit a Kafka message), counted; the bus
   * has logged it and commits past it once this resolves.
   */
  async function deadLetterUndecodable(batch: UndecodableBatch): Promise<void> {
    const letter = deadLetterFor(
      {
        topic: batch.topic,
        partition: batch.partition,
        offset: batch.firstOffset,
        key: '',
        // deadLetterFor keeps what fits Kafka's message limit, with the whole batch's length and hash.
        value: batch.raw,
      },
      {
        code: 'UNDECODABLE_BATCH',
        reason: `record batch at offsets ${batch.firstOffset}-${batch.lastOffset} (${batch.records} records, ${batch.codec}, ${batch.raw.length} bytes) skipped: ${batch.reason}`,
      },
    );
    await o.bus.publish(STREAMING_TOPIC.deadLetter, [deadLetters.toMessage(letter)]);
    metrics.undecodableBatches.inc({ codec: batch.codec });
    metrics.deadLetters.inc({ code: 'UNDECODABLE_BATCH' });
  }

  async function deadLetter(rejections: readonly Rejection[]): Promise<void> {
    if (rejections.length === 0) return;
    const at = new Date();
    await o.bus.publish(
      STREAMING_TOPIC.deadLetter,
      rejections.map((r) => deadLetters.toMessage(deadLetterFor(r.message, r, at))),
    );
    for (const r of rejections) {
      metrics.deadLetters.inc({ code: r.code });
      metrics.events.inc({ type: r.type ?? 'unknown', outcome: 'dead_lettered' });
      log.warn(
        {
          code: r.code,
          reason: r.reason,
          topic: r.message.topic,
          partition: r.message.partition,
          offset: r.message.offset,
        },
        'interaction dead-lettered',
      );
    }
  }

  /**
   * Ranks each user's list exactly as `recommendations(userId, first: k)` answers it
   * (same engine, same defaults) and publishes those that changed since last published.
   */
  async function refreshRecommendations(userIds: readonly string[]): Promise<void> {
    if (userIds.length === 0) return;
    // Read before ranking reads anything: the mark this ranking earns.
    const { asOf, lists: previous } = await publishedLists(pool, userIds);
    const lists = new Map<string, PushedList>();
    const states = new Map<string, Buffer>();
    const queue = [...userIds];
    await Promise.all(
      Array.from({ length: Math.min(rankingConcurrency, queue.length) }, async () => {
        for (let userId = queue.shift(); userId !== undefined; userId = queue.shift()) {
          // serve(): a user in a running experiment is pushed their variant's list. Not an impression:
          // a subscriber's copy is served (and recorded) by the gateway's own `recommendations` call.
          ranking.recommender.users.forget(userId);
          const served = await ranking.serve({ ...DEFAULT_RECOMMEND_REQUEST, first: k, userId }, { record: false });
          lists.set(userId, pushedList(served.items));
          // What the ranking read and computed, stored beside the list for the recommend subgraph.
          const state = ranking.recommender.users.peek(userId);
          if (state) states.set(userId, encodeUserState(state));
          ranking.recommender.users.forget(userId);
        }
      }),
    );
    const changed: { userId: string; list: PushedList }[] = [];
    const unchanged: string[] = [];
    for (const userId of userIds) {
      const list = lists.get(userId)!;
      if (!sameList(previous.get(userId), list)) changed.push({ userId, list });
      else unchanged.push(userId);
    }
    if (changed.length === 0) {
      await savePublishedLists(pool, asOf, [], unchanged, states);
      return;
    }
    const at = new Date().toISOString();
    await o.bus.publish(
      STREAMING_TOPIC.recommendationUpdates,
      changed.map(({ userId, list }) => {
        const update: RecommendationsUpdatedV1 = {
          schema: 'recgraph.recommendations-updated.v1',
          userId,
          ...(list.modelVersionId ? { modelVersionId: list.modelVersionId } : {}),
          items: list.items,
          at,
        };
        return recommendationsUpdatedEvents.toMessage(update);
      }),
    );
    await savePublishedLists(pool, asOf, changed, unchanged, states);
    for (const c of changed) metrics.recommendationUpdates.inc({ source: c.list.items[0]?.source ?? 'empty' });
  }

  // The dirty set: users whose lists wait for a refresh, in the order they became dirty.
  const dirty = new Set<string>();
  /** Batches committed so far; a pass refreshes every user of the batches committed before it began. */
  let committedBatches = 0;
  /** Committed batches whose users are not refreshed yet, oldest first (for the update latency and onBatchHandled). */
  const pending: { seq: number; summary: Omit<BatchSummary, 'doneAt'> }[] = [];
  /** A batch's users are ranked (or it had none): its events' online update latency, then the caller's hook. */
  function batchDone(summary: BatchSummary): void {
    for (const t of summary.publishedAt) metrics.updateLatency.observe(Math.max(0, summary.doneAt - t) / 1000);
    o.onBatchHandled?.(summary);
  }
  let refreshing: Promise<boolean> | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let halted = false;
  let lastPassAt = 0;

  function markDirty(users: Iterable<string>): void {
    for (const u of users) dirty.add(u);
    metrics.dirtyUsers.set(dirty.size);
    kick();
  }

  /**
   * After the served model changes (promotion, rollback), every user last ranked before
   * the change is ranked again with the new one, in chunks between dirty passes, so
   * stored lists and states follow the model without waiting for each user's next
   * event. Progress is in memory: a restart leaves the rest to the recommend
   * subgraph, which treats a state of another model as a cache miss.
   */
  let servedModelId: string | null | undefined;
  let watchingModel = false;
  let sweep: { since: Date; after: string } | undefined;
  const sweepTimer = setInterval(() => kick(), 1_000);
  sweepTimer.unref();

  function noticeModelChange(): void {
    // Only changes after start: the model loaded at start is not a change.
    if (!watchingModel) return;
    const id = ranking.models.current?.version.id ?? null;
    if (servedModelId !== undefined && id !== servedModelId)
      sweep = { since: new Date(), after: '00000000-0000-0000-0000-000000000000' };
    servedModelId = id;
  }

  async function sweepStep(): Promise<boolean> {
    const s = sweep!;
    try {
      const users = await rankedBefore(pool, s.since, s.after, refreshChunk);
      if (users.length === 0) {
        log.info({ modelVersionId: servedModelId }, 'every stored list is ranked with the new model');
        sweep = undefined;
        return true;
      }
      await refreshRecommendations(users);
      s.after = users[users.length - 1]!;
      return true;
    } catch (err) {
      log.error({ err }, 'ranking lists again after a model change failed; will retry');
      return false;
    }
  }

  /** Starts a refresh pass unless one runs; a failed pass is retried after a second. */
  function kick(): void {
    if (refreshing || halted) return;
    noticeModelChange();
    if (dirty.size === 0 && pending.length === 0) {
      if (!sweep) return;
      refreshing = sweepStep();
      void refreshing.then((ok) => {
        refreshing = undefined;
        if (ok) kick();
      });
      return;
    }
    clearTimeout(retryTimer);
    retryTimer = undefined;
    const wait = lastPassAt + refreshIntervalMs - Date.now();
    if (wait > 0) {
      retryTimer = setTimeout(kick, wait).unref();
      return;
    }
    lastPassAt = Date.now();
    refreshing = refreshPass();
    void refreshing.then((ok) => {
      refreshing = undefined;
      if (ok) kick();
      else if (!halted) retryTimer = setTimeout(kick, 1_000).unref();
    });
  }

  /**
   * Ranks every user waiting (in chunks of refreshChunk), then reports the batches
   * committed before it began: each of their users was ranked after that commit.
   * On failure the users not done go back to the set; never rejects.
   */
  async function refreshPass(): Promise<boolean> {
    const upTo = committedBatches;
    const users = [...dirty];
    dirty.clear();
    for (let i = 0; i < users.length; i += refreshChunk) {
      try {
        await refreshRecommendations(users.slice(i, i + refreshChunk));
      } catch (err) {
        for (const u of users.slice(i)) dirty.add(u);
        metrics.dirtyUsers.set(dirty.size);
        log.error({ err, users: users.length - i }, 'refreshing recommendations failed; will retry');
        return false;
      }
      metrics.dirtyUsers.set(dirty.size + Math.max(0, users.length - i - refreshChunk));
    }
    const doneAt = Date.now();
    while (pending[0] && pending[0].seq <= upTo) batchDone({ ...pending.shift()!.summary, doneAt });
    return true;
  }

  async function handleBatch(messages: ConsumedMessage[]): Promise<void> {
    const endTimer = metrics.batchDuration.startTimer();
    try {
      const { accepted, rejected } = validateBatch(messages, Date.now(), maxFutureMs);
      const stored: RecordResult = accepted.length
        ? await withTransaction(pool, async (client) => {
            const r = await recordInteractions(client, accepted);
            // Only first-time events move the features, so a redelivered batch never double-counts.
            await updatePopularity(client, r.inserted, userDailyCap);
            await updateCoVisitation(client, r.inserted, coVisitation);
            return r;
          })
        : { inserted: [], duplicates: [], unknown: [] };
      const durableAt = Date.now();
      await deadLetter([...rejected, ...stored.unknown]);
      // Users of duplicates too: a batch redelivered after a failed publish still gets its update.
      const users = new Set([...stored.inserted, ...stored.duplicates].map((e) => e.event.userId));
      for (const e of stored.inserted) metrics.events.inc({ type: e.event.type, outcome: 'inserted' });
      for (const e of stored.duplicates) metrics.events.inc({ type: e.event.type, outcome: 'duplicate' });
      const last = messages[messages.length - 1];
      if (last)
        metrics.lag.set({ partition: String(last.partition) }, Math.max(0, (Date.now() - last.timestamp) / 1000));
      endTimer({ outcome: 'ok' });
      const summary = {
        publishedAt: messages.map((m) => m.timestamp),
        inserted: stored.inserted.length,
        duplicates: stored.duplicates.length,
        deadLettered: rejected.length + stored.unknown.length,
        durableAt,
      };
      if (users.size === 0 && pending.length === 0) batchDone({ ...summary, doneAt: Date.now() });
      else pending.push({ seq: ++committedBatches, summary });
      markDirty(users);
      // Backpressure only when ranking falls this far behind; offsets are committed once this returns.
      while (dirty.size >= maxDirtyUsers && !halted) {
        kick();
        await (refreshing ?? new Promise<boolean>((r) => setTimeout(() => r(false), 200)));
      }
    } catch (err) {
      endTimer({ outcome: 'error' });
      log.error({ err, partition: messages[0]?.partition, offset: messages[0]?.offset }, 'interaction batch failed');
      throw err;
    }
  }

  return {
    metrics,
    start: () =>
      (starting ??= (async () => {
        await o.bus.ensureTopics(STREAMING_TOPICS);
        await ranking.start(o.bus);
        for (const g of ranking.consumerGroups()) untrackLag.push(metrics.consumerLag.track(g.group, g.subscription));
        watchingModel = true;
        noticeModelChange();
        // Lists a crash (or an unfinished stop) left stale: interactions folded after the user's last ranking.
        const recovered = await dirtyUsersAfterCrash(pool, RECOVERY_SLACK_S);
        if (recovered.length > 0)
          log.info({ users: recovered.length }, 'refreshing lists left stale by a previous run');
        markDirty(recovered);
        subscription = await o.bus.subscribe({
          groupId,
          topics: [STREAMING_TOPIC.interactions],
          fromBeginning: o.fromBeginning ?? true,
          maxBatchSize: o.batchSize ?? 500,
          handleBatch,
          onUndecodableBatch: deadLetterUndecodable,
        });
        untrackLag.push(metrics.consumerLag.track(groupId, subscription));
        log.info({ groupId }, 'online feature updater consuming interactions');
      })()),
    stop: () =>
      (stopping ??= (async () => {
        await starting?.catch(() => undefined);
        for (const untrack of untrackLag.splice(0)) untrack();
        await subscription?.stop();
        // One last pass for what is waiting; a failure is left to the next start's recovery.
        halted = true;
        clearTimeout(retryTimer);
        clearInterval(sweepTimer);
        while (refreshing) await refreshing;
        if (dirty.size > 0 || pending.length > 0) await refreshPass();
        await ranking.stop();
        log.info({ groupId }, 'online feature updater stopped');
      })()),
    readiness: () => subscription !== undefined && stopping === undefined,
  };
}
