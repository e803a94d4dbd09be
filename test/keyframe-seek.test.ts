/**
 * Where a seek in MPEG-TS starts decoding (src/source/keyframe-seek.ts): from ffprobe's packets,
 * the decode time of the last keyframe shown at or before the moment, counted from the file's start
 * time as `-ss` counts, a margin before it. The e2e test (seek-grid.e2e.test.ts) plays the result.
 */
import { describe, expect, it } from 'vitest';
import { runUpStart, seeksPastKeyframes } from '../src/source/keyframe-seek.js';

/** ffprobe's JSON for a clip starting at 1.4 s with keyframes shown at 1.6 and 4.6 s (decoded 0.2 s before, B-frames). */
const probed = {
  format: { start_time: '1.400000' },
  packets: [
    { pts_time: '1.600000', dts_time: '1.400000', flags: 'K_' },
    { pts_time: '1.800000', dts_time: '1.500000', flags: '__' },
    { pts_time: '4.600000', dts_time: '4.400000', flags: 'K_' },
    { pts_time: '4.500000', dts_time: '4.500000', flags: '__' },
  ],
};

describe('runUpStart', () => {
  it('starts at the decode time of the last keyframe at or before the moment, less a margin, never before 0', () => {
    // The keyframe of 4.6 s (3.2 s into the file) is decoded at 3.0 s; 0.1 s before that.
    expect(runUpStart(probed, 3.5)).toBeCloseTo(2.9, 6);
    expect(runUpStart(probed, 3.2)).toBeCloseTo(2.9, 6);
    // Just before it: the first keyframe, decoded at the file's start.
    expect(runUpStart(probed, 3.19)).toBe(0);
  });

  it('no keyframe before the moment among the packets read: null', () => {
    expect(runUpStart({ format: { start_time: '1.4' }, packets: probed.packets.slice(1, 2) }, 3)).toBeNull();
    expect(runUpStart({}, 3)).toBeNull();
  });
});

describe('seeksPastKeyframes', () => {
  it('MPEG-TS only: MP4, Matroska and MPEG-PS seek to keyframes themselves', () => {
    expect(['mpegts', 'mov,mp4,m4a,3gp,3g2,mj2', 'matroska,webm', 'mpeg'].map(seeksPastKeyframes)).toEqual([true, false, false, false]);
  });
});
