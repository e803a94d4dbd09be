/**
 * The playback's own timeline (src/app/playback.ts) with a source that records what it is asked to
 * decode: where a first viewer's picture comes from.
 */
import { describe, expect, it } from 'vitest';
import { Playback } from '../src/app/playback.js';
import { silentLogger } from '../src/shared/logger.js';
import { RGB24 } from '../src/shared/frame-pixels.js';
import type { FrameSource, SourceInfo } from '../src/source/frame-source.js';
import type { DecodedFrame, FrameSlots } from '../src/shared/types.js';
import { equirectSource } from '../src/source/source-format.js';

function recorded(): { playback: Playback; starts: { position: number; once: boolean }[]; frames: number[] } {
  const starts: { position: number; once: boolean }[] = [];
  const info: SourceInfo = { label: 'clip.mp4', kind: 'video', fps: 30, duration: 6, live: false, hasAudio: false, width: 128, height: 64, format: equirectSource(128, 64), pixels: RGB24 };
  const source: FrameSource = {
    info, running: false, decoder: { hwaccel: 'none', resizer: 'none' }, discarded: 0,
    start: (position, _ring, once) => starts.push({ position, once: once ?? false }),
    stop() {},
    dispose: async () => {},
  };
  const frames: number[] = [];
  const playback = new Playback(() => source, 128, { frame: (f) => frames.push(f.position), problem() {}, ended() {}, status() {} }, silentLogger);
  return { playback, starts, frames };
}

/** What the source hands the playback for a frame decoded at `position` (the ring only counts it). */
function decoded(position: number): DecodedFrame {
  const ring = { delivered: () => 1 } as unknown as FrameSlots;
  return { ring, slot: 0, width: 128, height: 64, index: Math.round(position * 30), position, elapsed: 0 };
}

describe('a first viewer', () => {
  it('of a timeline paused at a moment never decoded (print: started paused at --start) gets that moment decoded once', () => {
    const { playback, starts } = recorded();
    expect(playback.seek(3)).toBeNull();
    expect(playback.setPaused(true)).toBeNull();
    expect(starts).toEqual([]); // nobody watches yet: nothing decoded
    playback.setClients(1);
    expect(starts).toEqual([{ position: 3, once: true }]);
    // A second viewer: the moment is on its way already.
    playback.setClients(2);
    expect(starts).toHaveLength(1);
  });

  it('rejoining a paused moment already decoded starts nothing: the picture shown is still that moment', () => {
    const { playback, starts, frames } = recorded();
    expect(playback.seek(3)).toBeNull();
    expect(playback.setPaused(true)).toBeNull();
    playback.setClients(1);
    playback.onFrame(decoded(3));
    expect(frames).toEqual([3]);
    playback.setClients(0);
    playback.setClients(1);
    expect(starts).toEqual([{ position: 3, once: true }]);
    // A seek while paused is a moment not yet shown: its first viewer gets it decoded.
    playback.setClients(0);
    expect(playback.seek(4)).toBeNull();
    playback.setClients(1);
    expect(starts).toEqual([{ position: 3, once: true }, { position: 4, once: true }]);
  });

  it('of a playing timeline starts the decoder there, running', () => {
    const { playback, starts } = recorded();
    expect(playback.seek(2)).toBeNull();
    playback.setClients(1);
    expect(starts).toEqual([{ position: 2, once: false }]);
  });
});
