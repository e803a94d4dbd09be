/**
 * Bad media: each gives a clear one-line error or a sensible picture, never a hang or a crash.
 * (Zero-byte files and a text file renamed .mp4 are in cli.test.ts; killing ffmpeg mid-stream in
 * server.e2e.test.ts and audio.e2e.test.ts.)
 */
import { execFile, execFileSync } from 'node:child_process';
import { openSync, readFileSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { makeClip, tempDir } from './helpers/media.js';
import { CLI, getJson, meanCellColour, startCli, TestViewer } from './helpers/server.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

function serveExpectingError(path: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, 'serve', path, '--port', '0'], { encoding: 'utf8', timeout: 20_000 }, (error, _out, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stderr }));
  });
}

/** Serves `path` and returns the mean colour of a frame some viewer gets, or throws. */
async function firstFrames(path: string, count = 3, args: string[] = []): Promise<{ frames: Buffer[]; stderr: string; health: Record<string, unknown> }> {
  const s = await startCli([path, '--loop', ...args]);
  try {
    const v = new TestViewer(`${s.wsUrl}?cols=16&rows=6`);
    await v.moreFrames(count, 20_000);
    const health = await getJson(`${s.url}/healthz`);
    v.close();
    return { frames: v.frames, stderr: s.stderr(), health };
  } finally {
    await s.stop();
  }
}

describe('bad media', () => {
  it('a truncated MP4 (its index cut off) is a one-line error', async () => {
    const full = makeClip(join(tmp.dir, 'full.mp4'), { seconds: 3 });
    const bytes = readFileSync(full);
    const cut = join(tmp.dir, 'truncated.mp4');
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const r = await serveExpectingError(cut);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/truncated\.mp4 is not a video or image ffmpeg can read/);
  });

  it('a corrupt stream (garbage in the middle) still plays a picture', async () => {
    const path = makeClip(join(tmp.dir, 'corrupt.mp4'), { seconds: 3 });
    const size = readFileSync(path).length;
    const fd = openSync(path, 'r+');
    // Overwrite a stretch of the media data with noise; the container header stays intact.
    const noise = Buffer.alloc(Math.floor(size / 8));
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
    writeSync(fd, noise, 0, noise.length, Math.floor(size / 3));
    closeSync(fd);
    const { frames, health } = await firstFrames(path, 10);
    expect(frames.at(-1)!.length).toBe(4 + 16 * 6 * 4);
    // Not failed nor restarting; `degraded` only where a loaded machine dropped frames lately.
    const { dropped } = health['frames'] as { dropped: number };
    expect(health['status']).toBe(dropped === 0 ? 'ok' : 'degraded');
    expect(health['ffmpegRestarts']).toBe(0);
  });

  it('a 1x1 video is shown as a flat picture of its colour', async () => {
    const path = join(tmp.dir, 'dot.mkv');
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'color=c=red:size=2x2:rate=30:duration=2,scale=1:1', '-pix_fmt', 'yuv444p', '-c:v', 'ffv1', path]);
    const { frames } = await firstFrames(path);
    const [r, g, b] = meanCellColour(frames.at(-1)!);
    expect(r).toBeGreaterThan(200);
    expect(g).toBeLessThan(60);
    expect(b).toBeLessThan(60);
  });

  it('a 16000x8000 photo is decoded and shown', async () => {
    const path = join(tmp.dir, 'huge.jpg');
    // Left half green, right half blue: looking at yaw -90 shows green.
    await sharp({ create: { width: 16000, height: 8000, channels: 3, background: { r: 0, g: 0, b: 220 } } })
      .composite([{ input: { create: { width: 8000, height: 8000, channels: 3, background: { r: 0, g: 200, b: 0 } } }, left: 0, top: 0 }])
      .jpeg({ quality: 80 })
      .toFile(path);
    const s = await startCli([path]);
    try {
      const v = new TestViewer(`${s.wsUrl}?cols=16&rows=6&yaw=-90`);
      await v.moreFrames(1, 30_000);
      const [r, g, b] = meanCellColour(v.frames[0]!);
      expect(g).toBeGreaterThan(150);
      expect(r + b).toBeLessThan(80);
      v.close();
    } finally {
      await s.stop();
    }
  }, 60_000);

  it('a video that is not 2:1 plays stretched, with a warning', async () => {
    const path = makeClip(join(tmp.dir, 'tv.mp4'), { width: 320, height: 240, seconds: 2 });
    const { frames, stderr } = await firstFrames(path);
    expect(frames.at(-1)!.length).toBe(4 + 16 * 6 * 4);
    expect(stderr).toMatch(/warn source\.format note="320x240 is not equirect's 2\.00:1: stretched \(no metadata says what it is\); no known 360 layout has this shape"/);
  });
});
