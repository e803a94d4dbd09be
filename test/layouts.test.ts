/**
 * Every source layout (src/projection/layouts/) against the real ffmpeg 5.1 v360: the synthetic
 * scene is turned into the layout by `v360=input=e:output=<layout>`, then our view of that file
 * must match v360's view of the original equirect, with flat and one other camera, across the
 * layout's seams (cube face edges, the seam between two fisheye lenses, the back at yaw ±180°).
 * Where a layout holds only part of the sphere (VR180, a partial panorama, one fisheye), the
 * views stay inside it and a view outside must be black.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAMERAS, type CameraName } from '../protocol/index.js';
import { EQUIRECT_FORMAT, type PictureFormat } from '../src/projection/layouts/index.js';
import { projectionFor } from '../src/projection/projections.js';
import { sampleCells } from '../src/projection/sample-cells.js';
import type { LayoutName, SampleGrid, ViewAngles } from '../src/shared/types.js';
import { H, makeEquirect, W } from './helpers/sphere-scene.js';

const MAE_BOUND = 4;

let dir = '';
let inPath = '';
let scene: Uint8Array = new Uint8Array(0);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ascii360-layouts-'));
  inPath = join(dir, 'in.rgb');
  scene = makeEquirect();
  writeFileSync(inPath, scene);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function ffmpegRaw(filter: string, input = inPath, size = `${W}x${H}`): Uint8Array {
  const result = spawnSync('ffmpeg', ['-v', 'error', '-nostdin', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', size, '-i', input, '-vf', filter, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { maxBuffer: 64 << 20 });
  if (result.error) throw result.error;
  expect(result.status, result.stderr.toString()).toBe(0);
  return new Uint8Array(result.stdout);
}

const V360_CAMERA: Record<CameraName, string> = { flat: 'flat', stereographic: 'sg', fisheye: 'fisheye', pannini: 'pannini', equirect: 'e' };

/** v360's view of the original equirect scene. */
function reference(camera: CameraName, view: ViewAngles, grid: SampleGrid): Uint8Array {
  const k = grid.rows / (grid.cols * grid.aspect);
  const vFov = CAMERAS[camera].verticalFov(view.fov, k).toFixed(6);
  return ffmpegRaw(`v360=input=e:output=${V360_CAMERA[camera]}:yaw=${view.yaw}:pitch=${view.pitch}:roll=${view.roll}:h_fov=${view.fov}:v_fov=${vFov}:w=${grid.cols}:h=${grid.rows}`);
}

/** The picture plus the black pixel after it, as a frame slot holds it. */
function slot(picture: Uint8Array): Uint8Array {
  const frame = new Uint8Array(picture.length + 3);
  frame.set(picture);
  return frame;
}

function ours(frame: Uint8Array, width: number, height: number, format: PictureFormat, camera: CameraName, view: ViewAngles, grid: SampleGrid): Uint8Array {
  const out = new Uint8Array(grid.cols * grid.rows * 3);
  sampleCells(projectionFor(camera, format).buildTable(view, grid, width, height), frame, out);
  return out;
}

