import { defineConfig } from 'vitest/config';

/**
 * Files whose assertions are about time (lip sync, frame rates under a stalled viewer, a browser's
 * paint rate): they run one at a time, after everything else, so another file's ffmpeg children
 * and servers never share the two cores with them. A loaded CI machine made them fail otherwise.
 */
const ALONE = [
  'test/browser.e2e.test.ts',
  'test/audio.e2e.test.ts',
  'test/stalled.e2e.test.ts',
  'test/firefox.e2e.test.ts',
  // Frame skew between servers, and a failover timed against 3 s.
  'test/cluster.e2e.test.ts',
  // A small viewer's frame rate beside ten dear ones.
  'test/fair-share.e2e.test.ts',
];

const common = {
  // Tests start real servers and ffmpeg children: separate processes keep them apart.
  pool: 'forks' as const,
  testTimeout: 30_000,
  hookTimeout: 60_000,
};

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          ...common,
          name: 'together',
          include: ['test/**/*.test.ts'],
          exclude: ALONE,
          // The CI machine has 2 cores; more parallel servers would only make the timing noisy.
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          ...common,
          name: 'alone',
          include: ALONE,
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
