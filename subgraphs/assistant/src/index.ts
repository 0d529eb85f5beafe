import { isMainModule, runStandaloneSubgraph } from '@recgraph/subgraph-kit';
import { createAssistantSubgraph } from './server.ts';

export { createAssistantSubgraph, ASSISTANT_SCHEMA_FILE } from './server.ts';

// `tsx subgraphs/assistant/src/index.ts` runs the subgraph as its own process.
if (isMainModule(import.meta.url)) {
  await runStandaloneSubgraph('assistant', (cfg) => cfg.ASSISTANT_PORT, createAssistantSubgraph);
}
