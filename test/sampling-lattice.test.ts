/**
 * The table builder's lattice (sampling-table.ts, fillByLattice) against projecting every tap:
 * interpolated taps may land one source pixel off where the exact position is within a fraction of
 * a pixel of a pixel boundary, never further; seams, poles, lens rims and the picture's edges are
 * projected exactly, and so are a cube face's rims (a tap never lands on another face). Every
 * camera, over every layout, at views chosen to cross them.
 */
import { describe, expect, it } from 'vitest';
import { CAMERA_NAMES, CAMERAS, type CameraName } from '../protocol/index.js';
import { EQUIRECT_FORMAT, type PictureFormat } from '../src/projection/layouts/index.js';
import { projectionFor } from '../src/projection/projections.js';
import type { SampleGrid, ViewAngles } from '../src/shared/types.js';

const W = 1024;
const H = 512;

const FORMATS: Record<string, { format: PictureFormat; width: number; height: number; wraps: boolean }> = {
  equirect: { format: EQUIRECT_FORMAT, width: W, height: H, wraps: true },
  partial: { format: { ...EQUIRECT_FORMAT, area: { left: 0.25, top: 0.2, right: 0.75, bottom: 0.8 } }, width: 512, height: 307, wraps: false },
  fisheye: { format: { ...EQUIRECT_FORMAT, layout: 'fisheye', inFov: 180, sourceSize: { width: 1, height: 1 } }, width: 512, height: 512, wraps: false },
  dfisheye: { format: { ...EQUIRECT_FORMAT, layout: 'dfisheye', inFov: 190, sourceSize: { width: 2, height: 1 } }, width: 1024, height: 512, wraps: false },
  c3x2: { format: { ...EQUIRECT_FORMAT, layout: 'c3x2', sourceSize: { width: 3, height: 2 } }, width: 768, height: 512, wraps: false },
  cbmp: { format: { ...EQUIRECT_FORMAT, layout: 'cbmp', sourceSize: { width: 3, height: 2 } }, width: 768, height: 512, wraps: false },
  c6x1: { format: { ...EQUIRECT_FORMAT, layout: 'c6x1', sourceSize: { width: 6, height: 1 } }, width: 1536, height: 256, wraps: false },
  eac: { format: { ...EQUIRECT_FORMAT, layout: 'eac', sourceSize: { width: 772, height: 516 } }, width: 772, height: 516, wraps: false },
};

/** Cube layouts: the tile (face) a pixel lies in, which a lattice tap must share with the exact one. */
const TILES: Record<string, { cols: number; rows: number }> = { c3x2: { cols: 3, rows: 2 }, cbmp: { cols: 3, rows: 2 }, c6x1: { cols: 6, rows: 1 }, eac: { cols: 3, rows: 2 } };

/** Views across the back seam, at a pole, rolled, and looking at the lens rims and picture edges. */
const VIEWS: Pick<ViewAngles, 'yaw' | 'pitch' | 'roll'>[] = [
  { yaw: 0, pitch: 0, roll: 0 },
  { yaw: 180, pitch: 10, roll: 0 },
  { yaw: -170, pitch: 85, roll: 20 },
  { yaw: 60, pitch: -90, roll: 0 },
  { yaw: 95, pitch: 30, roll: -45 },
  { yaw: -80, pitch: -40, roll: 10 },
];

/** Mosaic samples (4 × 8 a cell, square-ish) and ramp cells (tall): both tap spacings. */
const GRIDS: SampleGrid[] = [
  { cols: 160, rows: 96, aspect: 1 },
  { cols: 96, rows: 30, aspect: 0.5 },
];

function where(name: string, camera: string, grid: SampleGrid, view: ViewAngles, tap: number, lattice: number, exact: number): string {
  return `${name} ${camera} ${grid.cols}x${grid.rows} yaw ${view.yaw} pitch ${view.pitch} roll ${view.roll}: tap ${tap} at byte ${lattice}, exactly ${exact}`;
}

describe('sampling table lattice', () => {
  it('lands every tap on the pixel the exact projection picks, or on a neighbour of it, on every camera and lattice layout', () => {
    // Taps and same pixels, for the layouts before cube maps and for cube maps (whose tangent map
    // bends more towards a face's rim, so more interpolated taps round the other way).
    const count = { other: { taps: 0, same: 0 }, cube: { taps: 0, same: 0 } };
    let blackOrNot = 0;
    const far: string[] = [];
    for (const [name, { format, width, height, wraps }] of Object.entries(FORMATS)) {
      const black = width * height * 3;
      const tally = TILES[name] ? count.cube : count.other;
      for (const camera of CAMERA_NAMES as readonly CameraName[]) {
        const projection = projectionFor(camera, format);
        for (const grid of GRIDS) {
          for (const angles of VIEWS) {
            const view = { ...angles, fov: CAMERAS[camera].startFov };
            const lattice = projection.buildTable(view, grid, width, height, undefined, 'lattice').offsets;
            const exact = projection.buildTable(view, grid, width, height, undefined, 'exact').offsets;
            expect(lattice.length).toBe(exact.length);
            for (let t = 0; t < exact.length; t++) {
              tally.taps++;
              const a = lattice[t]!;
              const b = exact[t]!;
              if (a === b) {
                tally.same++;
                continue;
              }
              if (a === black || b === black) {
                // Only at the picture's edge: the other tap is an edge pixel (or inside a lens's circle).
                const p = (a === black ? b : a) / 3;
                const x = p % width;
                const y = Math.floor(p / width);
                if (!(x === 0 || x === width - 1 || y === 0 || y === height - 1 || name.endsWith('fisheye'))) far.push(where(name, camera, grid, view, t, a, b));
                blackOrNot++;
                continue;
              }
              const tiles = TILES[name];
              if (tiles) {
                const tile = (o: number): number => Math.floor((((o / 3) % width) * tiles.cols) / width) + tiles.cols * Math.floor((Math.floor(o / 3 / width) * tiles.rows) / height);
                if (tile(a) !== tile(b)) far.push(`${where(name, camera, grid, view, t, a, b)} (another face)`);
              }
              let dx = Math.abs(((a / 3) % width) - ((b / 3) % width));
              if (wraps) dx = Math.min(dx, width - dx);
              const dy = Math.abs(Math.floor(a / 3 / width) - Math.floor(b / 3 / width));
              if (Math.max(dx, dy) > 1) far.push(where(name, camera, grid, view, t, a, b));
            }
          }
        }
      }
    }
    expect(far.slice(0, 5)).toEqual([]);
    // Nearly every tap is the same pixel; black against a picture pixel only along an edge.
    expect(count.other.same / count.other.taps).toBeGreaterThan(0.97);
    expect(count.cube.same / count.cube.taps).toBeGreaterThan(0.92);
    expect(blackOrNot / (count.other.taps + count.cube.taps)).toBeLessThan(0.002);
  });
});
