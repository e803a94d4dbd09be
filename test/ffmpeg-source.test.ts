/**
 * The decoder's bookkeeping (src/source/ffmpeg-source.ts): the line a decoder that stopped is told
 * by (tellingLine: the last of ffmpeg's that says why, past its generic last words and the tags newer
 * ffmpeg puts in front), each frame's place on the timeline (timelineFrame), where a seek lands
 * (frameStart) and how its moment is asked of ffmpeg (seekArg).
 */
import { describe, expect, it } from 'vitest';
import { frameStart, seekArg, tellingLine, timelineFrame } from '../src/source/ffmpeg-source.js';

describe('tellingLine', () => {
  it("ffmpeg 5.1's own tail for an MP4 it could not read over HTTP: the input/output error", () => {
    const tail = [
      '[mov,mp4,m4a,3gp,3g2,mj2 @ 0x55f8cc3ec8c0] stream 0, offset 0x30: partial file',
      '[http @ 0x55f8cc3ed140] Stream ends prematurely at 48, should be 76771',
      'Last message repeated 1 times',
      'http://127.0.0.1:20555/late.mp4: Input/output error',
      'Cannot determine format of input stream 0:0 after EOF',
      'Error marking filters as finished',
    ];
    expect(tellingLine(tail)).toBe('http://127.0.0.1:20555/late.mp4: Input/output error');
  });

  it("newer ffmpeg's tagged lines are judged without their tags", () => {
    const tail = [
      '[vist#0:0/h264 @ 0x1] [dec:h264 @ 0x2] Invalid data found when processing input',
      '[vf#0:0 @ 0x3] Error while filtering: Invalid data found when processing input',
      '[out#0/rawvideo @ 0x4] Nothing was written into output file, because at least one of its streams received no packets.',
      'Conversion failed!',
    ];
    expect(tellingLine(tail)).toBe('[vist#0:0/h264 @ 0x1] [dec:h264 @ 0x2] Invalid data found when processing input');
  });

  it('only generic words: the last of them; nothing: nothing', () => {
    expect(tellingLine(['Conversion failed!', 'Error marking filters as finished'])).toBe('Error marking filters as finished');
    expect(tellingLine([])).toBeUndefined();
  });
});

describe('timelineFrame', () => {
  it('a looping file numbers its frames from 0 in every loop, never one past the last', () => {
    // 20 s at 30 fps: 600 frames, 0…599.
    expect(timelineFrame(599 / 30, 30, 20)).toEqual({ position: 599 / 30, index: 599 });
    expect(timelineFrame(20 - 1e-9, 30, 20)).toEqual({ position: 0, index: 0 });
    expect(timelineFrame(20 + 1 / 30, 30, 20).index).toBe(1);
    // A seek to a moment between frames, run on past the end.
    for (let k = 0; k < 1000; k++) {
      const { index } = timelineFrame(13.37 + k / 30, 30, 20);
      expect(index).toBeGreaterThanOrEqual(0);
      expect(index).toBeLessThan(600);
    }
    // Not looping: the position as it is.
    expect(timelineFrame(25, 30, 0)).toEqual({ position: 25, index: 750 });
  });
});

describe('frameStart and seekArg', () => {
  it('a moment lands on the start of the frame shown then, and frames from it are numbered whole', () => {
    expect(frameStart(1.05, 30)).toBe(31 / 30);
    expect(frameStart(31 / 30, 30)).toBe(31 / 30);
    expect(frameStart(3.999, 30)).toBe(119 / 30);
    expect(frameStart(0, 30)).toBe(0);
    for (let k = 0; k < 90; k++) expect(timelineFrame(frameStart(1.05, 30) + k / 30, 30, 0).index).toBe(31 + k);
  });

  it('-ss is at or before the frame it starts at, never past it', () => {
    // 32 / 30 = 1.06667: 1.067 would drop frame 32.
    expect(seekArg(32 / 30)).toBe('1.066');
    expect(seekArg(0.3)).toBe('0.300');
    for (let k = 1; k < 3000; k++) {
      const s = Number(seekArg(k / 30));
      expect(s).toBeLessThanOrEqual(k / 30);
      expect(s).toBeGreaterThan((k - 1) / 30);
    }
  });
});
