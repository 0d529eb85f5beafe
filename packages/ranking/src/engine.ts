import type { PrismaClient } from '@recgraph/db';
import type { EventBus } from '@recgraph/events';
import type { EngineLog } from './log.ts';
import { ModelHolder } from './modelHolder.ts';
import { Recommender, type RecommendRequest } from './recommender.ts';
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
  const recommender = new Recommender(prisma, models, rules, logger, options.popularityTtlS, options.annMinItems);
  const experiments = new ExperimentState(prisma, logger);
  const impressions = new ImpressionLog(prisma, logger);
  return {
    recommender,
    models,
    experiments,
    serve: (req, serveOptions) =>
      serveRecommendations({ recommender, experiments, impressions, logger }, req, serveOptions),
    async start(bus) {
      await models
        .sync()
        .catch((err: unknown) => logger.error({ err }, 'loading the active model failed; serving popularity'));
      if (bus)
        await models
          .subscribe(bus)
          .catch((err: unknown) => logger.warn({ err }, 'cannot follow model events; relying on polling'));
      models.startPolling(options.modelPollIntervalS);
    },
    async stop() {
      await Promise.all([models.stop(), impressions.stop()]);
    },
  };
}
