import { configDefaults, defineConfig } from 'vitest/config';

// One run covers unit, integration (real Postgres/Redis on 127.0.0.1) and end-to-end tests (the local stack).
// test/global-setup.ts creates a database and a Redis key prefix for this run and removes them afterwards.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/web/**/*.test.tsx'],
    // The chaos suite takes over 3 minutes: `npm run test:chaos` (test/chaos/vitest.config.ts), run by CI after.
    exclude: [...configDefaults.exclude, 'test/chaos/**'],
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 120_000,
    env: { LOG_LEVEL: 'ERROR', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
