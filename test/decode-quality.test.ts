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
import { CAMERAS } from '../protocol/index.js';
import { chooseWorkWidth } from '../src/app/working-size.js';
import { EQUIRECT_TO_FLAT } from '../src/projection/projections.js';
import { sampleCells } from '../src/projection/sample-cells.js';
import type { ViewSpec } from '../src/shared/types.js';
import { buildDecodeArgs } from '../src/source/ffmpeg-source.js';
import { findFfmpeg, protocolsFor, resizerOf } from '../src/source/ffmpeg-tools.js';
import { tempDir } from './helpers/media.js';

const tmp = tempDir('ascii360-decode-');
afterAll(() => tmp.cleanup());

function ffmpeg(args: string[]): Buffer {
  const r = spawnSync('ffmpeg', ['-hide_banner', '-v', 'error', '-nostdin', ...args], { maxBuffer: 256 << 20 });
  expect(r.status, r.stderr?.toString()).toBe(0);
  return r.stdout;
}

function psnr(a: Uint8Array, b: Uint8Array): number {
  let se = 0;
  for (let i = 0; i < a.length; i++) se += (a[i]! - b[i]!) ** 2;
  return 10 * Math.log10((255 * 255) / (se / a.length));
}

describe('decode quality at the working size', () => {
  it.each(['zscale', 'scale'] as const)('a 160x48 view of a detailed 4K frame, decoded our way with %s, is within 35 dB of the area-averaged view', async (resizer) => {
    // A 3840x1920 frame full of fine detail: testsrc2 averaged with a chirp whose stripes narrow to
    // under a source pixel (a zone plate in x and y).
    const src = join(tmp.dir, 'detail.mp4');
    ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=3840x1920:rate=1', '-f', 'lavfi', '-i', 'color=gray:size=3840x1920:rate=1',
      '-filter_complex', "[1]format=gray,geq=lum='128+127*sin(X*X/1200+Y*Y/600)'[z];[0]format=yuv444p[t];[z]format=yuv444p[zz];[t][zz]blend=all_mode=average",
      '-frames:v', '1', '-c:v', 'libx264', '-qp', '0', '-pix_fmt', 'yuv444p', '-y', src]);
    const tools = await findFfmpeg();
    // Debian's ffmpeg (what CI installs) has zimg; elsewhere only the fallback can be checked.
    if (resizer === 'zscale' && tools.resizer !== 'zscale') return;
    const spec: ViewSpec = { yaw: 20, pitch: 10, roll: 0, fov: 90, cols: 160, rows: 48, aspect: 0.5, mode: 5, style: 'ramp', palette: 'rgb', codec: 'raw', quality: 'balanced', camera: 'flat' };
    const w = chooseWorkWidth([spec], 3840);
    const h = w / 2;
    const args = buildDecodeArgs({ input: src, width: w, height: h, fps: 1, hwaccel: 'none', fpsModeFlag: tools.fpsModeFlag, resizer, realtime: false, loop: false, position: 0, protocols: protocolsFor(src), decoded: { width: 3840, height: 1920 }, crop: null }, 'pipe:1');
    const run = spawnSync(tools.ffmpeg, [...args.slice(0, -1), '-frames:v', '1', 'pipe:1'], { maxBuffer: 256 << 20 });
    expect(run.status, run.stderr?.toString()).toBe(0);
    const frame = new Uint8Array(run.stdout).subarray(0, w * h * 3);
    const grid = { cols: spec.cols, rows: spec.rows, aspect: spec.aspect };
    const ours = new Uint8Array(spec.cols * spec.rows * 3);
    sampleCells(EQUIRECT_TO_FLAT.buildTable(spec, grid, w, h), frame, ours);
    // The reference: v360 at 8x8 points a cell from the full frame, each cell the mean of its points.
    const k = spec.rows / (spec.cols * spec.aspect);
    const vFov = CAMERAS.flat.verticalFov(spec.fov, k).toFixed(6);
    const reference = new Uint8Array(ffmpeg(['-i', src, '-vf', `v360=input=e:output=flat:yaw=${spec.yaw}:pitch=${spec.pitch}:h_fov=${spec.fov}:v_fov=${vFov}:w=${spec.cols * 8}:h=${spec.rows * 8},scale=${spec.cols}:${spec.rows}:flags=area,format=rgb24`,
      '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-']));
    const db = psnr(ours, reference);
    console.log(`decode ${w}x${h} with ${resizer}: ${db.toFixed(2)} dB against the area-averaged view`);
    expect(db).toBeGreaterThanOrEqual(35);
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
