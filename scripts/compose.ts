/**
 * `npm run compose`: composes gateway/supergraph.graphql from every
 * subgraph's schema.graphql, and writes gateway/api-schema.graphql (the API
 * schema clients see, subscriptions included) from it. Commit both; tests
 * fail when either is stale.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { API_SCHEMA_FILE, printApiSchema } from '@recgraph/gateway/apiSchemaFile';
import { composeSupergraph, SUPERGRAPH_FILE } from '@recgraph/gateway/composeSupergraph';

try {
  const { supergraphSdl, hints } = composeSupergraph();
  for (const hint of hints) console.warn(`hint: ${hint}`);
  writeFileSync(SUPERGRAPH_FILE, supergraphSdl);
  console.log(`wrote ${fileURLToPath(SUPERGRAPH_FILE)}`);
  // Formatted as `prettier --check` wants it (the staleness test formats the same way).
  const apiSchemaPath = fileURLToPath(API_SCHEMA_FILE);
  const prettier = { ...(await resolveConfig(apiSchemaPath)), filepath: apiSchemaPath };
  writeFileSync(API_SCHEMA_FILE, await format(await printApiSchema(supergraphSdl), prettier));
  console.log(`wrote ${fileURLToPath(API_SCHEMA_FILE)}`);
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
}
