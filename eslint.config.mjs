import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
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
    ignores: ['server/ledger/**'],
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
    // The embedded database is a package of its own (packages/embedded-mongo): the app reaches it only through the
    // package name, and the package imports nothing of the app. A relative import across either way is an error.
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.d.ts', '.js'] })] },
    rules: {
      'import-x/no-relative-packages': 'error',
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@flash-sale/embedded-mongo/*'],
              message: "Import the embedded database through its entry, '@flash-sale/embedded-mongo'.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ['client-demo/**/*.js'],
    languageOptions: { globals: { ...globals.browser, io: 'readonly' } },
  },
);
