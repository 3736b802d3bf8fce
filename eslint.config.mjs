import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';

/** Each workspace package is imported through its entries, never by a path inside it. */
const PACKAGE_ENTRIES = [
  {
    group: ['@flash-sale/embedded-mongo/*'],
    message: "Import the embedded database through its entry, '@flash-sale/embedded-mongo'.",
  },
  {
    group: ['@flash-sale/harness/*', '!@flash-sale/harness/app', '!@flash-sale/harness/chromium'],
    message:
      "Import the harness through '@flash-sale/harness', '@flash-sale/harness/app' or '@flash-sale/harness/chromium'.",
  },
  { group: ['@flash-sale/crowd/*'], message: "Import the crowd through its entry, '@flash-sale/crowd'." },
];

/** In server/, the ledger only through its index (server/ledger). */
const LEDGER_INDEX = { group: ['**/ledger/*'], message: 'Use the ledger through its index (server/ledger).' };

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
    // The embedded database is a package of its own (packages/embedded-mongo): the app reaches it only through the
    // package name, and the package imports nothing of the app. A relative import across either way is an error.
    // The same holds for the harness and the crowd (packages/harness, packages/crowd), and every package is imported
    // through its entries only.
    // One harness: test/, bench/ and scripts/ share code only through those two packages, never with each other.
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.d.ts', '.js'] })] },
    rules: {
      'import-x/no-relative-packages': 'error',
      'no-restricted-imports': ['error', { patterns: PACKAGE_ENTRIES }],
      'import-x/no-restricted-paths': [
        'error',
        {
          basePath: import.meta.dirname,
          zones: [
            {
              target: './test',
              from: ['./bench', './scripts'],
              message:
                'Tests import no code of bench/ or scripts/: what they share lives in @flash-sale/harness or @flash-sale/crowd.',
            },
            {
              target: ['./bench', './scripts'],
              from: './test',
              message:
                'bench/ and scripts/ import no code of test/: what they share lives in @flash-sale/harness or @flash-sale/crowd.',
            },
            {
              target: './packages/harness',
              from: ['./test', './bench', './scripts'],
              message: 'The harness imports nothing of test/, bench/ or scripts/.',
            },
            {
              target: './packages/crowd',
              from: ['./test', './bench', './scripts', './server'],
              message:
                'The crowd is a client of the HTTP API: it imports nothing of the app, test/, bench/ or scripts/.',
            },
          ],
        },
      ],
    },
  },
  {
    // The harness starts the app in its own process (TestApp) and mints its tokens: it imports server/ modules by
    // relative path, the one crossing allowed out of a package (packages/harness/README.md). The zones above still
    // keep it away from test/, bench/, scripts/ and the other packages' sources.
    // Other packages only by their names: a relative path into one is refused by pattern (a zone cannot tell, since
    // a package's name resolves into its own folder, to dist/ once built).
    files: ['packages/harness/**/*.ts'],
    rules: {
      'import-x/no-relative-packages': 'off',
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...PACKAGE_ENTRIES,
            {
              regex: '^\\.\\.?/(.*/)?(embedded-mongo|crowd)(/|$)',
              message: 'The harness imports other packages only by their names.',
            },
          ],
        },
      ],
    },
  },
  {
    // One owner of the sale document: only server/ledger/ writes `sales`; the rest uses its index (README). After the
    // block above: a later block's options for a rule replace an earlier one's, so this one repeats the package entries.
    files: ['server/**/*.ts'],
    ignores: ['server/ledger/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [...PACKAGE_ENTRIES, LEDGER_INDEX] }],
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
