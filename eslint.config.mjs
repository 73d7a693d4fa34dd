// Lint: typescript-eslint with type information (catches floating promises, the classic bot
// bug), plus the layer rules: each channel SDK only in its adapter folder; no channel SDK, HTTP
// server or database driver in src/bot or src/flows.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const teamsSdk = { group: ['botbuilder', 'botbuilder-*', 'botframework-*', '@microsoft/*'], message: 'Teams SDKs belong in src/adapters/teams.' };
const slackSdk = { group: ['@slack/*'], message: 'Slack SDKs belong in src/adapters/slack.' };
const channelAndTransport = [
  teamsSdk,
  slackSdk,
  { group: ['restify', 'restify-*', 'node:http', 'http'], message: 'HTTP belongs in src/adapters or src/server.ts.' },
  { group: ['pg', 'better-sqlite3'], message: 'Database drivers belong in src/adapters/storage.' },
  { group: ['**/adapters/**', '**/adapters'], message: 'src/bot and src/flows must not depend on adapters.' },
];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'test-results/', 'manifest/build/'] },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
    },
  },
  // Each channel SDK lives in its own adapter folder, so replacing one touches that folder alone.
  {
    files: ['src/**/*.ts'],
    ignores: ['src/adapters/teams/**', 'src/adapters/slack/**'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [teamsSdk, slackSdk] }] },
  },
  { files: ['src/adapters/teams/**/*.ts'], rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [slackSdk] }] } },
  { files: ['src/adapters/slack/**/*.ts'], rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [teamsSdk] }] } },
  {
    files: ['src/bot/**/*.ts', 'src/flows/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: channelAndTransport }] },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['src/adapters/web/public/**/*.js'],
    languageOptions: { sourceType: 'script', globals: globals.browser },
  },
  {
    files: ['*.js', '*.mjs', 'test/**/*.js'],
    languageOptions: { globals: globals.node },
  },
);
