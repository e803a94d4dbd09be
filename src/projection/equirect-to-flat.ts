/**
 * Equirectangular source → rectilinear (flat, perspective) view, with the geometry of ffmpeg's
 * `v360=input=e:output=flat:yaw=Y:pitch=P:roll=R:h_fov=H:v_fov=V` (ffmpeg 5.1, the version we ship
 * against), so a viewer sees exactly what ffmpeg would render for the same angles.
 *
 * Conventions (libavfilter/vf_v360.c, each confirmed bit-exact against ffmpeg 5.1 with interp=near
 * on a coordinate-encoded image; see test/projection.test.ts for the colour comparison):
 * - Camera space: x right, y DOWN, z forward. Output sample i of n sits at (2i+1)/n − 1 on the
 *   image plane z = 1, scaled by tan(h_fov/2) across and tan(v_fov/2) down (flat_to_xyz).
 * - Rotation: world = Yaw · Pitch · Roll · camera (default rorder "ypr"). Positive yaw turns right
 *   (towards larger source x), positive pitch looks up (towards row 0), positive roll dips the
 *   camera's right edge, so the picture turns counter-clockwise.
 * - Source: longitude atan2(x, z), latitude asin(y); 5.1 maps [-1, 1] onto pixel centres
 *   0 … size−1, i.e. u = (lon/π + 1)/2 · (W − 1) (xyz_to_equirect). Newer ffmpeg uses
 *   (… + 1)/2 · W − 0.5 instead; the two differ by under half a source pixel.
 */
import { verticalFovDegrees } from '../../protocol/view.js';
import type { SampleGrid, ViewAngles } from '../shared/types.js';
import type { Projection, SamplingTable } from './projection.js';

const DEG = Math.PI / 180;

/** Most taps along one axis: 3×3 already averages away shimmer; more only costs time (each tap is a scattered read). */
const MAX_SUPERSAMPLE = 3;

/** Vertical field of view (degrees) that keeps `grid`'s samples `aspect` wide (PROTOCOL-NOTES.md §7). */
export function verticalFov(hFovDeg: number, grid: SampleGrid): number {
  return verticalFovDegrees(hFovDeg, grid.cols, grid.rows, grid.aspect);
}

export class EquirectToFlat implements Projection {
  readonly name = 'equirect→flat';

  buildTable(view: ViewAngles, grid: SampleGrid, srcWidth: number, srcHeight: number, reuse?: Int32Array): SamplingTable {
    checkArguments(view, grid, srcWidth, srcHeight);
    const { cols, rows } = grid;
    const map = new SourceMap(view, grid, srcWidth, srcHeight);
    const [sx, sy] = supersampling(map, cols, rows, srcWidth, grid.maxTaps ?? MAX_SUPERSAMPLE);
    const taps = sx * sy;

    // The image-plane coordinate of every tap column and tap row, computed once instead of per tap.
    const planeX = new Float64Array(cols * sx);
    for (let k = 0; k < planeX.length; k++) planeX[k] = map.tanX * ((2 * (k + 0.5)) / (cols * sx) - 1);
    const planeY = new Float64Array(rows * sy);
    for (let k = 0; k < planeY.length; k++) planeY[k] = map.tanY * ((2 * (k + 0.5)) / (rows * sy) - 1);

    const length = cols * rows * taps;
    const offsets = reuse && reuse.buffer.byteLength >= length * 4 ? new Int32Array(reuse.buffer, 0, length) : new Int32Array(length);
    const maxY = srcHeight - 1;
    let o = 0;
    for (let j = 0; j < rows; j++) {
      for (let i = 0; i < cols; i++) {
        for (let b = 0; b < sy; b++) {
          const ly = planeY[j * sy + b]!;
          for (let a = 0; a < sx; a++) {
            map.project(planeX[i * sx + a]!, ly);
            // Nearest pixel. x wraps so yaw ±180° has no seam; y clamps so the poles stay clean.
            let x = Math.round(map.u) % srcWidth;
            if (x < 0) x += srcWidth;
            let y = Math.round(map.v);
            y = y < 0 ? 0 : y > maxY ? maxY : y;
            offsets[o++] = (y * srcWidth + x) * 3;
          }
        }
      }
    }
    return { cols, rows, taps, offsets, srcWidth, srcHeight };
  }
}

