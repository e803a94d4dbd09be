import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Tests start real servers and ffmpeg children: separate processes keep them apart.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // The CI machine has 2 cores; more parallel servers would only make the timing noisy.
    maxWorkers: 2,
  },
});
