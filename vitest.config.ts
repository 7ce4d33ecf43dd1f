import { defineConfig } from 'vitest/config';

// Tests start real servers, real SQLite files and child processes: give them time,
// and run files in forks so a native crash in one cannot take the runner down.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default'],
  },
});
