// Flat config: typescript-eslint's recommended rules plus the project rules
// that keep configuration in one place (graphql-hive's pattern).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/generated/**',
      '.infra/**',
      '.data/**',
      'bench/results/**',
      'web/dist/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly' } },
    rules: {
      // Only packages/config reads the environment; everything else gets a typed Config.
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read configuration through @recgraph/config.' },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // Test harnesses and scripts may read their own inputs (TEST_DATABASE_URL, CI).
    files: ['**/test/**', 'scripts/**', 'bench/**', '*.config.*', 'prisma.config.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
);
