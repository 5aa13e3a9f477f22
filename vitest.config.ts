import { defineConfig } from 'vitest/config';

// One run covers unit, integration (real Postgres/Redis on 127.0.0.1) and end-to-end tests (the local stack).
// test/global-setup.ts creates a database and a Redis key prefix for this run and removes them afterwards.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/web/**/*.test.tsx'],
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 120_000,
    env: { LOG_LEVEL: 'ERROR', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
