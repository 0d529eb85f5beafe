/**
 * `npm run compose`: composes gateway/supergraph.graphql from every
 * subgraph's schema.graphql. Commit the result; a test fails when it is stale.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { composeSupergraph, SUPERGRAPH_FILE } from '@recgraph/gateway/composeSupergraph';

try {
  const { supergraphSdl, hints } = composeSupergraph();
  for (const hint of hints) console.warn(`hint: ${hint}`);
  writeFileSync(SUPERGRAPH_FILE, supergraphSdl);
  console.log(`wrote ${fileURLToPath(SUPERGRAPH_FILE)}`);
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
}
