/**
 * A file is what it holds, not what its name says (src/source/open-source.ts): a video named like a
 * photo (a download saved as .jpg) plays as the video it is, where it was refused as "not an image
 * that can be read"; a photo's name that neither sharp nor ffmpeg reads as a video keeps sharp's
 * one-line refusal (test/cli.test.ts). Real server, real ffmpeg.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClip, tempDir } from './helpers/media.js';
import { CLI, getJson, serverPool } from './helpers/server.js';

const tmp = tempDir('ascii360-misnamed-');
const pool = serverPool();
let video = '';

beforeAll(() => {
  video = join(tmp.dir, 'holiday.jpg');
  copyFileSync(makeClip(join(tmp.dir, 'clip.mp4'), { seconds: 2 }), video);
});

afterAll(async () => {
  await pool.close();
  tmp.cleanup();
});

describe('a file named like a photo', () => {
  it('that holds a video plays it', async () => {
    const s = await pool.serve([video]);
    const health = await getJson(`${s.url}/healthz`);
    expect(health).toMatchObject({ kind: 'video', fps: 30, duration: 2 });
    const v = pool.viewer(s, 'cols=20&rows=6');
    await v.until(() => v.frames.length >= 3, 'its frames');
  });

  it('that holds text is refused in one line, as before', () => {
    const text = join(tmp.dir, 'notes.jpg');
    writeFileSync(text, 'not a picture\n');
    const r = spawnSync(process.execPath, [CLI, 'serve', text, '--port', '0'], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/^ascii360: .*notes\.jpg is not an image that can be read \([^\n]*\)$/);
  });
});
