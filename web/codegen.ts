// Typed operations from the gateway's API schema (the supergraph's API schema plus its
// subscriptions): `npm run codegen -w @recgraph/web` after an operation or the schema changes.
// The output is committed, so a clean clone typechecks and builds without running this.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: '../gateway/api-schema.graphql',
  documents: ['src/**/*.{ts,tsx}', '!src/generated/**'],
  ignoreNoDocuments: false,
  generates: {
    'src/generated/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: { useTypeImports: true, enumsAsTypes: true, skipTypename: false },
    },
  },
};
export default config;
