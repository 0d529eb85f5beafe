import { createRequire } from 'node:module';
import type * as GraphQL from 'graphql';

/**
 * graphql-js as @apollo/gateway, graphql-ws and graphql-armor load it: the
 * CommonJS build. graphql-js checks schemas, types and errors with
 * instanceof, so mixing its two builds fails ("Cannot use GraphQLSchema from
 * another module or realm"); a bundler-style resolver (vitest) would hand an
 * `import 'graphql'` here the ESM build while those packages get CommonJS.
 * Node itself resolves both to the same CommonJS module, so this costs nothing there.
 */
export const gql = createRequire(import.meta.url)('graphql') as typeof GraphQL;
