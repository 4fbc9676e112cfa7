// One lint config for the whole repo. The rule that matters most for the architecture:
// the core engine never talks to Google Cloud directly; only adapters/gcp and functions/ may.
import tseslint from 'typescript-eslint';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';

export default tseslint.config(
  // templates/ are the files of a user's project (cloudreduce init), checked by its own tsc in the
  // journey test (test/package/journey.test.ts), not by this repository's config.
  { ignores: ['node_modules/**', 'dist/**', '.cloudreduce/**', 'bench/data/**', 'templates/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    // Without a resolver import-x cannot follow `./x.ts` imports and no-cycle silently sees nothing.
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js'] })],
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            {
              from: 'package',
              name: ['test', 'describe', 'it', 'suite', 'before', 'after', 'beforeEach', 'afterEach'],
              package: 'node:test',
            },
          ],
        },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-cycle': 'error',
      'no-console': 'error',
    },
  },
  {
    files: [
      'src/core/**/*.ts',
      'src/io/**/*.ts',
      'src/ports/**/*.ts',
      'src/adapters/local/**/*.ts',
      'src/runtime/**/*.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@google-cloud/*'],
              message:
                'The core talks to Google Cloud only through ports (src/ports); put GCP code in src/adapters/gcp.',
            },
          ],
        },
      ],
    },
  },
  {
    // The CLI, scripts, benchmarks and tests talk to a terminal on purpose.
    files: [
      'src/cli/**/*.ts',
      'scripts/**/*.ts',
      'scripts/**/*.js',
      'bench/**/*.ts',
      'bin/**/*.js',
      'test/**/*.ts',
    ],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
