/**
 * One table builder for any camera and any layout (camera.ts, layout.ts): each output sample's
 * taps become camera rays, the view's rotation turns them into world rays, and the layout says
 * which source pixel shows each. Built once per view, grid and working size; `sampleCells`
 * (sample-cells.ts) applies it to every frame.
 *
 * Rotation as ffmpeg 5.1's v360 (default rorder "ypr"): world = Yaw · Pitch · Roll · camera.
 * Positive yaw turns right (towards larger source x), positive pitch looks up, positive roll dips
 * the camera's right edge, so the picture turns counter-clockwise.
 */
import type { SampleGrid, ViewAngles } from '../shared/types.js';
import type { Camera } from './camera.js';
import type { Layout } from './layout.js';
import type { Projection, SamplingTable, TableBuild, TableStorage } from './projection.js';

const DEG = Math.PI / 180;

/** Most taps along one axis: 3×3 already averages away shimmer; more only costs time (each tap is a scattered read). */
const MAX_SUPERSAMPLE = 3;
/** Source pixels between neighbouring taps: under 2, so no source pixel is skipped entirely. */
const TAP_SPACING = 1.6;
/**
 * Source pixels between exactly projected lattice points at the view's centre, each way
 * (fillByLattice): about 12, in 4 to 32 taps. Larger blocks cost fewer projections but fail the
 * smoothness test more often (the interpolation's error grows with the square of their size).
 */
const LATTICE_PIXELS = 12;
/**
 * A block is interpolated only where the exact positions of its edges' midpoints and its centre
 * are within this many source pixels of the interpolated ones: a tap then lands on another pixel
 * than the exact projection's only where that one is within this of a pixel boundary.
 */
const MAX_LATTICE_ERROR = 0.25;

/** The rotation from the file's axes to the world's (layouts/index.ts PictureFormat.pose). */
export type Pose = Readonly<Pick<ViewAngles, 'yaw' | 'pitch' | 'roll'>>;
const NO_POSE: Pose = Object.freeze({ yaw: 0, pitch: 0, roll: 0 });

export function buildSamplingTable(camera: Camera, layout: Layout, view: ViewAngles, grid: SampleGrid, storage?: TableStorage, pose: Pose = NO_POSE, how: TableBuild = 'lattice'): SamplingTable {
  checkArguments(view, grid, layout);
  const { cols, rows } = grid;
  // Camera ray → world (the view's rotation) → the file's own axes (the pose's inverse: its transpose).
  let m = rotation(view.yaw * DEG, view.pitch * DEG, view.roll * DEG);
  if (pose.yaw !== 0 || pose.pitch !== 0 || pose.roll !== 0) m = multiply(transpose(rotation(pose.yaw * DEG, pose.pitch * DEG, pose.roll * DEG)), m);
  const at = new Float64Array(2);
  /** The source position of image-plane point (lx, ly), into `at`. */
  const locate = (lx: number, ly: number): void => {
    camera.ray(lx, ly);
    const cx = camera.x, cy = camera.y, cz = camera.z;
    layout.locate(m[0]! * cx + m[1]! * cy + m[2]! * cz, m[3]! * cx + m[4]! * cy + m[5]! * cz, m[6]! * cx + m[7]! * cy + m[8]! * cz, at);
  };
  const maxTaps = grid.maxTaps ?? MAX_SUPERSAMPLE;
  const across = footprint(locate, at, layout, 1 / cols, 0);
  const down = footprint(locate, at, layout, 0, 1 / rows);
  const sx = tapsFor(across, maxTaps);
  const sy = tapsFor(down, maxTaps);
  const taps = sx * sy;

  // The image-plane coordinate of every tap column and tap row, computed once instead of per tap.
  const planeX = new Float64Array(cols * sx);
  for (let k = 0; k < planeX.length; k++) planeX[k] = (2 * (k + 0.5)) / (cols * sx) - 1;
  const planeY = new Float64Array(rows * sy);
  for (let k = 0; k < planeY.length; k++) planeY[k] = (2 * (k + 0.5)) / (rows * sy) - 1;

  const length = cols * rows * taps;
  const offsets = storage ? storage(length) : new Int32Array(length);
  const m0 = m[0]!, m1 = m[1]!, m2 = m[2]!, m3 = m[3]!, m4 = m[4]!, m5 = m[5]!, m6 = m[6]!, m7 = m[7]!, m8 = m[8]!;
  if (how === 'lattice' && layout.offsetAt && cols * sx > 1 && rows * sy > 1) {
    fillByLattice(offsets, layout as LatticeLayout, (k, l) => locate(planeX[k]!, planeY[l]!), at, (k, l) => {
      camera.ray(planeX[k]!, planeY[l]!);
      const cx = camera.x, cy = camera.y, cz = camera.z;
      return layout.offsetOf(m0 * cx + m1 * cy + m2 * cz, m3 * cx + m4 * cy + m5 * cz, m6 * cx + m7 * cy + m8 * cz);
    }, cols, sx, sy, rows, latticeStep(across / sx), latticeStep(down / sy));
  } else {
    // Every tap projected (a million for a large mosaic view): the rotation inline, in locals.
    let o = 0;
    for (let j = 0; j < rows; j++) {
      for (let i = 0; i < cols; i++) {
        for (let b = 0; b < sy; b++) {
          const ly = planeY[j * sy + b]!;
          for (let a = 0; a < sx; a++) {
            camera.ray(planeX[i * sx + a]!, ly);
            const cx = camera.x, cy = camera.y, cz = camera.z;
            offsets[o++] = layout.offsetOf(m0 * cx + m1 * cy + m2 * cz, m3 * cx + m4 * cy + m5 * cz, m6 * cx + m7 * cy + m8 * cz);
          }
        }
      }
    }
  }
  return { cols, rows, taps, offsets, srcWidth: layout.srcWidth, srcHeight: layout.srcHeight, readsBlack: !layout.wholeSphere };
}

