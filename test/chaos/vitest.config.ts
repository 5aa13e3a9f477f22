import path from 'node:path';
import { defineConfig } from 'vitest/config';

// The chaos suite (`npm run test:chaos`): the local stack under crashes and outages. Files run one at a time: each
// scenario times recovery, and two at once on a 2-core machine would measure each other.
export default defineConfig({
  // Paths below are from the project root, wherever this file lives.
  root: path.resolve(import.meta.dirname, '../..'),
  test: {
    include: ['test/chaos/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 240_000,
    hookTimeout: 120_000,
    env: { LOG_LEVEL: 'ERROR', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
