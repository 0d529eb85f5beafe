import { config } from '@recgraph/config';
import { interactionWeights, type InteractionWeights } from './weights.ts';

let cached: InteractionWeights | undefined;

/**
 * This deployment's weights: the defaults with INTERACTION_WEIGHTS applied
 * (validated at start-up with the rest of the configuration). Every role of a
 * deployment must be given the same value, as with any shared setting.
 */
export function deploymentWeights(): InteractionWeights {
  return (cached ??= interactionWeights(config().INTERACTION_WEIGHTS));
}

/**
 * Most weight one user's events add to popularity per UTC day
 * (POPULARITY_USER_DAILY_CAP; 0: no cap), so one account cannot top the lists.
 */
export function deploymentPopularityCap(): number {
  return config().POPULARITY_USER_DAILY_CAP;
}
