import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '@recgraph/db';
import {
  catalogChangedEvents,
  STREAMING_TOPIC,
  type ConsumedMessage,
  type EventBus,
  type Subscription,
} from '@recgraph/events';
import type { EngineLog } from './log.ts';
import { ModelHolder } from './modelHolder.ts';
import { databaseFacts, ProductFactsTable } from './productFactsTable.ts';
import { Recommender, type RecommendRequest } from './recommender.ts';
import { NewProductCandidates } from './newProducts.ts';
import { UserStateCache } from './userStateCache.ts';
import { ExperimentState } from './experiments.ts';
import { ImpressionLog } from './impressions.ts';
import { CompiledRules, NO_RULES, parseRules, readRulesFile } from './rules.ts';
import { serveRecommendations, type ServedList, type ServeOptions } from './serving.ts';
import type { ServingOptions } from './servingOptions.ts';

/**
 * The arguments of `recommendations` when a client leaves them out (they are
 * the defaults in subgraphs/recommend/schema.graphql, checked by a test), and
 * what the streaming updater ranks a pushed list with.
 */
export const DEFAULT_RECOMMEND_REQUEST: Omit<RecommendRequest, 'userId'> = Object.freeze({
  first: 10,
  strategy: 'MIXED',
  alpha: 0.7,
  categoryId: null,
  excludeSeen: true,
  diversity: 0,
});

/** The one ranking engine a process runs, whether it answers queries or pushes lists. */
export interface RankingEngine {
  readonly recommender: Recommender;
  readonly models: ModelHolder;
  readonly experiments: ExperimentState;
  /** `recommendations` with experiments and impressions (serving.ts). */
  serve(req: RecommendRequest, options: ServeOptions): Promise<ServedList>;
  /** Loads the ACTIVE model (a failure leaves popularity serving), follows model events, polls the registry. */
  start(bus: EventBus | undefined): Promise<void>;
  /**
   * The consumer groups start() joined, each named without its per-process suffix (every replica
   * has a group of its own), for the role's consumer-lag gauge.
   */
  consumerGroups(): { group: string; subscription: Subscription }[];
  stop(): Promise<void>;
}

/**
 * Builds the engine from serving options. The recommend subgraph answers
 * `recommendations` with it and the online updater ranks the lists it pushes
 * with it, so both apply the same candidates, filters, MIXED blend,
 * merchandising rules, diversity and reasons. A broken rules file throws here,
 * stopping the start with its reason rather than serving unmerchandised lists.
 */
export function createRankingEngine(prisma: PrismaClient, logger: EngineLog, options: ServingOptions): RankingEngine {
  const rules = new CompiledRules(
    options.rules ? parseRules(options.rules) : options.rulesFile ? readRulesFile(options.rulesFile) : NO_RULES,
  );
  const models = new ModelHolder({ prisma }, logger);
  // The in-memory facts are the new products' content source everywhere; the ranking filters on
  // them only with factsInMemory (the updater reads stock and status fresh per round).
  const table = new ProductFactsTable(prisma, logger, { refreshS: options.factsRefreshS });
  const users = new UserStateCache(options.userCacheSize, options.userCacheTtlS * 1000);
  const recommender = new Recommender(prisma, models, rules, logger, options.popularityTtlS, options.annMinItems, {
    facts: options.factsInMemory ? table.get : databaseFacts(prisma),
    users,
    newProducts: new NewProductCandidates(prisma, table, logger),
  });
  // Only a process that hears every user change can tell a stored state is current.
  recommender.readStoredState = false;
  const experiments = new ExperimentState(prisma, logger);
  const impressions = new ImpressionLog(prisma, logger);
  let changes: Subscription | undefined;

  /**
   * Keeps the caches true: a user's interaction or new list drops their cached
   * state; a catalog change re-reads the named products and drops the named
   * users. Every replica hears everything (a group of its own, from now on).
   */
  async function followChanges(bus: EventBus): Promise<void> {
    const followUsers = options.userCacheSize > 0 && options.storedUserState !== 'write';
    // Without factsInMemory (the updater) the table's 2 s pass is enough for new products' content.
    if (!options.factsInMemory && !followUsers) return;
    const topics: string[] = [STREAMING_TOPIC.catalogChanges];
    if (followUsers) topics.push(STREAMING_TOPIC.interactions, STREAMING_TOPIC.recommendationUpdates);
    changes = await bus.subscribe({
      groupId: `recommend-caches-${randomUUID()}`,
      topics,
      fromBeginning: false,
      handleBatch: async (messages: ConsumedMessage[]) => {
        const products = new Set<string>();
        for (const m of messages) {
          // Both keyed by user id. An interaction makes a stored state ranked before now stale;
          // a new list only replaces the cached entry (its stored state is the newer one).
          // Marked at the publish time: the relay publishes after the commit, so a ranking whose
          // read began later saw the interaction.
          if (m.topic === STREAMING_TOPIC.interactions) {
            users.changed(m.key, m.timestamp);
            continue;
          }
          if (m.topic === STREAMING_TOPIC.recommendationUpdates) {
            users.forget(m.key);
            continue;
          }
          const decoded = catalogChangedEvents.decode(m.value);
          if (!decoded.ok) {
            logger.warn({ code: decoded.error.code, offset: m.offset }, 'ignoring an unreadable catalog change');
            continue;
          }
          for (const p of decoded.value.productIds) products.add(p);
          for (const u of decoded.value.userIds) users.changed(u);
        }
        // A failed re-read is not retried here: the table's periodic pass picks the rows up.
        if (products.size)
          await table
            .refresh([...products])
            .catch((err: unknown) => logger.warn({ err }, 'refreshing changed products failed'));
      },
    });
    recommender.readStoredState = followUsers && options.storedUserState === 'read';
  }

  return {
    recommender,
    models,
    experiments,
    serve: (req, serveOptions) =>
      serveRecommendations({ recommender, experiments, impressions, logger }, req, serveOptions),
    async start(bus) {
      await table
        .start()
        .catch((err: unknown) => logger.error({ err }, 'loading product facts failed; reading them on demand'));
      if (bus)
        await followChanges(bus).catch((err: unknown) =>
          logger.warn({ err }, 'cannot follow catalog and user changes; caches rely on refresh and expiry'),
        );
      await models
        .sync()
        .catch((err: unknown) => logger.error({ err }, 'loading the active model failed; serving popularity'));
      if (bus)
        await models
          .subscribe(bus)
          .catch((err: unknown) => logger.warn({ err }, 'cannot follow model events; relying on polling'));
      models.startPolling(options.modelPollIntervalS);
    },
    consumerGroups() {
      const groups: { group: string; subscription: Subscription }[] = [];
      if (changes) groups.push({ group: 'recommend-caches', subscription: changes });
      if (models.modelEvents) groups.push({ group: 'recommend-serving', subscription: models.modelEvents });
      return groups;
    },
    async stop() {
      table.stop();
      await Promise.all([models.stop(), impressions.stop(), changes?.stop()]);
    },
  };
}