type LatticeLayout = Layout & { offsetAt(u: number, v: number): number };

/**
 * The table's offsets from a lattice: the tap grid (cols·sx × rows·sy taps, row-major image-plane
 * order) is cut into blocks of stepX × stepY taps (about LATTICE_PIXELS source pixels) whose
 * corners are projected exactly (`locate` into `at`). Where the map is smooth across a block (its
 * corners shown, its edges' midpoints and centre within MAX_LATTICE_ERROR of the bilinear
 * interpolation of its corners), its taps are interpolated and only rounded by the layout
 * (`offsetAt`); elsewhere (a seam, a pole, a lens rim, the picture's edge) every tap is projected
 * (`exact`). On the bench a 160×48 mosaic view's table then costs 0.3× of projecting every tap.
 */
function fillByLattice(
  offsets: Int32Array,
  layout: LatticeLayout,
  locate: (k: number, l: number) => void,
  at: Float64Array,
  exact: (k: number, l: number) => number,
  cols: number,
  sx: number,
  sy: number,
  rows: number,
  stepX: number,
  stepY: number,
): void {
  const tx = cols * sx;
  const ty = rows * sy;
  // Where tap (k, l) goes in the table: cell by cell, each cell's taps row by row.
  const colBase = new Int32Array(tx);
  for (let k = 0; k < tx; k++) colBase[k] = Math.floor(k / sx) * sx * sy + (k % sx);
  const rowBase = new Int32Array(ty);
  for (let l = 0; l < ty; l++) rowBase[l] = Math.floor(l / sy) * cols * sx * sy + (l % sy) * sx;
  const xs = latticeLines(tx, stepX);
  const ys = latticeLines(ty, stepY);
  const nx = xs.length;
  const latU = new Float64Array(nx * ys.length);
  const latV = new Float64Array(nx * ys.length);
  for (let q = 0; q < ys.length; q++) {
    for (let p = 0; p < nx; p++) {
      locate(xs[p]!, ys[q]!);
      latU[q * nx + p] = at[0]!;
      latV[q * nx + p] = at[1]!;
    }
  }
  for (let q = 0; q + 1 < ys.length; q++) {
    const y0 = ys[q]!, y1 = ys[q + 1]!;
    const yEnd = q + 2 === ys.length ? y1 : y1 - 1;
    for (let p = 0; p + 1 < nx; p++) {
      const x0 = xs[p]!, x1 = xs[p + 1]!;
      const xEnd = p + 2 === nx ? x1 : x1 - 1;
      const c = q * nx + p;
      const u00 = latU[c]!, v00 = latV[c]!, u10 = latU[c + 1]!, v10 = latV[c + 1]!;
      const u01 = latU[c + nx]!, v01 = latV[c + nx]!, u11 = latU[c + nx + 1]!, v11 = latV[c + nx + 1]!;
      if (smoothBlock(locate, at, latU, latV, c, nx, x0, x1, y0, y1)) {
        const spanX = x1 - x0, spanY = y1 - y0;
        for (let l = y0; l <= yEnd; l++) {
          const s = (l - y0) / spanY;
          const ua = u00 + (u01 - u00) * s, va = v00 + (v01 - v00) * s;
          const du = (u10 + (u11 - u10) * s - ua) / spanX, dv = (v10 + (v11 - v10) * s - va) / spanX;
          const base = rowBase[l]!;
          for (let k = x0; k <= xEnd; k++) {
            const o = layout.offsetAt(ua + du * (k - x0), va + dv * (k - x0));
            offsets[base + colBase[k]!] = o >= 0 ? o : exact(k, l);
          }
        }
      } else {
        for (let l = y0; l <= yEnd; l++) {
          const base = rowBase[l]!;
          for (let k = x0; k <= xEnd; k++) offsets[base + colBase[k]!] = exact(k, l);
        }
      }
    }
  }
}