function meanAbsError(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

function format(layout: LayoutName, extra: Partial<PictureFormat> = {}, width = 2, height = 1): PictureFormat {
  return { ...EQUIRECT_FORMAT, layout, sourceSize: { width, height }, ...extra };
}

const GRID: SampleGrid = { cols: 96, rows: 48, aspect: 1 };
const TERMINAL: SampleGrid = { cols: 80, rows: 24, aspect: 0.5 };

interface LayoutCase {
  layout: LayoutName;
  /** v360 output options making the file, and its size. */
  make: string;
  width: number;
  height: number;
  format: Partial<PictureFormat>;
  views: readonly { camera: CameraName; view: ViewAngles; grid: SampleGrid; label: string }[];
}

const CASES: readonly LayoutCase[] = [
  {
    layout: 'c3x2', make: 'c3x2', width: 768, height: 512, format: {},
    views: [
      { camera: 'flat', view: { yaw: 45, pitch: 35, roll: 0, fov: 100 }, grid: TERMINAL, label: 'where right, front and up meet' },
      { camera: 'stereographic', view: { yaw: 180, pitch: -20, roll: 10, fov: 160 }, grid: GRID, label: 'the back at yaw 180°, over the down face' },
    ],
  },
  {
    // Spherical Video V2's cube map: v360 turns the up and down faces half round for it.
    layout: 'cbmp', make: 'c3x2:out_frot=002200', width: 768, height: 512, format: {},
    views: [
      { camera: 'flat', view: { yaw: 30, pitch: 60, roll: 0, fov: 100 }, grid: TERMINAL, label: 'the up face, turned, from the front' },
      { camera: 'fisheye', view: { yaw: 150, pitch: -70, roll: 0, fov: 170 }, grid: GRID, label: 'the turned down face and the back' },
    ],
  },
  {
    layout: 'c6x1', make: 'c6x1', width: 1536, height: 256, format: {},
    views: [
      { camera: 'flat', view: { yaw: -135, pitch: -40, roll: 0, fov: 90 }, grid: TERMINAL, label: 'the left-back-down corner' },
      { camera: 'fisheye', view: { yaw: 0, pitch: 80, roll: 0, fov: 180 }, grid: GRID, label: 'the up face and all its edges' },
    ],
  },
  {
    layout: 'eac', make: 'eac', width: 768, height: 512, format: {},
    views: [
      { camera: 'flat', view: { yaw: 45, pitch: 40, roll: 0, fov: 100 }, grid: TERMINAL, label: 'front, right and the turned up face' },
      { camera: 'stereographic', view: { yaw: 170, pitch: -50, roll: 0, fov: 150 }, grid: GRID, label: 'the turned back and down faces' },
    ],
  },
  {
    layout: 'dfisheye', make: 'dfisheye:h_fov=190:v_fov=190', width: 1024, height: 512, format: { inFov: 190 },
    views: [
      { camera: 'flat', view: { yaw: 90, pitch: 0, roll: 0, fov: 100 }, grid: TERMINAL, label: 'across the seam between the lenses' },
      { camera: 'stereographic', view: { yaw: -100, pitch: 30, roll: 0, fov: 160 }, grid: GRID, label: 'wide, over the other seam' },
    ],
  },
  {
    layout: 'fisheye', make: 'fisheye:h_fov=180:v_fov=180', width: 512, height: 512, format: { inFov: 180 },
    views: [
      { camera: 'flat', view: { yaw: 40, pitch: 20, roll: 0, fov: 60 }, grid: TERMINAL, label: 'off the axis, inside the rim' },
      { camera: 'fisheye', view: { yaw: 0, pitch: 0, roll: 0, fov: 170 }, grid: GRID, label: 'nearly the whole lens' },
    ],
  },
  {
    layout: 'hequirect', make: 'hequirect', width: 512, height: 512, format: {},
    views: [
      { camera: 'flat', view: { yaw: -60, pitch: 10, roll: 0, fov: 50 }, grid: TERMINAL, label: 'towards the left edge' },
      { camera: 'stereographic', view: { yaw: 0, pitch: 0, roll: 0, fov: 120 }, grid: GRID, label: 'wide, forward' },
    ],
  },
];

describe('layouts against ffmpeg v360', () => {
  for (const c of CASES) {
    describe(c.layout, () => {
      let file: Uint8Array = new Uint8Array(0);
      const f = format(c.layout, c.format, c.width, c.height);
      beforeAll(() => {
        file = slot(ffmpegRaw(`v360=input=e:output=${c.make}:w=${c.width}:h=${c.height}`));
      });
      for (const v of c.views) {
        it(`${v.camera}, ${v.label}: mean error < ${MAE_BOUND}/255 per channel`, () => {
          const error = meanAbsError(ours(file, c.width, c.height, f, v.camera, v.view, v.grid), reference(v.camera, v.view, v.grid));
          expect(error).toBeLessThan(MAE_BOUND);
        });
      }
    });
  }

  it('a file read as the wrong layout fails the comparison, so it is not vacuous', () => {
    const file = slot(ffmpegRaw('v360=input=e:output=c3x2:w=768:h=512'));
    const v = CASES[0]!.views[0]!;
    const error = meanAbsError(ours(file, 768, 512, format('eac', {}, 768, 512), v.camera, v.view, v.grid), reference(v.camera, v.view, v.grid));
    expect(error).toBeGreaterThan(2 * MAE_BOUND);
  });

  it('a partial panorama sits where its area says, black outside it', () => {
    // The scene cut to longitudes −135…135 and latitudes −67.5…67.5: three quarters of each axis.
    const cw = (W * 3) / 4, ch = (H * 3) / 4, x0 = W / 8, y0 = H / 8;
    const crop = new Uint8Array(cw * ch * 3);
    for (let y = 0; y < ch; y++) crop.set(scene.subarray(((y0 + y) * W + x0) * 3, ((y0 + y) * W + x0 + cw) * 3), y * cw * 3);
    const f = format('equirect', { area: { left: 1 / 8, top: 1 / 8, right: 7 / 8, bottom: 7 / 8 } }, cw, ch);
    const inside = { yaw: 100, pitch: -30, roll: 0, fov: 50 };
    expect(meanAbsError(ours(slot(crop), cw, ch, f, 'flat', inside, TERMINAL), reference('flat', inside, TERMINAL))).toBeLessThan(MAE_BOUND);
    const behind = ours(slot(crop), cw, ch, f, 'flat', { yaw: 180, pitch: 0, roll: 0, fov: 60 }, TERMINAL);
    expect(Math.max(...behind)).toBe(0);
    const overhead = ours(slot(crop), cw, ch, f, 'flat', { yaw: 0, pitch: 90, roll: 0, fov: 20 }, TERMINAL);
    expect(Math.max(...overhead)).toBe(0);
  });

  it('VR180 and one fisheye show black behind, not a stretched copy', () => {
    const he = slot(ffmpegRaw('v360=input=e:output=hequirect:w=512:h=512'));
    const back = { yaw: 180, pitch: 0, roll: 0, fov: 60 };
    expect(Math.max(...ours(he, 512, 512, format('hequirect', {}, 512, 512), 'flat', back, TERMINAL))).toBe(0);
    const fe = slot(ffmpegRaw('v360=input=e:output=fisheye:h_fov=180:v_fov=180:w=512:h=512'));
    expect(Math.max(...ours(fe, 512, 512, format('fisheye', { inFov: 180 }, 512, 512), 'flat', back, TERMINAL))).toBe(0);
  });

  it('the pose turns the file: its forward is seen at the pose’s yaw and pitch', () => {
    const file = slot(scene);
    const turned = format('equirect', { pose: { yaw: 30, pitch: 20, roll: 0 } }, W, H);
    const view = { yaw: 30, pitch: 20, roll: 0, fov: 60 };
    const straight = { yaw: 0, pitch: 0, roll: 0, fov: 60 };
    expect(meanAbsError(ours(file, W, H, turned, 'flat', view, TERMINAL), ours(file, W, H, EQUIRECT_FORMAT, 'flat', straight, TERMINAL))).toBeLessThan(1);
  });
});
