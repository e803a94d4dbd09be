/**
 * The st3d reader (source/mp4-stereo.ts) on a real MP4 ffmpeg writes, with the box added by the
 * tests' writer, and on that file cut and corrupted: it answers the mode or null, never throws.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stereoModeIn } from '../src/source/mp4-stereo.js';
import { st3d, withSampleEntryBoxes } from './helpers/mp4-boxes.js';
import { tempDir } from './helpers/media.js';

const tmp = tempDir('ascii360-st3d-');
let plain = Buffer.alloc(0);

beforeAll(() => {
  const path = join(tmp.dir, 'plain.mp4');
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=128x64:r=5:d=1', '-c:v', 'libx264', '-preset', 'ultrafast', '-movflags', '+faststart', path]);
  plain = readFileSync(path);
});

afterAll(() => tmp.cleanup());

/** The moov box of an MP4 (faststart puts it before the media). */
function moovOf(file: Buffer): Buffer {
  for (let at = 0; at + 8 <= file.length; at += file.readUInt32BE(at)) {
    if (file.toString('latin1', at + 4, at + 8) === 'moov') return file.subarray(at, at + file.readUInt32BE(at));
    if (file.readUInt32BE(at) < 8) break;
  }
  throw new Error('no moov');
}

describe('st3d reader', () => {
  it('reads each mode from the video sample entry, and null where there is no box', () => {
    expect(stereoModeIn(moovOf(plain))).toBeNull();
    for (const mode of [0, 1, 2, 4] as const) expect(stereoModeIn(moovOf(withSampleEntryBoxes(plain, st3d(mode))))).toBe(mode);
  });

  it('a cut or corrupted moov answers null or a mode, never throws or runs past its end', () => {
    const moov = moovOf(withSampleEntryBoxes(plain, st3d(4)));
    for (let cut = 0; cut < moov.length; cut += 7) expect(() => stereoModeIn(moov.subarray(0, cut))).not.toThrow();
    // Every box size in turn set to 0 (to the end), 1 (a 64-bit size follows), 3 (below a header) and huge.
    for (let at = 8; at + 8 <= moov.length; at++) {
      if (!/^[a-z0-9]{4}$/.test(moov.toString('latin1', at + 4, at + 8))) continue;
      for (const size of [0, 1, 3, 0xffffffff]) {
        const bad = Buffer.from(moov);
        bad.writeUInt32BE(size, at);
        const mode = stereoModeIn(bad);
        expect(mode === null || mode === 4).toBe(true);
      }
    }
  });
});