/** Taps between lattice lines for taps `spacing` source pixels apart. */
function latticeStep(spacing: number): number {
  return spacing > 0 ? Math.max(4, Math.min(32, Math.round(LATTICE_PIXELS / spacing))) : 8;
}

/** Lattice lines over n taps: every step-th, and the last. */
function latticeLines(n: number, step: number): Int32Array {
  const count = Math.ceil((n - 1) / step) + 1;
  const lines = new Int32Array(count);
  for (let i = 0; i < count; i++) lines[i] = Math.min(i * step, n - 1);
  return lines;
}

/** Whether the map is smooth enough across the block with corner `c` of the lattice to interpolate (fillByLattice). */
function smoothBlock(locate: (k: number, l: number) => void, at: Float64Array, latU: Float64Array, latV: Float64Array, c: number, nx: number, x0: number, x1: number, y0: number, y1: number): boolean {
  // NaN (a ray the frame does not show) fails every comparison. A block across a wrap, a jump or
  // an edge has its exact midpoints far from the interpolated ones.
  if (!(latU[c]! === latU[c]! && latU[c + 1]! === latU[c + 1]! && latU[c + nx]! === latU[c + nx]! && latU[c + nx + 1]! === latU[c + nx + 1]!)) return false;
  const xm = (x0 + x1) >> 1, ym = (y0 + y1) >> 1;
  const t = (xm - x0) / (x1 - x0), s = (ym - y0) / (y1 - y0);
  return (
    nearBilinear(locate, at, latU, latV, c, nx, xm, y0, t, 0) &&
    nearBilinear(locate, at, latU, latV, c, nx, xm, y1, t, 1) &&
    nearBilinear(locate, at, latU, latV, c, nx, x0, ym, 0, s) &&
    nearBilinear(locate, at, latU, latV, c, nx, x1, ym, 1, s) &&
    nearBilinear(locate, at, latU, latV, c, nx, xm, ym, t, s)
  );
}

