/**
 * Still 360° photos are decoded by sharp and rendered when a viewer joins or changes its view,
 * never re-sent at the frame rate.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseInit } from '../protocol/index.js';
import { tempDir } from './helpers/media.js';
import { meanCellColour, startCli, TestViewer, type CliServer } from './helpers/server.js';

const tmp = tempDir();
let server: CliServer;

/** Left half red, right half blue: yaw -90 looks at red, yaw +90 at blue. */
async function makePhoto(path: string): Promise<void> {
  const w = 400;
  const h = 200;
  const rgb = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) rgb.set(x < w / 2 ? [220, 30, 30] : [30, 30, 220], (y * w + x) * 3);
  await sharp(rgb, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 95 }).toFile(path);
}

beforeAll(async () => {
  const photo = join(tmp.dir, 'pano.jpg');
  await makePhoto(photo);
  server = await startCli([photo, '--log-level', 'warn']);
});

afterAll(async () => {
  await server?.stop();
  tmp.cleanup();
});

describe('still photo source', () => {
  it('renders on join and on view change only', async () => {
    const v = new TestViewer(`${server.wsUrl}?cols=20&rows=6&yaw=-90`);
    await v.until(() => v.frames.length >= 1, 'first frame');
    expect(parseInit(v.texts[0]!)).toMatchObject({ cols: 20, rows: 6, duration: 0 });
    const [r, , b] = meanCellColour(v.frames[0]!);
    expect(r).toBeGreaterThan(150);
    expect(b).toBeLessThan(80);
    await new Promise((res) => setTimeout(res, 1200));
    expect(v.frames.length).toBe(1);
    v.send({ type: 'view', yaw: 90 });
    await v.until(() => v.frames.length >= 2, 'frame after view change');
    const [r2, , b2] = meanCellColour(v.frames[1]!);
    expect(b2).toBeGreaterThan(150);
    expect(r2).toBeLessThan(80);
    await new Promise((res) => setTimeout(res, 500));
    expect(v.frames.length).toBe(2);
    v.send({ type: 'pause', paused: true });
    await v.until(() => v.texts.some((t) => t.startsWith('Error: pause is not possible on a still photo')), 'pause refused');
    v.close();
  });

  it('an animated GIF plays as a video; a GIF of one frame is a photo', async () => {
    const gif = (name: string, frames: number): string => {
      const path = join(tmp.dir, name);
      execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=256x128:rate=10', '-frames:v', String(frames), path]);
      return path;
    };
    const animated = await startCli([gif('anim.gif', 20), '--log-level', 'warn']);
    try {
      const v = new TestViewer(`${animated.wsUrl}?cols=20&rows=6`);
      await v.moreFrames(10, 15_000);
      expect(parseInit(v.texts[0]!).duration).toBeCloseTo(2, 1);
      // testsrc2 moves: not the first frame over and over.
      expect(new Set(v.frames.map((f) => Buffer.from(f.subarray(4)).toString('hex'))).size).toBeGreaterThan(3);
      v.close();
    } finally {
      await animated.stop();
    }
    const single = await startCli([gif('single.gif', 1), '--log-level', 'warn']);
    try {
      const v = new TestViewer(`${single.wsUrl}?cols=20&rows=6`);
      await v.until(() => v.frames.length >= 1, 'the photo');
      expect(parseInit(v.texts[0]!).duration).toBe(0);
      v.close();
    } finally {
      await single.stop();
    }
  });

  it('an animated WebP, which ffmpeg cannot decode, shows its first frame and says so in one line; a still WebP says nothing', async () => {
    const webp = (name: string, frames: number): string => {
      const path = join(tmp.dir, name);
      execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=256x128:rate=10', '-frames:v', String(frames), '-loop', '0', path]);
      return path;
    };
    const said = 'an animation of 12 frames: only its first is shown (save it as a video or a GIF to play it)';
    const animated = await startCli([webp('anim.webp', 12), '--log-level', 'warn']);
    try {
      const v = new TestViewer(`${animated.wsUrl}?cols=20&rows=6`);
      await v.until(() => v.frames.length >= 1, 'the first frame');
      expect(parseInit(v.texts[0]!).duration).toBe(0);
      // Where `play` shows it (its status line shows the first note), /healthz, and the server's log.
      const health = (await (await fetch(`${animated.url}/healthz`)).json()) as { format: { notes: string[] } };
      expect(health.format.notes[0]).toBe(said);
      expect(animated.stderr()).toContain(`warn source.format note="${said}"`);
      v.close();
    } finally {
      await animated.stop();
    }
    const still = await startCli([webp('still.webp', 1), '--log-level', 'warn']);
    try {
      const health = (await (await fetch(`${still.url}/healthz`)).json()) as { format: { notes: string[] } };
      expect(health.format.notes).toEqual([]);
    } finally {
      await still.stop();
    }
  });

  it('a picture only ffmpeg reads (a BMP) is a photo too, converted for sharp', async () => {
    const bmp = join(tmp.dir, 'pano.bmp');
    // Left half red, right half blue, as the JPEG above.
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'color=c=0xdc1e1e:s=400x200,drawbox=x=200:y=0:w=200:h=200:color=0x1e1edc:t=fill', '-frames:v', '1', bmp]);
    const s = await startCli([bmp, '--log-level', 'warn']);
    try {
      const red = new TestViewer(`${s.wsUrl}?cols=20&rows=6&yaw=-90`);
      const blue = new TestViewer(`${s.wsUrl}?cols=20&rows=6&yaw=90`);
      await red.until(() => red.frames.length >= 1, 'the red side');
      await blue.until(() => blue.frames.length >= 1, 'the blue side');
      expect(parseInit(red.texts[0]!).duration).toBe(0);
      const [r1, , b1] = meanCellColour(red.frames[0]!);
      const [r2, , b2] = meanCellColour(blue.frames[0]!);
      expect(r1).toBeGreaterThan(180);
      expect(b1).toBeLessThan(60);
      expect(b2).toBeGreaterThan(180);
      expect(r2).toBeLessThan(60);
      red.close();
      blue.close();
    } finally {
      await s.stop();
    }
  });

  it('a second viewer joining gets its own frame at once', async () => {
    const a = new TestViewer(`${server.wsUrl}?cols=10&rows=4`);
    await a.until(() => a.frames.length >= 1, 'frame for a');
    const b = new TestViewer(`${server.wsUrl}?cols=12&rows=4`);
    await b.until(() => b.frames.length >= 1, 'frame for b');
    expect(b.frames[0]!.length).toBe(4 + 12 * 4 * 4);
    a.close();
    b.close();
  });
});
