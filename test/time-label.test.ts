/** The time both clients show (src/client/common/time-label.ts). */
import { describe, expect, it } from 'vitest';
import { clock, timeLabel } from '../src/client/common/time-label.js';

describe('timeLabel', () => {
  it('a file: time of length; a live stream: LIVE', () => {
    expect(timeLabel({ live: false, duration: 75 }, 'PLAYING', 12.9)).toBe('00:12 / 01:15');
    expect(timeLabel({ live: true, duration: 0 }, 'PLAYING', 12)).toBe('LIVE');
    expect(clock(3725)).toBe('1:02:05');
  });

  it('a photo is still; a video whose length the server does not know shows the time played, not still', () => {
    expect(timeLabel({ live: false, duration: 0 }, 'STILL', 0)).toBe('still');
    expect(timeLabel({ live: false, duration: 0 }, 'PLAYING', 2.5)).toBe('00:02');
    expect(timeLabel({ live: false, duration: 0 }, 'ENDED', 3)).toBe('00:03');
  });
});
