import { defineConfig } from 'vitest/config';

// Tests start real servers, real SQLite files and child processes: give them time,
// and run files in forks so a native crash in one cannot take the runner down.
// Three files at a time: vitest's default on a 2-core machine is one (cores - 1), and most of a
// file's time here is spent waiting on its child processes, sockets and fsyncs, not computing.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 3,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default'],
  },
});
