import { isMainModule, runStandaloneSubgraph } from '@recgraph/subgraph-kit';
import { createCatalogSubgraph } from './server.ts';

export { createCatalogSubgraph, CATALOG_SCHEMA_FILE } from './server.ts';
export type { CatalogContext } from './resolvers.ts';

// `tsx subgraphs/catalog/src/index.ts` runs the catalog as its own process.
if (isMainModule(import.meta.url)) {
  await runStandaloneSubgraph('catalog', (cfg) => cfg.CATALOG_PORT, createCatalogSubgraph);
}
