import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import {
  deadLetterFor,
  deadLetters,
  modelEvents,
  recommendationsUpdatedEvents,
  silentLogger,
  STREAMING_TOPIC,
  STREAMING_TOPICS,
  type ConsumedMessage,
  type EventBus,
  type EventBusLogger,
  type RecommendationsUpdatedV1,
  type Subscription,
} from '@recgraph/events';
import { DEFAULT_CO_VISITATION, updateCoVisitation, type CoVisitationOptions } from './co-visitation.ts';
import { recordInteractions, type RecordResult } from './interaction-store.ts';
import { createUpdaterMetrics, type UpdaterMetrics } from './metrics.ts';
import { mostPopular, updatePopularity } from './popularity.ts';
import {
  RecommendationRefresher,
  sameRecommendations,
  type ActiveModel,
  type RecommendationList,
} from './recommendation-refresher.ts';
import { publishedLists, recentHistories, savePublishedLists, unavailableProducts } from './recommendation-state.ts';
import { withTransaction } from '@recgraph/db';
import { validateBatch, type Rejection } from './validate-batch.ts';

export interface OnlineFeatureUpdaterOptions {
  bus: EventBus;
  /** The database (openDatabase's pool; embedded PGlite or a real server). */
  db: { readonly pool: pg.Pool };
  /** Instances sharing a group split the interaction partitions between them. */
  groupId?: string;
  /** Most messages per batch: bounds memory and transaction size, and is the backpressure. */
  batchSize?: number;
  popularityHalfLifeHours?: number;
  /** Length of each user's recommendation list. */
  k?: number;
  /** Events of a user's history used for fold-in and seen-item filtering. */
  historyPerUser?: number;
  coVisitation?: CoVisitationOptions;
  /** Events stamped further than this in the future are dead-lettered (clock skew allowance). */
  maxFutureMs?: number;
  /**
   * The serving model (null before any promotion). Reloaded at once on a promoted or
   * rolled_back model event, and otherwise at most every modelRefreshMs (the fallback
   * for a missed event).
   */
  loadActiveModel?: () => Promise<ActiveModel | null>;
  modelRefreshMs?: number;
  /** Consumer group for model events; default: one of its own per instance, so every instance hears every event. */
  modelEventsGroupId?: string;
  /** Where a new group starts: the retained history (default, replays are idempotent) or only new events. */
  fromBeginning?: boolean;
  log?: EventBusLogger;
  metrics?: UpdaterMetrics;
  /** Called after each successful batch (instrumentation: benchmarks, freshness probes). */
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
  /** When dead letters and recommendation updates were published too. */
  doneAt: number;
}

