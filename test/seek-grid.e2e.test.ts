/**
 * A seek lands on the frame grid (src/app/playback.ts, src/source/ffmpeg-source.ts): a viewer is
 * shown the frame a player shows at the moment asked, the one that began at or before it, numbered
 * as that frame (§3: index = round(position × fps)). Real server, real sockets, real ffmpeg.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClip, tempDir } from './helpers/media.js';
import { serverPool, statuses, type TestViewer } from './helpers/server.js';

const tmp = tempDir('ascii360-seek-grid-');
const pool = serverPool();
let clip = '';
const FPS = 30;

beforeAll(() => {
  // 4 s at 30 fps: frames 0…119.
  clip = makeClip(join(tmp.dir, 'clip.mp4'), { seconds: 4, fps: FPS });
});

afterAll(async () => {
  await pool.close();
  tmp.cleanup();
});

const index = (frame: Buffer): number => frame.readUInt32BE(0);

/** The one frame a paused seek to `time` sends. */
async function pausedSeek(v: TestViewer, time: number): Promise<Buffer> {
  const before = v.frames.length;
  v.send({ type: 'seek', time });
  await v.until(() => v.frames.length > before, `the frame of a paused seek to ${time}`);
  // Nothing else follows it while paused.
  await new Promise((r) => setTimeout(r, 300));
  expect(v.frames.length, `one frame for the paused seek to ${time}`).toBe(before + 1);
  return v.frames.at(-1)!;
}

describe('a seek lands on the frame shown at its moment', () => {
  it('paused seeks anywhere within a frame show that frame, numbered as it; within the last, the last', async () => {
    const s = await pool.serve([clip]);
    // The whole sphere, so the next frame's picture differs from this one's.
    const v = pool.viewer(s, 'cols=64&rows=16&style=half&camera=equirect&fov=360');
    await v.until(() => v.frames.length >= 2, 'frames');
    v.send({ type: 'pause', paused: true });
    await v.until(() => statuses(v).some((t) => t.startsWith('STATUS:PAUSED')), 'PAUSED');
    await new Promise((r) => setTimeout(r, 300));
    // Frame 32 begins at 1.0667 s, which ffmpeg's -ss rounded to the nearest millisecond (1.067)
    // passed: the run began at frame 33 and showed its picture numbered 32.
    const at = await pausedSeek(v, 32 / FPS);
    const within = await pausedSeek(v, 32 / FPS + 0.02);
    const next = await pausedSeek(v, 33 / FPS);
    expect([index(at), index(within), index(next)]).toEqual([32, 32, 33]);
    expect(at.equals(within), 'a moment within frame 32 shows frame 32').toBe(true);
    expect(at.equals(next), 'frame 32 is not frame 33').toBe(false);
    // Within the last frame (3.967–4 s): the last frame, where a second before it was shown.
    expect(index(await pausedSeek(v, 3.99))).toBe(119);
  });

  it('frames after a seek between two frames are numbered one by one, never twice, never past the last', async () => {
    const s = await pool.serve([clip]);
    const v = pool.viewer(s, 'cols=20&rows=6');
    await v.until(() => v.frames.length >= 2, 'frames');
    // 1.05 s is half way through frame 31: numbered from 31.5, frames came 61, 61, …, 119, 120.
    v.send({ type: 'seek', time: 1.05 });
    await v.until(() => v.closeCode !== null, 'the end', 15_000);
    const seeked = v.messages.findIndex((m) => !m.binary && m.text.startsWith('STATUS:SEEKED:'));
    const after = v.messages.slice(seeked + 1).flatMap((m) => (m.binary ? [index(m.data)] : []));
    expect(after.length).toBeGreaterThan(30);
    for (let i = 1; i < after.length; i++) expect(after[i]!, `frame ${i} after the seek: ${after.join(',')}`).toBeGreaterThan(after[i - 1]!);
    expect(Math.max(...after)).toBeLessThanOrEqual(4 * FPS - 1);
  });
});