/**
 * Writes cols·rows RGB triplets into `out`, each the rounded mean of its taps in `frame`.
 * Runs per frame per viewer: integer arithmetic only, no allocation.
 */
export function sampleCells(table: SamplingTable, frame: Uint8Array, out: Uint8Array): void {
  const { offsets, taps } = table;
  const cells = table.cols * table.rows;
  if (out.length < cells * 3) {
    throw new RangeError(`sampleCells: out holds ${out.length} bytes, the table needs ${cells * 3}`);
  }
  if (frame.length < table.srcWidth * table.srcHeight * 3) {
    throw new RangeError(
      `sampleCells: frame holds ${frame.length} bytes, not ${table.srcWidth}×${table.srcHeight} RGB24`,
    );
  }

  if (taps === 1) {
    for (let c = 0, d = 0; c < cells; c++, d += 3) {
      const s = offsets[c]!;
      out[d] = frame[s]!;
      out[d + 1] = frame[s + 1]!;
      out[d + 2] = frame[s + 2]!;
    }
    return;
  }

  if (taps === 4) {
    // The common 2×2 case, unrolled: about a fifth faster than the general loop.
    for (let c = 0, t = 0, d = 0; c < cells; c++, t += 4, d += 3) {
      const s0 = offsets[t]!, s1 = offsets[t + 1]!, s2 = offsets[t + 2]!, s3 = offsets[t + 3]!;
      out[d] = (frame[s0]! + frame[s1]! + frame[s2]! + frame[s3]! + 2) >> 2;
      out[d + 1] = (frame[s0 + 1]! + frame[s1 + 1]! + frame[s2 + 1]! + frame[s3 + 1]! + 2) >> 2;
      out[d + 2] = (frame[s0 + 2]! + frame[s1 + 2]! + frame[s2 + 2]! + frame[s3 + 2]! + 2) >> 2;
    }
    return;
  }

  // Rounded mean = floor((sum + taps/2) / taps). The division is a multiply by ceil(2^16 / taps)
  // and a shift, exact for taps ≤ 16 and 8-bit channels (error < 0.07, less than 1/taps).
  const half = taps >> 1;
  const mul = Math.ceil(65536 / taps);
  for (let c = 0, t0 = 0, d = 0; c < cells; c++, d += 3) {
    let r = half;
    let g = half;
    let b = half;
    for (const end = t0 + taps; t0 < end; t0++) {
      const s = offsets[t0]!;
      r += frame[s]!;
      g += frame[s + 1]!;
      b += frame[s + 2]!;
    }
    out[d] = (r * mul) >>> 16;
    out[d + 1] = (g * mul) >>> 16;
    out[d + 2] = (b * mul) >>> 16;
  }
}

/**
 * Image-plane point → continuous source pixel position, v360's math for one view.
 * `project` leaves its answer in `u`, `v` so the per-tap loop allocates nothing.
 */
class SourceMap {
  readonly tanX: number;
  readonly tanY: number;
  u = 0;
  v = 0;
  private readonly m: Float64Array;
  private readonly uScale: number;
  private readonly vScale: number;

  constructor(view: ViewAngles, grid: SampleGrid, srcWidth: number, srcHeight: number) {
    this.tanX = Math.tan((view.fov * DEG) / 2);
    this.tanY = (this.tanX * grid.rows) / (grid.cols * grid.aspect);
    this.m = rotation(view.yaw * DEG, view.pitch * DEG, view.roll * DEG);
    this.uScale = (srcWidth - 1) / 2;
    this.vScale = (srcHeight - 1) / 2;
  }

  /** Projects the camera ray (lx, ly, 1). */
  project(lx: number, ly: number): void {
    const m = this.m;
    const x = m[0]! * lx + m[1]! * ly + m[2]!;
    const y = m[3]! * lx + m[4]! * ly + m[5]!;
    const z = m[6]! * lx + m[7]! * ly + m[8]!;
    // atan2 of y against the horizontal length equals v360's asin(y/|d|) and stays accurate near the poles.
    const lon = Math.atan2(x, z);
    const lat = Math.atan2(y, Math.sqrt(x * x + z * z));
    this.u = (lon / Math.PI + 1) * this.uScale;
    this.v = (lat / (Math.PI / 2) + 1) * this.vScale;
  }
}

