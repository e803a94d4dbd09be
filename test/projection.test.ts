/**
 * equirect→flat (cameras/flat.ts over layouts/equirect.ts) against the real ffmpeg: the same synthetic equirectangular image goes through
 * `v360=input=e:output=flat` and through our table + sampleCells, and the two pictures must agree.
 * v360 interpolates bilinearly, we average nearest-pixel taps, so they differ only along edges.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sampleCells } from '../src/projection/sample-cells.js';
import { EQUIRECT_TO_FLAT } from '../src/projection/projections.js';
import { verticalFov } from '../src/projection/cameras/flat.js';
import type { SamplingTable } from '../src/projection/projection.js';
import type { SampleGrid, ViewAngles } from '../src/shared/types.js';
import { H, makeEquirect, MARKERS, W, type MarkerName } from './helpers/sphere-scene.js';

/** Mean absolute difference per channel (of 255) we accept between our picture and v360's. */
const MAE_BOUND = 3;

let dir = '';
let inPath = '';
let image: Uint8Array = new Uint8Array(0);
const projection = EQUIRECT_TO_FLAT;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ascii360-projection-'));
  inPath = join(dir, 'in.rgb');
  image = makeEquirect();
  writeFileSync(inPath, image);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function v360(view: ViewAngles, grid: SampleGrid): Uint8Array {
  const vFov = verticalFov(view.fov, grid);
  const filter =
    `v360=input=e:output=flat:yaw=${view.yaw}:pitch=${view.pitch}:roll=${view.roll}` +
    `:h_fov=${view.fov}:v_fov=${vFov.toFixed(6)}:w=${grid.cols}:h=${grid.rows}`;
  const result = spawnSync(
    'ffmpeg',
    ['-v', 'error', '-nostdin', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${W}x${H}`, '-i', inPath,
      '-vf', filter, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    { maxBuffer: 64 << 20 },
  );
  if (result.error) throw result.error;
  expect(result.status, result.stderr.toString()).toBe(0);
  expect(result.stdout.length).toBe(grid.cols * grid.rows * 3);
  return new Uint8Array(result.stdout);
}

function ours(view: ViewAngles, grid: SampleGrid): Uint8Array {
  const out = new Uint8Array(grid.cols * grid.rows * 3);
  sampleCells(projection.buildTable(view, grid, W, H), image, out);
  return out;
}

function meanAbsError(a: Uint8Array, b: Uint8Array): [number, number, number] {
  const sum = [0, 0, 0];
  for (let i = 0; i < a.length; i++) sum[i % 3]! += Math.abs(a[i]! - b[i]!);
  const n = a.length / 3;
  return [sum[0]! / n, sum[1]! / n, sum[2]! / n];
}

/** Which marker a colour is, if any: every channel within 40 (the background never is). */
function classify(pic: Uint8Array, cell: number): MarkerName | undefined {
  for (const [name, m] of Object.entries(MARKERS) as [MarkerName, (typeof MARKERS)[MarkerName]][]) {
    const o = cell * 3;
    if (
      Math.abs(pic[o]! - m.rgb[0]) <= 40 &&
      Math.abs(pic[o + 1]! - m.rgb[1]) <= 40 &&
      Math.abs(pic[o + 2]! - m.rgb[2]) <= 40
    ) {
      return name;
    }
  }
  return undefined;
}

function centreCell(grid: SampleGrid): number {
  return (grid.rows >> 1) * grid.cols + (grid.cols >> 1);
}

/** Cell count and centroid (column, row) of each marker visible in a picture. */
function markerStats(pic: Uint8Array, grid: SampleGrid): Map<MarkerName, { n: number; x: number; y: number }> {
  const stats = new Map<MarkerName, { n: number; x: number; y: number }>();
  for (let c = 0; c < grid.cols * grid.rows; c++) {
    const name = classify(pic, c);
    if (!name) continue;
    const s = stats.get(name) ?? { n: 0, x: 0, y: 0 };
    s.n++;
    s.x += c % grid.cols;
    s.y += Math.floor(c / grid.cols);
    stats.set(name, s);
  }
  for (const s of stats.values()) {
    s.x /= s.n;
    s.y /= s.n;
  }
  return stats;
}

const SQUARE: SampleGrid = { cols: 96, rows: 48, aspect: 1 };
const TERMINAL: SampleGrid = { cols: 80, rows: 24, aspect: 0.5 };

const VIEWS: readonly { label: string; view: ViewAngles }[] = [
  { label: 'front', view: { yaw: 0, pitch: 0, roll: 0, fov: 90 } },
  { label: 'right', view: { yaw: 90, pitch: 0, roll: 0, fov: 90 } },
  { label: 'back across the seam', view: { yaw: 180, pitch: 0, roll: 0, fov: 100 } },
  { label: 'up and right', view: { yaw: 30, pitch: 20, roll: 0, fov: 90 } },
  { label: 'near the north pole', view: { yaw: 0, pitch: 80, roll: 0, fov: 90 } },
  { label: 'rolled', view: { yaw: 45, pitch: -30, roll: 25, fov: 75 } },
  // Zoomed in far enough for single-tap sampling, at the edge of the left marker.
  { label: 'zoomed', view: { yaw: -80, pitch: 5, roll: -15, fov: 20 } },
];

describe('equirect → flat against ffmpeg v360', () => {
  for (const grid of [SQUARE, TERMINAL]) {
    for (const { label, view } of VIEWS) {
      const name = `${label} (${view.yaw}, ${view.pitch}, ${view.roll}, fov ${view.fov}) on ${grid.cols}×${grid.rows} aspect ${grid.aspect}`;
      it(`${name}: mean error < ${MAE_BOUND}/255 per channel and markers where v360 puts them`, () => {
        const theirs = v360(view, grid);
        const mine = ours(view, grid);

        for (const channelError of meanAbsError(mine, theirs)) expect(channelError).toBeLessThan(MAE_BOUND);

        // Every marker v360 shows sits in the same place and size in ours (catches sign errors
        // that a smooth background alone might hide).
        const theirStats = markerStats(theirs, grid);
        const myStats = markerStats(mine, grid);
        for (const [marker, t] of theirStats) {
          if (t.n < 4) continue;
          const m = myStats.get(marker);
          expect(m, `${marker} missing`).toBeDefined();
          expect(Math.abs(m!.n - t.n)).toBeLessThanOrEqual(Math.max(3, 0.2 * t.n));
          expect(Math.abs(m!.x - t.x)).toBeLessThan(1);
          expect(Math.abs(m!.y - t.y)).toBeLessThan(1);
        }
      });
    }
  }

  it('looks where the angles say: centre cells show the expected marker in both pictures', () => {
    const cases: [ViewAngles, MarkerName][] = [
      [{ yaw: 0, pitch: 0, roll: 0, fov: 90 }, 'front'],
      [{ yaw: 90, pitch: 0, roll: 0, fov: 90 }, 'right'], // positive yaw turns right
      [{ yaw: -90, pitch: 0, roll: 0, fov: 90 }, 'left'],
      [{ yaw: 180, pitch: 0, roll: 0, fov: 100 }, 'back'],
      [{ yaw: 0, pitch: 80, roll: 0, fov: 90 }, 'up'], // positive pitch looks up
      [{ yaw: 0, pitch: -80, roll: 0, fov: 90 }, 'down'],
    ];
    for (const [view, marker] of cases) {
      expect(classify(v360(view, SQUARE), centreCell(SQUARE))).toBe(marker);
      expect(classify(ours(view, SQUARE), centreCell(SQUARE))).toBe(marker);
    }
  });

  it('rolled view: the off-centre probe is visible, so the roll comparison is not vacuous', () => {
    const stats = markerStats(v360(VIEWS[5]!.view, SQUARE), SQUARE);
    expect(stats.get('probe')?.n ?? 0).toBeGreaterThan(20);
    // Positive roll turns the picture counter-clockwise: the probe, right of and below the
    // centre without roll, moves up. Checked against the unrolled view.
    const unrolled = markerStats(ours({ ...VIEWS[5]!.view, roll: 0 }, SQUARE), SQUARE).get('probe')!;
    const rolled = markerStats(ours(VIEWS[5]!.view, SQUARE), SQUARE).get('probe')!;
    expect(rolled.y).toBeLessThan(unrolled.y - 3);
  });
});

describe('equirect → flat geometry', () => {
  it('has no seam at yaw 180: the back marker is split evenly and the background is continuous', () => {
    const view: ViewAngles = { yaw: 180, pitch: 0, roll: 0, fov: 100 };
    const pic = ours(view, SQUARE);
    const { cols, rows } = SQUARE;
    const mid = cols >> 1; // columns mid-1 and mid straddle longitude ±180°
    let left = 0;
    let right = 0;
    for (let c = 0; c < cols * rows; c++) {
      if (classify(pic, c) !== 'back') continue;
      if (c % cols < mid) left++;
      else right++;
    }
    expect(left).toBeGreaterThan(50);
    expect(Math.abs(left - right)).toBeLessThanOrEqual(2);
    // Top and bottom rows are background: no step across the seam beyond the gradient's own.
    for (const row of [0, 1, rows - 2, rows - 1]) {
      for (let ch = 0; ch < 3; ch++) {
        const a = pic[(row * cols + mid - 1) * 3 + ch]!;
        const b = pic[(row * cols + mid) * 3 + ch]!;
        expect(Math.abs(a - b)).toBeLessThanOrEqual(3);
      }
    }
  });

  it('builds equal tables for equal inputs', () => {
    const view: ViewAngles = { yaw: 45, pitch: -30, roll: 25, fov: 75 };
    const a = projection.buildTable(view, TERMINAL, W, H);
    const b = projection.buildTable({ ...view }, { ...TERMINAL }, W, H);
    expect(b.taps).toBe(a.taps);
    expect(b.offsets).toEqual(a.offsets);
    expect(b.offsets).not.toBe(a.offsets);
  });

  it('keeps every offset inside the frame, on a pixel boundary, even at the poles and the seam', () => {
    const views: ViewAngles[] = [
      { yaw: 180, pitch: 0, roll: 0, fov: 160 },
      { yaw: -180, pitch: 90, roll: 0, fov: 160 },
      { yaw: 0, pitch: -90, roll: 90, fov: 120 },
      { yaw: 179.9, pitch: 45, roll: -170, fov: 10 },
    ];
    for (const view of views) {
      for (const grid of [SQUARE, TERMINAL, { cols: 160, rows: 48, aspect: 0.5 }]) {
        const t = projection.buildTable(view, grid, W, H);
        expect(t.offsets.length).toBe(grid.cols * grid.rows * t.taps);
        let bad = 0;
        for (const off of t.offsets) if (off < 0 || off >= W * H * 3 || off % 3 !== 0) bad++;
        expect(bad).toBe(0);
      }
    }
  });

  it('chooses supersampling per axis from the footprint: 1 tap zoomed in, more down than across for tall cells', () => {
    const zoomed = projection.buildTable({ yaw: 0, pitch: 0, roll: 0, fov: 10 }, { cols: 40, rows: 20, aspect: 1 }, W, H);
    expect(zoomed.taps).toBe(1);
    // 160×48 terminal cells at 90° on a 1024-wide source: at the centre a cell spans 2/160 rad
    // across (2.04 source pixels) and 1.2/48 rad down (4.07 pixels) → ceil(/1.6) = 2 across × 3 down.
    const wide = projection.buildTable({ yaw: 0, pitch: 0, roll: 0, fov: 90 }, { cols: 160, rows: 48, aspect: 0.5 }, W, H);
    expect(wide.taps).toBe(6);
    // Square 80×40 cells: 2/80 rad = 4.07 pixels each way → 3 × 3.
    const square = projection.buildTable({ yaw: 0, pitch: 0, roll: 0, fov: 90 }, { cols: 80, rows: 40, aspect: 1 }, W, H);
    expect(square.taps).toBe(9);
    // Half the source: 1.02 pixels across, 2.04 down → 1 × 2.
    const mid = projection.buildTable({ yaw: 0, pitch: 0, roll: 0, fov: 90 }, { cols: 160, rows: 48, aspect: 0.5 }, W / 2, H / 2);
    expect(mid.taps).toBe(2);
  });

  it('measures the footprint across the seam as anywhere else: a view facing yaw 180 gets the taps of one facing 0', () => {
    // The seam's two edge pixels show the same longitude (u maps ±180° onto pixel centres 0 and
    // W − 1): measuring the way round as W pixels made a view centred there one tap wider.
    // A grid whose footprint at the centre (2.56 pixels across) was taken as 3.56 across the seam.
    const grid = { cols: 127, rows: 61, aspect: 1 };
    const front = projection.buildTable({ yaw: 0, pitch: 0, roll: 0, fov: 90 }, grid, 1024, 512);
    expect(front.taps).toBe(4);
    expect(projection.buildTable({ yaw: 180, pitch: 0, roll: 0, fov: 90 }, grid, 1024, 512).taps).toBe(4);
  });

  it('verticalFov keeps cells at their aspect', () => {
    expect(verticalFov(90, { cols: 80, rows: 24, aspect: 0.5 })).toBeCloseTo((2 * Math.atan(0.6) * 180) / Math.PI, 10);
    expect(verticalFov(90, { cols: 10, rows: 10, aspect: 1 })).toBeCloseTo(90, 10);
  });

  it('rejects arguments it cannot project', () => {
    const view: ViewAngles = { yaw: 0, pitch: 0, roll: 0, fov: 90 };
    expect(() => projection.buildTable({ ...view, fov: 180 }, SQUARE, W, H)).toThrow(RangeError);
    expect(() => projection.buildTable(view, { cols: 0, rows: 10, aspect: 1 }, W, H)).toThrow(/grid/);
    expect(() => projection.buildTable(view, SQUARE, 0, H)).toThrow(/source size/);
  });
});

describe('sampleCells', () => {
  /** Deterministic bytes, so a failure reproduces. */
  function pseudoRandomBytes(n: number, seed: number): Uint8Array {
    const bytes = new Uint8Array(n);
    let s = seed >>> 0;
    for (let i = 0; i < n; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      bytes[i] = s >>> 24;
    }
    return bytes;
  }

  for (const taps of [1, 4, 9, 16]) {
    it(`writes the rounded mean of ${taps} tap(s) per cell`, () => {
      const srcWidth = 37;
      const srcHeight = 11;
      const frame = pseudoRandomBytes(srcWidth * srcHeight * 3, taps);
      const cols = 13;
      const rows = 7;
      const pick = pseudoRandomBytes(cols * rows * taps * 2, 99 + taps);
      const offsets = new Int32Array(cols * rows * taps);
      for (let k = 0; k < offsets.length; k++) {
        offsets[k] = (((pick[2 * k]! << 8) | pick[2 * k + 1]!) % (srcWidth * srcHeight)) * 3;
      }
      const table: SamplingTable = { cols, rows, taps, offsets, srcWidth, srcHeight, readsBlack: false };
      const out = new Uint8Array(cols * rows * 3);
      sampleCells(table, frame, out);
      for (let c = 0; c < cols * rows; c++) {
        for (let ch = 0; ch < 3; ch++) {
          let sum = 0;
          for (let t = 0; t < taps; t++) sum += frame[offsets[c * taps + t]! + ch]!;
          expect(out[c * 3 + ch]).toBe(Math.round(sum / taps));
        }
      }
    });
  }

  it('rounds halves up and reaches 255 (no overflow in the fixed-point mean)', () => {
    const frame = new Uint8Array([255, 0, 1, 255, 1, 2, 255, 0, 1, 255, 1, 2]);
    const table: SamplingTable = { cols: 1, rows: 1, taps: 4, offsets: new Int32Array([0, 3, 6, 9]), srcWidth: 4, srcHeight: 1, readsBlack: false };
    const out = new Uint8Array(3);
    sampleCells(table, frame, out);
    expect([...out]).toEqual([255, 1, 2]); // (0+1+0+1)/4 = 0.5 → 1; (1+2+1+2)/4 = 1.5 → 2
  });

  it('refuses an output buffer or frame too small for the table', () => {
    const table: SamplingTable = { cols: 2, rows: 2, taps: 1, offsets: new Int32Array(4), srcWidth: 2, srcHeight: 2, readsBlack: false };
    expect(() => sampleCells(table, new Uint8Array(12), new Uint8Array(11))).toThrow(RangeError);
    expect(() => sampleCells(table, new Uint8Array(11), new Uint8Array(12))).toThrow(RangeError);
  });
});
