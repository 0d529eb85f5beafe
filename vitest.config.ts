import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{packages,gateway,subgraphs,streaming,bench,monitoring,web}/**/test/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
