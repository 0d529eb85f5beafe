export { ModelHolder } from './modelHolder.ts';
export { Recommender, type RecommendRequest, type PreferencesRequest, type Strategy } from './recommender.ts';
export { ServingModel } from './servingModel.ts';
export { CompiledRules, parseRules, readRulesFile, NO_RULES, type RankingRules } from './rules.ts';
export { DEFAULT_SERVING_OPTIONS, servingOptionsFromConfig, type ServingOptions } from './servingOptions.ts';
export type { Recommendation, RecommendationSource } from './ranking.ts';
export { AnnRetrieval, retrievalTotal, type RetrievalPath } from './annRetrieval.ts';
