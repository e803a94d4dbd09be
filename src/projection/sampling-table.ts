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
import type { Projection, SamplingTable } from './projection.js';

const DEG = Math.PI / 180;

/** Most taps along one axis: 3×3 already averages away shimmer; more only costs time (each tap is a scattered read). */
const MAX_SUPERSAMPLE = 3;
/** Source pixels between neighbouring taps: under 2, so no source pixel is skipped entirely. */
const TAP_SPACING = 1.6;

/** The rotation from the file's axes to the world's (layouts/index.ts PictureFormat.pose). */
export type Pose = Readonly<Pick<ViewAngles, 'yaw' | 'pitch' | 'roll'>>;
const NO_POSE: Pose = Object.freeze({ yaw: 0, pitch: 0, roll: 0 });

export function buildSamplingTable(camera: Camera, layout: Layout, view: ViewAngles, grid: SampleGrid, reuse?: Int32Array, pose: Pose = NO_POSE): SamplingTable {
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
  const [sx, sy] = supersampling(locate, at, layout, cols, rows, grid.maxTaps ?? MAX_SUPERSAMPLE);
  const taps = sx * sy;

  // The image-plane coordinate of every tap column and tap row, computed once instead of per tap.
  const planeX = new Float64Array(cols * sx);
  for (let k = 0; k < planeX.length; k++) planeX[k] = (2 * (k + 0.5)) / (cols * sx) - 1;
  const planeY = new Float64Array(rows * sy);
  for (let k = 0; k < planeY.length; k++) planeY[k] = (2 * (k + 0.5)) / (rows * sy) - 1;

  const length = cols * rows * taps;
  const offsets = reuse && reuse.buffer.byteLength >= length * 4 ? new Int32Array(reuse.buffer, 0, length) : new Int32Array(length);
  // The per-tap loop (a million taps for a large mosaic view): the rotation inline, in locals.
  const m0 = m[0]!, m1 = m[1]!, m2 = m[2]!, m3 = m[3]!, m4 = m[4]!, m5 = m[5]!, m6 = m[6]!, m7 = m[7]!, m8 = m[8]!;
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
  return { cols, rows, taps, offsets, srcWidth: layout.srcWidth, srcHeight: layout.srcHeight, readsBlack: !layout.wholeSphere };
}

/**
 * Taps per output sample along each axis, sx × sy: one tap per TAP_SPACING source pixels the
 * sample spans at the view centre, clamped to [1, maxTaps]. A terminal cell is twice as tall as
 * wide, so it gets about twice as many taps down as across; square samples get square grids.
 * Enough taps that a slow pan changes each sample's mean smoothly instead of flipping between
 * single pixels, and no more (each tap is a scattered memory read, the cost of the hot loop).
 */
function supersampling(locate: (lx: number, ly: number) => void, at: Float64Array, layout: Layout, cols: number, rows: number, maxTaps: number): [number, number] {
  // Half a sample either side of the centre, on the image plane.
  const footprint = (ax: number, ay: number): number => {
    locate(-ax, -ay);
    const u0 = at[0]!, v0 = at[1]!;
    locate(ax, ay);
    return layout.distance(u0, v0, at[0]!, at[1]!);
  };
  return [tapsFor(footprint(1 / cols, 0), maxTaps), tapsFor(footprint(0, 1 / rows), maxTaps)];
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

  buildTable(view: ViewAngles, grid: SampleGrid, srcWidth: number, srcHeight: number, reuse?: Int32Array): SamplingTable {
    return buildSamplingTable(this.cameraFor(view, grid), this.layoutFor(srcWidth, srcHeight), view, grid, reuse, this.pose);
  }
}
