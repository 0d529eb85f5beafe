// The committed typed operations (src/generated) are what GraphQL Code Generator makes now from
// gateway/api-schema.graphql and the operations in src: a schema change that breaks the storefront's
// operations, or a forgotten `npm run codegen -w @recgraph/web`, fails here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generate } from '@graphql-codegen/cli';
import { describe, expect, it } from 'vitest';
import config from '../codegen.ts';

const WEB = join(import.meta.dirname, '..');

describe('typed operations', () => {
  it('src/generated matches the API schema and the operations', async () => {
    const cwd = process.cwd();
    process.chdir(WEB);
    try {
      const outputs = (await generate({ ...config, silent: true }, false)) as { filename: string; content: string }[];
      expect(outputs.length).toBeGreaterThan(0);
      for (const o of outputs) {
        expect(
          readFileSync(join(WEB, o.filename), 'utf8'),
          `${o.filename} is stale: npm run codegen -w @recgraph/web`,
        ).toBe(o.content);
      }
    } finally {
      process.chdir(cwd);
    }
  });
});
