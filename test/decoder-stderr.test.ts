/**
 * What a decoder that stopped is told by (src/source/ffmpeg-source.ts, tellingLine): the last line
 * of ffmpeg's that says why, past the generic last words, with the tags newer ffmpeg puts in front.
 */
import { describe, expect, it } from 'vitest';
import { tellingLine } from '../src/source/ffmpeg-source.js';

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
