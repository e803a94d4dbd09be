/**
 * The anti-aliasing measurement of the speed issue, one definition for test/decode-quality.test.ts
 * (software decoding, held to 35 dB) and bench `gpu` (NVDEC's GPU shrink beside it): a view made the
 * server's way from a frame full of detail finer than a working pixel, against v360's
 * area-averaged view of the full-resolution frame.
 */
import { CAMERAS } from '../protocol/index.js';
import { EQUIRECT_TO_FLAT } from '../src/projection/projections.js';
import { sampleCells } from '../src/projection/sample-cells.js';
import type { ViewSpec } from '../src/shared/types.js';

/** The view measured: 160×48 cells of the ramp (one sample a cell), looking at the detail. */
export const DETAIL_VIEW: ViewSpec = { yaw: 20, pitch: 10, roll: 0, fov: 90, cols: 160, rows: 48, aspect: 0.5, mode: 5, style: 'ramp', palette: 'rgb', codec: 'raw', quality: 'balanced', camera: 'flat' };

/**
 * ffmpeg arguments (after its global options) writing `out`: one width×height frame of testsrc2
 * averaged with a chirp whose stripes narrow to under a source pixel (a zone plate in x and y),
 * H.264 at `qp` in `pixFmt` (4:4:4 lossless for the test; 4:2:0 for NVDEC, which decodes no other).
 */
export function detailFrameArgs(width: number, height: number, pixFmt: 'yuv444p' | 'yuv420p', qp: number, out: string): string[] {
  return ['-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=1`, '-f', 'lavfi', '-i', `color=gray:size=${width}x${height}:rate=1`,
    '-filter_complex', "[1]format=gray,geq=lum='128+127*sin(X*X/1200+Y*Y/600)'[z];[0]format=yuv444p[t];[z]format=yuv444p[zz];[t][zz]blend=all_mode=average",
    '-frames:v', '1', '-c:v', 'libx264', '-qp', String(qp), '-pix_fmt', pixFmt, '-y', out];
}

/** The view's cells sampled from a decoded RGB24 working frame of width×height, as a worker samples them. */
export function viewOfFrame(spec: ViewSpec, frame: Uint8Array, width: number, height: number): Uint8Array {
  const cells = new Uint8Array(spec.cols * spec.rows * 3);
  sampleCells(EQUIRECT_TO_FLAT.buildTable(spec, { cols: spec.cols, rows: spec.rows, aspect: spec.aspect }, width, height), frame.subarray(0, width * height * 3), cells);
  return cells;
}

/** ffmpeg arguments writing the reference to stdout: v360 at 8×8 points a cell from the full frame of `input`, each cell the mean of its points. */
export function areaReferenceArgs(input: string, spec: ViewSpec): string[] {
  const vFov = CAMERAS.flat.verticalFov(spec.fov, spec.rows / (spec.cols * spec.aspect)).toFixed(6);
  return ['-i', input, '-vf', `v360=input=e:output=flat:yaw=${spec.yaw}:pitch=${spec.pitch}:h_fov=${spec.fov}:v_fov=${vFov}:w=${spec.cols * 8}:h=${spec.rows * 8},scale=${spec.cols}:${spec.rows}:flags=area,format=rgb24`,
    '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'];
}

export function psnr(a: Uint8Array, b: Uint8Array): number {
  let se = 0;
  for (let i = 0; i < a.length; i++) se += (a[i]! - b[i]!) ** 2;
  return 10 * Math.log10((255 * 255) / (se / a.length));
}