/** Row-major Yaw·Pitch·Roll: yaw about y (down), pitch about x (right), roll about z (forward). */
function rotation(yaw: number, pitch: number, roll: number): Float64Array {
  const cy = Math.cos(yaw), sy = Math.sin(yaw);
  const cp = Math.cos(pitch), sp = Math.sin(pitch);
  const cr = Math.cos(roll), sr = Math.sin(roll);
  const yawM = [cy, 0, sy, 0, 1, 0, -sy, 0, cy];
  const pitchM = [1, 0, 0, 0, cp, -sp, 0, sp, cp];
  const rollM = [cr, -sr, 0, sr, cr, 0, 0, 0, 1];
  return multiply(multiply(yawM, pitchM), rollM);
}

function multiply(a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  const c = new Float64Array(9);
  for (let r = 0; r < 3; r++) {
    for (let k = 0; k < 3; k++) {
      c[r * 3 + k] = a[r * 3]! * b[k]! + a[r * 3 + 1]! * b[3 + k]! + a[r * 3 + 2]! * b[6 + k]!;
    }
  }
  return c;
}

/**
 * Taps per output sample along each axis, sx × sy: one tap per TAP_SPACING source pixels the
 * sample spans at the view centre, clamped to [1, MAX_SUPERSAMPLE]. A terminal cell is twice as
 * tall as wide, so it gets about twice as many taps down as across; square cells get square grids.
 * Enough taps that a slow pan changes each sample's mean smoothly instead of flipping between
 * single pixels, and no more (each tap is a scattered memory read, the cost of the hot loop).
 */
function supersampling(map: SourceMap, cols: number, rows: number, srcWidth: number, maxTaps: number): [number, number] {
  const cx = map.tanX * (1 / cols); // half a sample either side of the centre, on the image plane
  const cy = map.tanY * (1 / rows);
  map.project(-cx, 0);
  const u0 = map.u, v0 = map.v;
  map.project(cx, 0);
  const across = pixelDistance(map.u - u0, map.v - v0, srcWidth);
  map.project(0, -cy);
  const u1 = map.u, v1 = map.v;
  map.project(0, cy);
  const down = pixelDistance(map.u - u1, map.v - v1, srcWidth);
  return [tapsFor(across, maxTaps), tapsFor(down, maxTaps)];
}

/** Source pixels between neighbouring taps: under 2, so no source pixel is skipped entirely. */
const TAP_SPACING = 1.6;

function tapsFor(footprint: number, maxTaps: number): number {
  if (!(footprint > TAP_SPACING)) return 1; // also catches NaN
  return Math.max(1, Math.min(maxTaps, Math.ceil(footprint / TAP_SPACING)));
}

/** Length of a source displacement, taking the short way round the longitude seam. */
function pixelDistance(du: number, dv: number, srcWidth: number): number {
  const wrapped = Math.abs(du) > srcWidth / 2 ? srcWidth - Math.abs(du) : du;
  return Math.hypot(wrapped, dv);
}

function checkArguments(view: ViewAngles, grid: SampleGrid, srcWidth: number, srcHeight: number): void {
  if (!Number.isInteger(grid.cols) || grid.cols < 1 || !Number.isInteger(grid.rows) || grid.rows < 1) {
    throw new RangeError(`grid must be whole positive cols × rows, got ${grid.cols} × ${grid.rows}`);
  }
  if (!(grid.aspect > 0) || !Number.isFinite(grid.aspect)) {
    throw new RangeError(`grid.aspect must be a positive number, got ${grid.aspect}`);
  }
  if (!Number.isInteger(srcWidth) || srcWidth < 1 || !Number.isInteger(srcHeight) || srcHeight < 1) {
    throw new RangeError(`source size must be whole positive pixels, got ${srcWidth} × ${srcHeight}`);
  }
  if (srcWidth * srcHeight * 3 > 0x7fffffff) {
    throw new RangeError(`source ${srcWidth} × ${srcHeight} is too large for Int32 byte offsets`);
  }
  // A rectilinear view needs tan(fov/2) finite and positive.
  if (!(view.fov > 0 && view.fov < 180)) {
    throw new RangeError(`view.fov must lie strictly between 0 and 180 degrees, got ${view.fov}`);
  }
  if (!Number.isFinite(view.yaw) || !Number.isFinite(view.pitch) || !Number.isFinite(view.roll)) {
    throw new RangeError(`view angles must be finite, got ${view.yaw}, ${view.pitch}, ${view.roll}`);
  }
}
