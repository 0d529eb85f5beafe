import type { Config } from '@recgraph/config';
import type { RankingRules } from './rules.ts';

/** How the serving engine runs; every field has a default. */
export interface ServingOptions {
  /**
   * Seconds between registry polls for a newly promoted model (0 disables
   * polling). The fallback when no bus event arrives: another process
   * promoted without publishing, or the bus is down.
   */
  modelPollIntervalS: number;
  /** JSON file of boosts, pins and blocks (see rules.ts); read at start. */
  rulesFile?: string | undefined;
  /** Rules given in code; they replace rulesFile's. */
  rules?: RankingRules | undefined;
  /** Seconds a popularity snapshot is served before it is recomputed in the background. */
  popularityTtlS: number;
}

export const DEFAULT_SERVING_OPTIONS: ServingOptions = {
  modelPollIntervalS: 30,
  popularityTtlS: 60,
};

/** Serving settings from the typed configuration (MODEL_POLL_INTERVAL_S, RECOMMEND_RULES_FILE). */
export function servingOptionsFromConfig(cfg: Config): ServingOptions {
  return {
    ...DEFAULT_SERVING_OPTIONS,
    modelPollIntervalS: cfg.MODEL_POLL_INTERVAL_S,
    ...(cfg.RECOMMEND_RULES_FILE ? { rulesFile: cfg.RECOMMEND_RULES_FILE } : {}),
  };
}
