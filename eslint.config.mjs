import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'test-output/**',
      'bench/results/**',
      '**/*.tmp.ts',
      '**/*.tmp.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.mocha } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    // One owner of the sale document: only server/ledger/ writes `sales`; the rest uses its index (README).
    files: ['server/**/*.ts'],
    ignores: ['server/ledger/**', 'server/embedded-mongo/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/ledger/*'], message: 'Use the ledger through its index (server/ledger).' },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='collection'][arguments.0.value='sales']",
          message: 'Only server/ledger/ touches the sales collection.',
        },
      ],
    },
  },
  {
    files: ['client-demo/**/*.js'],
    languageOptions: { globals: { ...globals.browser, io: 'readonly' } },
  },
);
