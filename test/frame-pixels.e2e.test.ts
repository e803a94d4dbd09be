/**
 * A video served from its own 4:2:0 planes (src/shared/frame-pixels.ts) shows the picture it shows
 * with RGB24 frames: the real CLI twice on the same clip, once forced to RGB24, first frames
 * compared. The clips cover a tagged BT.709 stream, an untagged one (BT.601) and 10-bit HEVC; a
 * 4:4:4 stream stays RGB24.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers/media.js';
import { getJson, startCli, TestViewer } from './helpers/server.js';

const tmp = tempDir('ascii360-pixels-');
afterAll(() => tmp.cleanup());

function clip(name: string, codec: string[]): string {
  const path = join(tmp.dir, name);
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=1024x512:rate=30:duration=1', ...codec, path], { stdio: ['ignore', 'ignore', 'pipe'] });
  return path;
}

/** The first frame of a 64×20 half-block view, and what /healthz says the frames are. */
async function firstFrame(path: string, env: NodeJS.ProcessEnv): Promise<{ frame: Buffer; pixels: string }> {
  const s = await startCli([path, '--log-level', 'error'], env);
  try {
    const v = new TestViewer(`${s.wsUrl}?cols=64&rows=20&style=half`);
    await v.until(() => v.frames.length > 0, 'a frame');
    const health = await getJson(`${s.url}/healthz`);
    v.close();
    return { frame: v.frames[0]!, pixels: (health['decoder'] as { pixels: string }).pixels };
  } finally {
    await s.stop();
  }
}

function psnr(a: Buffer, b: Buffer, from: number): number {
  let se = 0;
  for (let i = from; i < a.length; i++) se += (a[i]! - b[i]!) ** 2;
  return 10 * Math.log10((255 * 255) / (se / (a.length - from)));
}

describe('frames kept in the decoder\'s 4:2:0', () => {
  it.each([
    ['H.264 tagged BT.709', 'bt709.mp4', ['-vf', 'format=yuv420p', '-c:v', 'libx264', '-colorspace', 'bt709', '-color_primaries', 'bt709', '-color_trc', 'bt709'], 'yuv420p bt709'],
    ['H.264 untagged', 'plain.mp4', ['-c:v', 'libx264', '-pix_fmt', 'yuv420p'], 'yuv420p bt601'],
    ['HEVC 10-bit', 'main10.mp4', ['-c:v', 'libx265', '-pix_fmt', 'yuv420p10le', '-x265-params', 'log-level=none'], 'yuv420p bt601'],
  ] as const)('%s: the same picture as from RGB24 frames', async (_name, file, codec, pixels) => {
    const path = clip(file, [...codec]);
    const planes = await firstFrame(path, process.env);
    const rgb = await firstFrame(path, { ...process.env, ASCII360_FRAME_PIXELS: 'rgb24' });
    expect(planes.pixels).toBe(pixels);
    expect(rgb.pixels).toBe('rgb24');
    expect(planes.frame.length).toBe(rgb.frame.length);
    // The frame header, then the samples: 46–49 dB apart on these clips (chroma read at two taps
    // of a sample against ffmpeg's upsampled chroma averaged over all of them).
    expect(psnr(planes.frame, rgb.frame, 5)).toBeGreaterThan(40);
  }, 60_000);

  it('a 4:4:4 stream stays RGB24', async () => {
    const path = clip('full-chroma.mp4', ['-c:v', 'libx264', '-pix_fmt', 'yuv444p']);
    expect((await firstFrame(path, process.env)).pixels).toBe('rgb24');
  }, 60_000);
});
