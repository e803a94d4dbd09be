/**
 * The anti-aliasing the speed issue keeps: a view made the server's way (ffmpeg decodes and scales
 * the 4K frame to the working size with our own arguments, then the table's supersampled taps) must
 * stay within 35 dB PSNR of an area-averaged view of the full-resolution frame: v360 at 8× the grid,
 * averaged down to it. Detail finer than a working pixel (testsrc2's text, lines and zone plate)
 * is what a cheaper scaler would alias.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { areaReferenceArgs, DETAIL_VIEW, detailFrameArgs, psnr, viewOfFrame } from '../bench/decode-view.js';
import { chooseWorkWidth } from '../src/app/working-size.js';
import { buildDecodeArgs } from '../src/source/ffmpeg-source.js';
import { findFfmpeg, protocolsFor, resizerOf } from '../src/source/ffmpeg-tools.js';
import { tempDir } from './helpers/media.js';
import { EQUIRECT_TO_FLAT } from '../src/projection/projections.js';
import { sampleCellsYuv, yuvTableOf } from '../src/projection/sample-yuv.js';
import { EQUIRECT_FORMAT } from '../src/projection/layouts/index.js';
import { FrameAssembler } from '../src/source/frame-assembler.js';
import { FrameRing } from '../src/source/frame-ring.js';

const tmp = tempDir('ascii360-decode-');
afterAll(() => tmp.cleanup());

function ffmpeg(args: string[]): Buffer {
  const r = spawnSync('ffmpeg', ['-hide_banner', '-v', 'error', '-nostdin', ...args], { maxBuffer: 256 << 20 });
  expect(r.status, r.stderr?.toString()).toBe(0);
  return r.stdout;
}

describe('decode quality at the working size', () => {
  it.each(['zscale', 'scale'] as const)('a 160x48 view of a detailed 4K frame, decoded our way with %s, is within 35 dB of the area-averaged view', async (resizer) => {
    // A 3840x1920 frame full of fine detail, 4:4:4 and lossless (bench/decode-view.ts).
    const src = join(tmp.dir, 'detail.mp4');
    ffmpeg(detailFrameArgs(3840, 1920, 'yuv444p', 0, src));
    const tools = await findFfmpeg();
    // Debian's ffmpeg (what CI installs) has zimg; elsewhere only the fallback can be checked.
    if (resizer === 'zscale' && tools.resizer !== 'zscale') return;
    const spec = DETAIL_VIEW;
    const w = chooseWorkWidth([spec], 3840);
    const h = w / 2;
    const args = buildDecodeArgs({ input: src, width: w, height: h, fps: 1, hwaccel: 'none', fpsModeFlag: tools.fpsModeFlag, resizer, realtime: false, loop: false, position: 0, protocols: protocolsFor(src), decoded: { width: 3840, height: 1920 }, crop: null }, 'pipe:1');
    const run = spawnSync(tools.ffmpeg, [...args.slice(0, -1), '-frames:v', '1', 'pipe:1'], { maxBuffer: 256 << 20 });
    expect(run.status, run.stderr?.toString()).toBe(0);
    const ours = viewOfFrame(spec, new Uint8Array(run.stdout), w, h);
    // The reference: v360 at 8x8 points a cell from the full frame, each cell the mean of its points.
    const reference = new Uint8Array(ffmpeg(areaReferenceArgs(src, spec)));
    const db = psnr(ours, reference);
    console.log(`decode ${w}x${h} with ${resizer}: ${db.toFixed(2)} dB against the area-averaged view`);
    expect(db).toBeGreaterThanOrEqual(35);
  }, 60_000);

  it('a 4:2:0 video kept in its planes (converted per sample) is within a fraction of a dB of the same view decoded to RGB', async () => {
    // 4:2:0 holds a quarter of the chroma, so neither path reaches the 4:4:4 frame's 35 dB against
    // the reference; what is held here is that the planes lose little beside ffmpeg's RGB, whose
    // bilinear chroma upsampling the difference is (33.96 against 34.76 dB; sample-yuv.ts).
    const src = join(tmp.dir, 'detail-420.mp4');
    ffmpeg(detailFrameArgs(3840, 1920, 'yuv420p', 0, src));
    const tools = await findFfmpeg();
    const spec = DETAIL_VIEW;
    const w = chooseWorkWidth([spec], 3840);
    const h = w / 2;
    const reference = new Uint8Array(ffmpeg(areaReferenceArgs(src, spec)));
    const decode = (pixels: 'rgb24' | 'yuv420p'): Uint8Array => {
      const args = buildDecodeArgs({ input: src, width: w, height: h, fps: 1, hwaccel: 'none', fpsModeFlag: tools.fpsModeFlag, resizer: tools.resizer, realtime: false, loop: false, position: 0, protocols: protocolsFor(src), decoded: { width: 3840, height: 1920 }, crop: null, pixels }, 'pipe:1');
      const run = spawnSync(tools.ffmpeg, [...args.slice(0, -1), '-frames:v', '1', 'pipe:1'], { maxBuffer: 256 << 20 });
      expect(run.status, run.stderr?.toString()).toBe(0);
      return new Uint8Array(run.stdout);
    };
    const rgb = psnr(viewOfFrame(spec, decode('rgb24'), w, h), reference);
    // The planes into a ring's slot as the server cuts them, then sampled as a worker does.
    const pixels = { kind: 'yuv420p', matrix: 'bt601', range: 'limited' } as const;
    const ring = new FrameRing(w, h, EQUIRECT_FORMAT, pixels, 1);
    new FrameAssembler(ring, () => {}).consume(decode('yuv420p'));
    const cells = new Uint8Array(spec.cols * spec.rows * 3);
    sampleCellsYuv(yuvTableOf(EQUIRECT_TO_FLAT.buildTable(spec, { cols: spec.cols, rows: spec.rows, aspect: spec.aspect }, w, h), pixels, ring.layout), ring.slots[0]!, cells);
    const yuv = psnr(cells, reference);
    console.log(`4:2:0 detail frame at ${w}x${h}: RGB24 frames ${rgb.toFixed(2)} dB, 4:2:0 frames ${yuv.toFixed(2)} dB against the area-averaged view`);
    expect(yuv).toBeGreaterThan(rgb - 1);
  }, 60_000);

  it('uses zscale where the build lists it, and swscale where it does not', async () => {
    const listing = spawnSync('ffmpeg', ['-hide_banner', '-filters'], { encoding: 'utf8' }).stdout;
    const tools = await findFfmpeg();
    expect(tools.resizer).toBe(/ zscale /.test(listing) ? 'zscale' : 'scale');
    const without = listing.split('\n').filter((line) => !/ zscale /.test(line)).join('\n');
    expect(resizerOf(without)).toBe('scale');
    // A filter whose name only contains the word is not it.
    expect(resizerOf(without + '\n ..C zscale_cuda        V->V       x\n')).toBe('scale');
  });
});
