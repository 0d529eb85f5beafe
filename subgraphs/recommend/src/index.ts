import { isMainModule, runStandaloneSubgraph } from '@recgraph/subgraph-kit';
import { createRecommendSubgraph } from './server.ts';

export { createRecommendSubgraph, RECOMMEND_SCHEMA_FILE } from './server.ts';

// `tsx subgraphs/recommend/src/index.ts` runs the subgraph as its own process.
if (isMainModule(import.meta.url)) {
  await runStandaloneSubgraph('recommend', (cfg) => cfg.RECOMMEND_PORT, createRecommendSubgraph);
}
