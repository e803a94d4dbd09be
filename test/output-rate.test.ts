/**
 * The output rate a video gets when no --fps names one (src/source/open-source.ts outputRateOf):
 * its own, as a player shows it, between 10 and 30; above 30 the largest whole fraction of it
 * not above 30 where that is 24 or more.
 */
import { describe, expect, it } from 'vitest';
import { MAX_DEFAULT_FPS, MIN_DEFAULT_FPS, outputRateOf } from '../src/source/open-source.js';

describe('outputRateOf', () => {
  it('keeps a film\'s, PAL\'s and NTSC\'s own rate, and drops frames evenly above 30', () => {
    const cases: [native: number, out: number][] = [
      [24, 24], [24000 / 1001, 24], [25, 25], [30000 / 1001, 30], [30, 30], [15, 15], [12.5, 13],
      [50, 25], [60000 / 1001, 30], [60, 30], [48, 24], [72, 24], [90, 30], [100, 25], [120, 30],
      // A phone's variable rate averaging a little over 30 or 60 is 30, not half of it.
      [30.0001, 30], [30.3, 30], [30.49, 30], [31, 30], [60.1, 30], [120.5, 30],
      // Faster than 30 with no whole fraction of 24 or more: 30 (45 keeps 2 frames in 3), as an
      // r_frame_rate of 1000/1 (a container counting in ms) does.
      [35, 30], [45, 30], [1000, 30],
      // A time-lapse of a frame every 2 s, or 5 a second: ten a second, so the browser's sound
      // sync never takes the pause between two frames for a gap.
      [0.5, MIN_DEFAULT_FPS], [5, MIN_DEFAULT_FPS], [9.6, MIN_DEFAULT_FPS],
    ];
    for (const [native, out] of cases) expect(outputRateOf(native), `${native} fps`).toBe(out);
    expect(MAX_DEFAULT_FPS).toBe(30);
    expect(MIN_DEFAULT_FPS).toBe(10);
  });

  it('takes 30 a second where the rate is unknown', () => {
    for (const native of [0, Number.NaN, Number.POSITIVE_INFINITY, -1]) expect(outputRateOf(native)).toBe(MAX_DEFAULT_FPS);
  });
});
