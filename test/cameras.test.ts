/**
 * Every camera (src/projection/cameras/) over the equirect layout against the real ffmpeg 5.1 v360
 * with the same output projection: the same synthetic scene through `v360=input=e:output=…` and
 * through our table + sampleCells must agree, across the seam at yaw ±180° and near the poles.
 * Pannini has no field of view in v360 5.1 (its h_fov is the Pannini distance d, its picture spans
 * a fixed ≈106°), so ours at that angle is compared with v360's at d = 1.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAMERAS, type CameraName } from '../protocol/index.js';
import { EquirectCamera } from '../src/projection/cameras/equirect.js';
import { equirectProjection } from '../src/projection/projections.js';
import { sampleCells } from '../src/projection/sample-cells.js';
import type { SampleGrid, ViewAngles } from '../src/shared/types.js';
import { H, makeEquirect, W } from './helpers/sphere-scene.js';

/** Mean absolute difference per channel (of 255) between our picture and v360's. */
const MAE_BOUND = 3;
/** The Pannini angle v360 5.1 draws at d = 1: x = 2·tan(H/4) spans [−1, 1]. */
const V360_PANNINI_FOV = (4 * Math.atan(0.5) * 180) / Math.PI;

let dir = '';
let inPath = '';
let image: Uint8Array = new Uint8Array(0);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ascii360-cameras-'));
  inPath = join(dir, 'in.rgb');
  image = makeEquirect();
  writeFileSync(inPath, image);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const V360_NAME: Record<CameraName, string> = { flat: 'flat', stereographic: 'sg', fisheye: 'fisheye', pannini: 'pannini', equirect: 'e' };

function v360(camera: CameraName, view: ViewAngles, grid: SampleGrid): Uint8Array {
  const k = grid.rows / (grid.cols * grid.aspect);
  const fov = camera === 'pannini' ? '1' : String(view.fov);
  const vFov = camera === 'pannini' ? '1' : CAMERAS[camera].verticalFov(view.fov, k).toFixed(6);
  const filter = `v360=input=e:output=${V360_NAME[camera]}:yaw=${view.yaw}:pitch=${view.pitch}:roll=${view.roll}:h_fov=${fov}:v_fov=${vFov}:w=${grid.cols}:h=${grid.rows}`;
  const result = spawnSync('ffmpeg', ['-v', 'error', '-nostdin', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${W}x${H}`, '-i', inPath, '-vf', filter, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { maxBuffer: 64 << 20 });
  if (result.error) throw result.error;
  expect(result.status, result.stderr.toString()).toBe(0);
  return new Uint8Array(result.stdout);
}

function ours(camera: CameraName, view: ViewAngles, grid: SampleGrid): Uint8Array {
  const out = new Uint8Array(grid.cols * grid.rows * 3);
  sampleCells(equirectProjection(camera).buildTable(view, grid, W, H), image, out);
  return out;
}

function meanAbsError(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

const GRID: SampleGrid = { cols: 96, rows: 48, aspect: 1 };
const TERMINAL: SampleGrid = { cols: 80, rows: 24, aspect: 0.5 };

const CASES: readonly { camera: CameraName; view: ViewAngles; grid: SampleGrid; label: string }[] = [
  { camera: 'stereographic', view: { yaw: 30, pitch: 10, roll: 0, fov: 140 }, grid: GRID, label: 'wide, off-centre' },
  { camera: 'stereographic', view: { yaw: 0, pitch: -90, roll: 0, fov: 270 }, grid: GRID, label: 'the little planet' },
  { camera: 'stereographic', view: { yaw: 170, pitch: 0, roll: 20, fov: 200 }, grid: TERMINAL, label: 'across the seam, rolled, terminal cells' },
  { camera: 'fisheye', view: { yaw: -60, pitch: 20, roll: 0, fov: 180 }, grid: GRID, label: '180°' },
  { camera: 'fisheye', view: { yaw: 180, pitch: 60, roll: 0, fov: 300 }, grid: TERMINAL, label: '300° over the pole and the seam' },
  { camera: 'equirect', view: { yaw: 0, pitch: 0, roll: 0, fov: 360 }, grid: { cols: 96, rows: 48, aspect: 1 }, label: 'the whole sphere' },
  { camera: 'equirect', view: { yaw: 120, pitch: -30, roll: 10, fov: 150 }, grid: TERMINAL, label: 'a turned map' },
  { camera: 'pannini', view: { yaw: 45, pitch: 10, roll: 0, fov: V360_PANNINI_FOV }, grid: { cols: 64, rows: 64, aspect: 1 }, label: 'v360\'s own angle' },
  { camera: 'flat', view: { yaw: 180, pitch: -20, roll: 5, fov: 100 }, grid: TERMINAL, label: 'as before' },
];

describe('cameras against ffmpeg v360', () => {
  for (const { camera, view, grid, label } of CASES) {
    it(`${camera}, ${label}: mean error < ${MAE_BOUND}/255 per channel`, () => {
      expect(meanAbsError(ours(camera, view, grid), v360(camera, view, grid))).toBeLessThan(MAE_BOUND);
    });
  }

  it('the map in a terminal wider than 2:1 holds the poles past them, not the far side upside down', () => {
    // 160×50 cells of 1:2: V = 360 · 100/160 = 225°, 22.5° past each pole.
    const grid = { cols: 160, rows: 50, aspect: 0.5 };
    const camera = new EquirectCamera({ yaw: 0, pitch: 0, roll: 0, fov: 360 }, grid);
    for (const ly of [-1, -0.95, -0.85]) {
      for (const lx of [-0.9, 0, 0.5]) {
        camera.ray(lx, ly);
        // Straight up (y is down), whatever the longitude.
        expect([camera.y, Math.hypot(camera.x, camera.z)]).toEqual([-1, expect.closeTo(0, 12)]);
      }
    }
    // Inside the map, the rows are v360's: latitude linear down the picture.
    camera.ray(0, 0.5);
    expect(Math.asin(camera.y)).toBeCloseTo((0.5 * 225 * Math.PI) / 360, 12);
  });

  it('a wrong camera fails the comparison, so it is not vacuous', () => {
    const view = { yaw: 30, pitch: 10, roll: 0, fov: 140 };
    expect(meanAbsError(ours('fisheye', view, GRID), v360('stereographic', view, GRID))).toBeGreaterThan(1.5 * MAE_BOUND);
  });

  it('each camera keeps its range of fields of view and square samples', () => {
    expect(CAMERAS.flat.fovMax).toBe(160);
    for (const name of ['stereographic', 'fisheye', 'pannini', 'equirect'] as const) expect(CAMERAS[name].fovMax).toBeGreaterThanOrEqual(300);
    // Near the axis every camera is flat: a narrow view's V is H·k.
    for (const c of Object.values(CAMERAS)) expect(c.verticalFov(2, 0.5) / 1).toBeCloseTo(1, 3);
    // Angles where each formula is exact: flat and stereographic square at k = 1, fisheye and the map linear.
    expect(CAMERAS.flat.verticalFov(100, 1)).toBeCloseTo(100, 9);
    expect(CAMERAS.stereographic.verticalFov(250, 1)).toBeCloseTo(250, 9);
    expect(CAMERAS.fisheye.verticalFov(300, 0.6)).toBeCloseTo(180, 9);
    expect(CAMERAS.equirect.verticalFov(360, 0.5)).toBeCloseTo(180, 9);
  });
});
