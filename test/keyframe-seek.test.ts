/**
 * Where a seek in MPEG-TS or HLS starts decoding (src/source/keyframe-seek.ts): from ffprobe's packets,
 * the decode time of the last keyframe shown at or before the moment, counted from the file's start
 * time as `-ss` counts, a margin before it. The e2e test (seek-grid.e2e.test.ts) plays the result.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findRunUpStart, runUpLookupFor, runUpStart } from '../src/source/keyframe-seek.js';
import { tempDir } from './helpers/media.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

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

describe('runUpLookupFor', () => {
  it('MPEG-TS and HLS only: MP4, Matroska, MPEG-PS and DASH seek to keyframes themselves', () => {
    const looked = ['mpegts', 'hls', 'mov,mp4,m4a,3gp,3g2,mj2', 'matroska,webm', 'mpeg', 'dash'].map((f) => runUpLookupFor(f) !== undefined);
    expect(looked).toEqual([true, true, false, false, false, false]);
  });

  it('a playlist, whose segments come over the network, is read in one window under a shorter deadline than a file', () => {
    const ts = runUpLookupFor('mpegts')!;
    const hls = runUpLookupFor('hls')!;
    expect(hls.windowsS.length).toBe(1);
    expect(hls.timeoutMs).toBeLessThan(ts.timeoutMs);
  });
});

describe('findRunUpStart', () => {
  it('a lookup that outlasts its deadline (a slow CDN) gives up then, with no error: the seek lands as ffmpeg lands it', async () => {
    // An ffprobe that never answers: `exec`, so the deadline's kill reaches the process itself.
    const ffprobe = join(tmp.dir, 'ffprobe');
    writeFileSync(ffprobe, '#!/bin/sh\nexec sleep 30\n');
    chmodSync(ffprobe, 0o755);
    const started = performance.now();
    const found = await findRunUpStart({ ffprobe }, { windowsS: [10, 60], timeoutMs: 200 }, 'http://127.0.0.1:9/index.m3u8', 'http', 0, 4.2, new AbortController().signal);
    expect(found).toBeNull();
    // One window's deadline: a read that failed is not tried wider.
    expect(performance.now() - started).toBeLessThan(1500);
  });
});
