import {
  confidenceTable,
  deploymentWeights,
  EVENT_WEIGHT_PROFILES,
  isEventWeightProfile,
  parseInteractionWeights,
  profileWeights,
  type EventWeightProfile,
  type InteractionWeights,
} from '@recgraph/interactions';
import {
  applyWeighting,
  buildInteractionMatrix,
  fitWeighting,
  isWeightingScheme,
  WEIGHTING_SCHEMES,
  weightingFromArtifact,
  weightingToArtifact,
  linearWeighting,
  type CsrMatrix,
  type FittedWeighting,
  type Interactions,
  type WeightingScheme,
} from '@recgraph/recsys';
import { InvalidTrainingOptionsError } from './errors.ts';

/**
 * How interactions become the matrix a model is fitted on: which event-weight
 * profile (packages/interactions) sums a user's events on an item, and which
 * confidence weighting (recsys weighting.ts) re-weights the sums. Tuned like a
 * hyper-parameter; recorded in the registry beside the parameters.
 */
export interface InputWeighting {
  profile: EventWeightProfile;
  scheme: WeightingScheme;
}

export const DEFAULT_INPUT_WEIGHTING: Readonly<InputWeighting> = Object.freeze({
  profile: 'deployment',
  scheme: 'linear',
});

/** Validates a stored or configured weighting; absent fields take the defaults. */
export function resolveInputWeighting(v: unknown = {}): InputWeighting {
  const o = (v ?? {}) as { profile?: unknown; scheme?: unknown };
  const profile = o.profile ?? DEFAULT_INPUT_WEIGHTING.profile;
  const scheme = o.scheme ?? DEFAULT_INPUT_WEIGHTING.scheme;
  if (!isEventWeightProfile(profile))
    throw new InvalidTrainingOptionsError(
      `unknown event-weight profile ${JSON.stringify(profile)}; expected one of ${EVENT_WEIGHT_PROFILES.join(', ')}`,
    );
  if (!isWeightingScheme(scheme))
    throw new InvalidTrainingOptionsError(
      `unknown confidence weighting ${JSON.stringify(scheme)}; expected one of ${WEIGHTING_SCHEMES.join(', ')}`,
    );
  return { profile, scheme };
}

/**
 * What a fitted model carries so serving weighs a user exactly as training did:
 * the event-weight table itself (not just the profile's name, which resolves
 * against the deployment's table of the day) and the fitted confidence weighting.
 */
export interface ModelWeighting {
  profile: EventWeightProfile;
  events: InteractionWeights;
  fitted: FittedWeighting;
}

export interface WeightedMatrix {
  matrix: CsrMatrix;
  weighting: ModelWeighting;
}

/** `x` as the users × items matrix `w` describes, with the weighting fitted on it. */
export function weightedMatrix(
  x: Interactions,
  dims: { nUsers: number; nItems: number },
  w: InputWeighting,
): WeightedMatrix {
  const events = profileWeights(w.profile, deploymentWeights());
  const raw = buildInteractionMatrix(x, { ...dims, confidence: confidenceTable(events) }).userItems;
  const fitted = fitWeighting(raw, w.scheme);
  return { matrix: applyWeighting(raw, fitted), weighting: { profile: w.profile, events, fitted } };
}

/** The weighting a model trained before weightings were recorded was served with. */
export function legacyModelWeighting(): ModelWeighting {
  return { profile: 'deployment', events: deploymentWeights(), fitted: linearWeighting() };
}

export function modelWeightingToArtifact(w: ModelWeighting): {
  meta: Record<string, unknown>;
  arrays: Record<string, Float64Array>;
} {
  const a = weightingToArtifact(w.fitted);
  return { meta: { profile: w.profile, events: w.events, ...a.meta }, arrays: a.arrays };
}

export function modelWeightingFromArtifact(meta: unknown, arrays: Record<string, unknown>): ModelWeighting {
  const m = meta as { profile?: unknown; events?: unknown };
  if (!isEventWeightProfile(m.profile)) throw new InvalidTrainingOptionsError('artifact weighting has no profile');
  return {
    profile: m.profile,
    events: parseInteractionWeights(m.events),
    fitted: weightingFromArtifact(meta, arrays),
  };
}
