import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Real processes and sockets: two cores, keep parallelism modest.
    maxWorkers: 2,
    pool: 'forks',
  },
});
