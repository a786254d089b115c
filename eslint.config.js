// Lint: typescript-eslint's recommended type-checked rules over the sources, benches and tests.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // cli/render/report/client.js is browser code inlined into the report; test/integration/report.test.ts runs it in Chromium.
  { ignores: ['dist/', 'node_modules/', 'data/', '.bench-cache/', 'bin/', 'eslint.config.js', 'test-artifacts/', 'cli/render/report/client.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { project: './tsconfig.lint.json', tsconfigRootDir: import.meta.dirname } },
    rules: {
      // `_name` marks a deliberately unused binding (e.g. a field left out of a rest pattern).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
  {
    // Tests read JSON written by the CLI (`any` by nature) and assert on its fields; their fakes implement async
    // interfaces with bodies that need no await.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
    },
  },
);
