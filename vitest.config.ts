import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Suites against live services run only when one is configured (test/live/*), so the default
    // run reports no skipped tests.
    exclude: [...configDefaults.exclude, ...(process.env.QDRANT_URL ? [] : ['test/live/**'])],
    // Temporal workers use native threads and worker_threads of their own: run test files in
    // child processes, not in vitest worker threads.
    pool: 'forks',
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/quiet-runtime.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
