/**
 * The output rate a video gets when no --fps names one (src/source/open-source.ts outputRateOf):
 * its own, as a player shows it, and above 30 the largest whole fraction of it not above 30.
 */
import { describe, expect, it } from 'vitest';
import { MAX_DEFAULT_FPS, outputRateOf } from '../src/source/open-source.js';

describe('outputRateOf', () => {
  it('keeps a film\'s, PAL\'s and NTSC\'s own rate, and drops frames evenly above 30', () => {
    const cases: [native: number, out: number][] = [
      [24, 24], [24000 / 1001, 24], [25, 25], [30000 / 1001, 30], [30, 30], [15, 15], [12.5, 13],
      [50, 25], [60000 / 1001, 30], [60, 30], [48, 24], [90, 30], [100, 25], [120, 30],
      // A time-lapse of a frame every 2 s: one a second, not thirty copies of each.
      [0.5, 1],
    ];
    for (const [native, out] of cases) expect(outputRateOf(native), `${native} fps`).toBe(out);
    expect(MAX_DEFAULT_FPS).toBe(30);
  });

  it('takes 30 a second where the rate is unknown', () => {
    for (const native of [0, Number.NaN, Number.POSITIVE_INFINITY, -1]) expect(outputRateOf(native)).toBe(MAX_DEFAULT_FPS);
  });
});
