import { isMainModule, runStandaloneSubgraph } from '@recgraph/subgraph-kit';
import { createSearchSubgraph } from './server.ts';

export { createSearchSubgraph, SEARCH_SCHEMA_FILE } from './server.ts';

// `tsx subgraphs/search/src/index.ts` runs the subgraph as its own process.
if (isMainModule(import.meta.url)) {
  await runStandaloneSubgraph('search', (cfg) => cfg.SEARCH_PORT, createSearchSubgraph);
}
