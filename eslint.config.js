import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/build/**', '**/node_modules/**', 'runs/**', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  {
    // docs/architecture.md, "Areas and their arrows": augment/, rng/ and schedules/ are plain TypeScript (worker threads, browsers): no tfjs, no Node built-ins.
    files: [
      'packages/trickbox/src/augment/**/*.ts',
      'packages/trickbox/src/rng/**/*.ts',
      'packages/trickbox/src/schedules/**/*.ts',
      'packages/trickbox/src/check/**/*.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: ['@tensorflow/*', 'node:*', 'sharp', '../data/*', '../train/*', '../cli/*', '../report/*'] },
      ],
    },
  },
  {
    files: [
      'packages/trickbox/src/losses/**/*.ts',
      'packages/trickbox/src/mix/**/*.ts',
      'packages/trickbox/src/optim/**/*.ts',
      'packages/trickbox/src/models/**/*.ts',
      'packages/trickbox/src/regularizers/**/*.ts',
      'packages/trickbox/src/init/**/*.ts',
      'packages/trickbox/src/tta/**/*.ts',
      'packages/trickbox/src/plugin/**/*.ts',
    ],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['../data/*', '../train/*', '../cli/*', '../report/*'] }],
    },
  },
  {
    files: ['packages/trickbox/src/study/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['../cli/*'] }] },
  },
  {
    files: ['packages/tfjs-backend-onednn/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['trickbox', 'trickbox/*'] }] },
  },
  {
    // The browser-safe training code the demo pages bundle (src/browser/) and the fused ops it pulls in.
    files: ['packages/trickbox/src/browser/**/*.ts', 'packages/tfjs-backend-onednn/src/ops/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            'node:*',
            'sharp',
            'trickbox',
            'trickbox/*',
            '../data/*',
            '../train/*',
            '../cli/*',
            '../report/*',
            '../demo/*',
          ],
          paths: [
            {
              name: '../native.js',
              message: 'the fused ops must load in a browser: reach native code through the backend',
            },
            { name: '../backend.js', allowTypeImports: true, message: 'import the backend class as a type only' },
          ],
        },
      ],
    },
  },
);
