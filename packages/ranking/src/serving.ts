import { randomUUID } from 'node:crypto';
import { assignVariant, type ExperimentState } from './experiments.ts';
import type { ImpressionLog } from './impressions.ts';
import type { EngineLog } from './log.ts';
import type { Recommendation } from './ranking.ts';
import type { Recommender, RecommendRequest } from './recommender.ts';

/** A served list: its id (for attribution), the experiment arm it came from, and its items. */
export interface ServedList {
  listId: string;
  experimentId: string | null;
  variant: string | null;
  items: Recommendation[];
}

export interface ServeOptions {
  /** Record an impression (lists a client is shown); false for lists only compared or pushed onward. */
  record: boolean;
}

/**
 * `recommendations` as every caller gets it: a known user in a running
 * experiment is ranked by their variant's model and strategy, the list gets an
 * id, and (when recorded) an impression that later interactions are
 * attributed to. The streaming updater ranks its pushes through here too, so a
 * user in a challenger arm is pushed the challenger's list.
 */
export async function serveRecommendations(
  deps: { recommender: Recommender; experiments: ExperimentState; impressions: ImpressionLog; logger: EngineLog },
  req: RecommendRequest,
  options: ServeOptions,
): Promise<ServedList> {
  let request = req;
  let experimentId: string | null = null;
  let variant: string | null = null;
  const experiment = req.userId ? await deps.experiments.running() : null;
  if (experiment && req.userId) {
    const arm = assignVariant(experiment.id, req.userId, experiment.variants);
    try {
      const model = arm.modelVersionId ? await deps.experiments.model(arm.modelVersionId) : undefined;
      request = { ...req, ...(arm.strategy ? { strategy: arm.strategy } : {}), ...(model ? { model } : {}) };
      experimentId = experiment.id;
      variant = arm.name;
    } catch (err) {
      // A challenger that cannot load serves the ACTIVE model, outside the experiment, so its numbers stay clean.
      deps.logger.error(
        { err, experimentId: experiment.id, variant: arm.name, modelVersionId: arm.modelVersionId },
        'experiment model failed to load; serving the active model outside the experiment',
      );
    }
  }
  const items = await deps.recommender.recommend(request);
  const listId = randomUUID();
  if (options.record && req.userId)
    deps.impressions.record({
      id: listId,
      userId: req.userId,
      productIds: items.map((i) => i.productId),
      strategy: request.strategy,
      modelVersionId: items.find((i) => i.modelVersionId)?.modelVersionId ?? null,
      experimentId,
      variant,
      servedAt: new Date(),
    });
  return { listId, experimentId, variant, items };
}
