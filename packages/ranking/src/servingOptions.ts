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
  /**
   * Model catalogs of at least this many items retrieve personal candidates by
   * pgvector HNSW (the model's COLLABORATIVE embeddings, when present); smaller
   * ones, or when the embeddings are missing, use the exact in-memory top-k.
   * 0: always HNSW when possible; Infinity: never.
   */
  annMinItems: number;
  /**
   * Users whose history and model query stay in memory between requests (LRU);
   * 0 reads them per request. Entries are dropped on the user's next interaction
   * or list change (bus), on a model change, and after userCacheTtlS.
   */
  userCacheSize: number;
  userCacheTtlS: number;
  /**
   * The users' ranked state the updater stores beside their pushed lists
   * (user_recommendations.serving_state, userStateCodec.ts):
   * 'read' — a user-cache miss uses it when it is for the current model and
   *   ranked after the last change this process heard of the user (the recommend subgraph);
   * 'write' — the engine keeps what it ranked for the caller to store, and
   *   follows no user events (the updater);
   * 'off' — neither.
   */
  storedUserState: 'read' | 'write' | 'off';
  /** Product facts from an in-memory table (true) or one statement per ranking round (false). */
  factsInMemory: boolean;
  /** Seconds between the in-memory table's incremental refreshes (the backstop for change events). */
  factsRefreshS: number;
}

export const DEFAULT_SERVING_OPTIONS: ServingOptions = {
  modelPollIntervalS: 30,
  popularityTtlS: 60,
  annMinItems: 200_000,
  userCacheSize: 20_000,
  userCacheTtlS: 300,
  storedUserState: 'read',
  factsInMemory: true,
  factsRefreshS: 2,
};

/** Serving settings from the typed configuration (MODEL_POLL_INTERVAL_S, RECOMMEND_RULES_FILE, RECOMMEND_ANN_MIN_ITEMS). */
export function servingOptionsFromConfig(cfg: Config): ServingOptions {
  return {
    ...DEFAULT_SERVING_OPTIONS,
    modelPollIntervalS: cfg.MODEL_POLL_INTERVAL_S,
    annMinItems: cfg.RECOMMEND_ANN_MIN_ITEMS,
    userCacheSize: cfg.RECOMMEND_USER_CACHE_SIZE,
    ...(cfg.RECOMMEND_RULES_FILE ? { rulesFile: cfg.RECOMMEND_RULES_FILE } : {}),
  };
}
