import { ApolloGateway } from '@apollo/gateway';
import { gql } from './subscriptions/graphqlRuntime.ts';
import { extendApiSchema } from './subscriptions/schema.ts';

/** The schema clients code-generate against, checked in beside supergraph.graphql. */
export const API_SCHEMA_FILE = new URL('../api-schema.graphql', import.meta.url);

const HEADER =
  '# The gateway API schema clients see (introspection over HTTP answers the same):\n' +
  "# the supergraph's API schema plus the gateway's subscriptions (graphql-ws on /graphql).\n" +
  '# Written by `npm run compose`; do not edit.\n\n';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * gateway/api-schema.graphql's content for a supergraph: the API schema
 * Apollo Gateway derives from it (loaded exactly as the gateway loads it,
 * nothing is contacted), extended as the running gateway extends it.
 */
export async function printApiSchema(supergraphSdl: string): Promise<string> {
  const gateway = new ApolloGateway({ supergraphSdl, logger: quiet });
  try {
    const { schema } = await gateway.load();
    return HEADER + gql.printSchema(extendApiSchema(schema)) + '\n';
  } finally {
    await gateway.stop();
  }
}