/** Whether tap (k, l), at (t, s) across the block with corner `c`, projects within MAX_LATTICE_ERROR of the corners' bilinear interpolation. */
function nearBilinear(locate: (k: number, l: number) => void, at: Float64Array, latU: Float64Array, latV: Float64Array, c: number, nx: number, k: number, l: number, t: number, s: number): boolean {
  locate(k, l);
  const u = (1 - s) * (latU[c]! + (latU[c + 1]! - latU[c]!) * t) + s * (latU[c + nx]! + (latU[c + nx + 1]! - latU[c + nx]!) * t);
  const v = (1 - s) * (latV[c]! + (latV[c + 1]! - latV[c]!) * t) + s * (latV[c + nx]! + (latV[c + nx + 1]! - latV[c + nx]!) * t);
  return Math.abs(at[0]! - u) <= MAX_LATTICE_ERROR && Math.abs(at[1]! - v) <= MAX_LATTICE_ERROR;
}

/**
 * Source pixels one output sample spans at the view's centre, across (ax = 1/cols) or down
 * (ay = 1/rows): taps per sample follow from it (tapsFor), one per TAP_SPACING source pixels,
 * clamped to [1, maxTaps]. A terminal cell is twice as tall as wide, so it gets about twice as many
 * taps down as across; square samples get square grids. Enough taps that a slow pan changes each
 * sample's mean smoothly instead of flipping between single pixels, and no more (each tap is a
 * scattered memory read, the cost of the hot loop).
 */
function footprint(locate: (lx: number, ly: number) => void, at: Float64Array, layout: Layout, ax: number, ay: number): number {
  // Half a sample either side of the centre, on the image plane.
  locate(-ax, -ay);
  const u0 = at[0]!, v0 = at[1]!;
  locate(ax, ay);
  return layout.distance(u0, v0, at[0]!, at[1]!);
}

function tapsFor(footprint: number, maxTaps: number): number {
  if (Number.isNaN(footprint)) return maxTaps; // the view's centre shows nothing: assume detail elsewhere
  if (!(footprint > TAP_SPACING)) return 1;
  return Math.max(1, Math.min(maxTaps, Math.ceil(footprint / TAP_SPACING)));
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

function transpose(a: Float64Array): Float64Array {
  return Float64Array.of(a[0]!, a[3]!, a[6]!, a[1]!, a[4]!, a[7]!, a[2]!, a[5]!, a[8]!);
}

function checkArguments(view: ViewAngles, grid: SampleGrid, layout: Layout): void {
  if (!Number.isInteger(grid.cols) || grid.cols < 1 || !Number.isInteger(grid.rows) || grid.rows < 1) {
    throw new RangeError(`grid must be whole positive cols × rows, got ${grid.cols} × ${grid.rows}`);
  }
  if (!(grid.aspect > 0) || !Number.isFinite(grid.aspect)) {
    throw new RangeError(`grid.aspect must be a positive number, got ${grid.aspect}`);
  }
  const { srcWidth, srcHeight } = layout;
  if (!Number.isInteger(srcWidth) || srcWidth < 1 || !Number.isInteger(srcHeight) || srcHeight < 1) {
    throw new RangeError(`source size must be whole positive pixels, got ${srcWidth} × ${srcHeight}`);
  }
  if (srcWidth * srcHeight * 3 > 0x7fffffff) {
    throw new RangeError(`source ${srcWidth} × ${srcHeight} is too large for Int32 byte offsets`);
  }
  if (!Number.isFinite(view.yaw) || !Number.isFinite(view.pitch) || !Number.isFinite(view.roll)) {
    throw new RangeError(`view angles must be finite, got ${view.yaw}, ${view.pitch}, ${view.roll}`);
  }
}

/** A projection from a camera and a layout, each made per view (the camera) and per working size (the layout). */
export class CameraLayoutProjection implements Projection {
  constructor(
    private readonly cameraFor: (view: ViewAngles, grid: SampleGrid) => Camera,
    private readonly layoutFor: (srcWidth: number, srcHeight: number) => Layout,
    private readonly pose: Pose = NO_POSE,
  ) {}

  buildTable(view: ViewAngles, grid: SampleGrid, srcWidth: number, srcHeight: number, storage?: TableStorage, how?: TableBuild): SamplingTable {
    return buildSamplingTable(this.cameraFor(view, grid), this.layoutFor(srcWidth, srcHeight), view, grid, storage, this.pose, how);
  }
}