export interface OnlineFeatureUpdater {
  /** Declares the streaming topics and joins the consumer group. */
  start(): Promise<void>;
  /** Stops consuming, lets the batch in hand finish and commit, then leaves the group. */
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
 */
export function createOnlineFeatureUpdater(o: OnlineFeatureUpdaterOptions): OnlineFeatureUpdater {
  const log = o.log ?? silentLogger;
  const metrics = o.metrics ?? createUpdaterMetrics();
  const groupId = o.groupId ?? 'online-feature-updater';
  const halfLifeSeconds = (o.popularityHalfLifeHours ?? 168) * 3600;
  const k = o.k ?? 20;
  const historyPerUser = o.historyPerUser ?? 200;
  const maxFutureMs = o.maxFutureMs ?? 5 * 60_000;
  const modelRefreshMs = o.modelRefreshMs ?? 60_000;
  const coVisitation = o.coVisitation ?? DEFAULT_CO_VISITATION;
  const { pool } = o.db;

  let subscription: Subscription | undefined;
  let modelSubscription: Subscription | undefined;
  let starting: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;
  let model: { loadedAt: number; value: ActiveModel | null } | undefined;

  async function activeModel(force = false): Promise<ActiveModel | null> {
    if (!o.loadActiveModel) return null;
    const now = Date.now();
    if (!force && model && now - model.loadedAt < modelRefreshMs) return model.value;
    const previous = model?.value ?? null;
    try {
      model = { loadedAt: now, value: await o.loadActiveModel() };
      if (model.value?.modelVersionId !== previous?.modelVersionId)
        log.info({ modelVersionId: model.value?.modelVersionId ?? null }, 'active model changed');
    } catch (err) {
      // Ingestion must not stall on a broken artifact: keep the last good model and retry later.
      log.error({ err, modelVersionId: previous?.modelVersionId ?? null }, 'loading the active model failed');
      model = { loadedAt: now, value: previous };
    }
    return model.value;
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

  async function handleModelEvents(messages: ConsumedMessage[]): Promise<void> {
    for (const m of messages) {
      const r = modelEvents.decode(m.value);
      if (!r.ok) {
        // Not ours to dead-letter (the producer owns that topic); the 60 s poll still catches up.
        log.warn({ code: r.error.code, reason: r.error.message, offset: m.offset }, 'unreadable model event ignored');
        continue;
      }
      if (r.value.kind === 'training_failed') continue;
      log.info(
        { kind: r.value.kind, modelVersionId: r.value.modelVersionId },
        'model event: reloading the active model',
      );
      await activeModel(true);
    }
  }

  /** Recomputes the users' top-k and publishes those that changed since last published. */
  async function refreshRecommendations(userIds: readonly string[]): Promise<void> {
    if (userIds.length === 0) return;
    const [active, histories, previous, popular, unavailable] = await Promise.all([
      activeModel(),
      recentHistories(pool, userIds, historyPerUser),
      publishedLists(pool, userIds),
      mostPopular(pool, k + historyPerUser, halfLifeSeconds),
      unavailableProducts(pool),
    ]);
    const refresher = new RecommendationRefresher({ k, model: active, unavailable });
    const changed: { userId: string; list: RecommendationList }[] = [];
    for (const userId of userIds) {
      const list = refresher.recommend(histories.get(userId) ?? [], popular);
      if (!sameRecommendations(previous.get(userId), list)) changed.push({ userId, list });
    }
    if (changed.length === 0) return;
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
    await savePublishedLists(pool, changed);
    for (const c of changed) metrics.recommendationUpdates.inc({ source: c.list.items[0]?.source ?? 'empty' });
  }

  async function handleBatch(messages: ConsumedMessage[]): Promise<void> {
    const endTimer = metrics.batchDuration.startTimer();
    try {
      const { accepted, rejected } = validateBatch(messages, Date.now(), maxFutureMs);
      const stored: RecordResult = accepted.length
        ? await withTransaction(pool, async (client) => {
            const r = await recordInteractions(client, accepted);
            // Only first-time events move the features, so a redelivered batch never double-counts.
            await updatePopularity(client, r.inserted, halfLifeSeconds);
            await updateCoVisitation(client, r.inserted, coVisitation);
            return r;
          })
        : { inserted: [], duplicates: [], unknown: [] };
      const durableAt = Date.now();
      await deadLetter([...rejected, ...stored.unknown]);
      // Users of duplicates too: a batch redelivered after a failed publish still gets its update.
      const users = [...new Set([...stored.inserted, ...stored.duplicates].map((e) => e.event.userId))];
      await refreshRecommendations(users);
      for (const e of stored.inserted) metrics.events.inc({ type: e.event.type, outcome: 'inserted' });
      for (const e of stored.duplicates) metrics.events.inc({ type: e.event.type, outcome: 'duplicate' });
      const last = messages[messages.length - 1];
      if (last)
        metrics.lag.set({ partition: String(last.partition) }, Math.max(0, (Date.now() - last.timestamp) / 1000));
      endTimer({ outcome: 'ok' });
      o.onBatchHandled?.({
        publishedAt: messages.map((m) => m.timestamp),
        inserted: stored.inserted.length,
        duplicates: stored.duplicates.length,
        deadLettered: rejected.length + stored.unknown.length,
        durableAt,
        doneAt: Date.now(),
      });
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
        subscription = await o.bus.subscribe({
          groupId,
          topics: [STREAMING_TOPIC.interactions],
          fromBeginning: o.fromBeginning ?? true,
          maxBatchSize: o.batchSize ?? 500,
          handleBatch,
        });
        if (o.loadActiveModel)
          modelSubscription = await o.bus.subscribe({
            groupId: o.modelEventsGroupId ?? `${groupId}.model-events.${randomUUID()}`,
            topics: [STREAMING_TOPIC.modelEvents],
            // Only what happens from now on: the current model is loaded on the first batch anyway.
            fromBeginning: false,
            handleBatch: handleModelEvents,
          });
        log.info({ groupId }, 'online feature updater consuming interactions');
      })()),
    stop: () =>
      (stopping ??= (async () => {
        await starting?.catch(() => undefined);
        await Promise.all([subscription?.stop(), modelSubscription?.stop()]);
        log.info({ groupId }, 'online feature updater stopped');
      })()),
    readiness: () => subscription !== undefined && stopping === undefined,
  };
}
