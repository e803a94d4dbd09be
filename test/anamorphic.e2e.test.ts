/**
 * An anamorphic file (src/source/ffmpeg-tools.ts probeMedia's pixelAspect, source-format.ts): a
 * panorama stored with pixels wider than tall is judged by its shape as shown. A 2:1 panorama
 * stored 1024x1024 at sample aspect 2:1 was warned of as square, with the hint to try `--stereo tb`,
 * which would have shown half of it as the whole sphere. Real server, real ffprobe.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers/media.js';
import { getJson, serverPool } from './helpers/server.js';

const tmp = tempDir('ascii360-anamorphic-');
const pool = serverPool();
let anamorphic = '';
let square = '';

/** A 1 s clip of a 512x256 panorama, stored `width` wide and 256 tall at sample aspect `sar`. */
function clip(name: string, width: number, sar: string): string {
  const path = join(tmp.dir, name);
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=512x256:rate=10:duration=1', '-vf', `scale=${width}:256,setsar=${sar}`, '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', path]);
  return path;
}

beforeAll(() => {
  anamorphic = clip('anamorphic.mp4', 256, '2/1');
  square = clip('square.mp4', 256, '1/1');
});

afterAll(async () => {
  await pool.close();
  tmp.cleanup();
});

const notesOf = async (file: string): Promise<string[]> => {
  const s = await pool.serve([file]);
  return ((await getJson(`${s.url}/healthz`))['format'] as { notes: string[] }).notes;
};

describe('an anamorphic panorama', () => {
  it('stored square with pixels twice as wide plays as the 2:1 it shows, with no stretch warning', async () => {
    expect(await notesOf(anamorphic)).toEqual([]);
  });

  it('the same square frame with square pixels is still warned of, with the hint', async () => {
    const notes = await notesOf(square);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/^256x256 is not equirect's 2\.00:1: stretched .*--stereo tb/);
  });
});
