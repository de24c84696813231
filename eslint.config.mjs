// ESLint for lib/, test/ and scripts/ (npm run lint). typescript-eslint's recommended rules plus the
// type-aware rules that catch real bugs in asynchronous code (a promise nobody awaits, a promise
// where a boolean or a void callback is expected). Rules that fight the code's deliberate style are
// off below, each with the reason. Layout is Prettier's business (.prettierrc.json), not ESLint's.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// Every eslint-disable comment says why, after ` -- ` (ESLint's description syntax).
const local = {
  rules: {
    'disable-needs-reason': {
      meta: { type: 'suggestion', schema: [], messages: { reason: 'say why after " -- " (e.g. // eslint-disable-next-line rule -- reason)' } },
      create(context) {
        return {
          Program() {
            for (const comment of context.sourceCode.getAllComments()) {
              const text = comment.value.trim();
              if (/^eslint-disable(-next-line|-line)?\b/.test(text) && !/ -- \S/.test(text))
                context.report({ loc: comment.loc, messageId: 'reason' });
            }
          },
        };
      },
    },
  },
};

export default defineConfig(
  {
    ignores: ['dist/', 'build*/', 'prebuilds/', 'coverage/', 'node_modules/', '.ci/results/', 'out/', 'results/'],
  },
  {
    files: ['**/*.{ts,cts,mts,js,cjs,mjs}'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    languageOptions: { globals: { ...globals.node } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    plugins: { local },
    rules: {
      'local/disable-needs-reason': 'error',
      // Unused names are bugs, except a deliberately ignored leading argument, destructured rest
      // sibling (`const { a, ...rest } = o` to drop `a`) or caught error, which start with `_`.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // Loops like `for (;;)` and `while (true)` with a break are the clearest form of a retry or
      // read loop; the rule's other cases are still caught.
      'no-constant-condition': ['error', { checkLoops: false }],
      // A `let` declared before the callback that reads it and assigned once afterwards (lib/api/run.ts:
      // the progress callback cancels the job it belongs to) cannot be a const.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    // The TypeScript of the package, its tests and its scripts, checked with the program's types.
    files: ['lib/**/*.ts', 'test/**/*.ts', 'scripts/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  {
    // CommonJS scripts, the bin entry and configs run as plain Node: require() is how they load, and
    // a module's own scope may shadow one of Node's globals (`const crypto = require('node:crypto')`).
    files: ['**/*.{js,cjs}'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off', 'no-redeclare': ['error', { builtinGlobals: false }] },
  },
  {
    // The tarball's CommonJS type test: `import x = require()` is what it checks.
    files: ['**/*.cts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
