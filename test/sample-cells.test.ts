/**
 * Sampling gives every sample the rounded mean of its taps, checked against a plain computation
 * from the table for tables of 1, 2×2 and more taps, a layout that reads the black pixel, frames of
 * random bytes (up to 255 in every tap), and a frame that is a view into a larger buffer.
 */
import { describe, expect, it } from 'vitest';
import { EQUIRECT_TO_FLAT, projectionFor } from '../src/projection/projections.js';
import { sampleCells } from '../src/projection/sample-cells.js';
import { EQUIRECT_FORMAT } from '../src/projection/layouts/index.js';
import type { SamplingTable } from '../src/projection/projection.js';
import type { ViewSpec } from '../src/shared/types.js';
import { rng } from './helpers/random.js';

function expected(table: SamplingTable, frame: Uint8Array): Uint8Array {
  const out = new Uint8Array(table.cols * table.rows * 3);
  for (let c = 0; c < table.cols * table.rows; c++) {
    for (let ch = 0; ch < 3; ch++) {
      let sum = 0;
      for (let t = 0; t < table.taps; t++) sum += frame[table.offsets[c * table.taps + t]! + ch]!;
      out[c * 3 + ch] = Math.floor((sum + (table.taps >> 1)) / table.taps);
    }
  }
  return out;
}

const spec = (fov: number, pitch: number): ViewSpec => ({ yaw: 170, pitch, roll: 0, fov, cols: 40, rows: 12, aspect: 0.5, mode: 5, style: 'ramp', palette: 'rgb', codec: 'raw', quality: 'balanced', camera: 'flat' });

describe('sampleCells', () => {
  const w = 512;
  const h = 256;
  const r = rng(3);
  const random = Uint8Array.from({ length: w * w * 3 + 3 }, () => Math.floor(r() * 256));
  const cases: [string, SamplingTable][] = [
    ['1 tap', EQUIRECT_TO_FLAT.buildTable(spec(90, 0), { cols: 40, rows: 12, aspect: 0.5, maxTaps: 1 }, w, h)],
    ['up to 2x2 taps', EQUIRECT_TO_FLAT.buildTable(spec(120, -80), { cols: 40, rows: 12, aspect: 0.5, maxTaps: 2 }, w, h)],
    ['up to 3x3 taps', EQUIRECT_TO_FLAT.buildTable(spec(150, -85), { cols: 40, rows: 12, aspect: 0.5 }, w, h)],
    ['a fisheye that reads the black pixel', projectionFor('flat', { ...EQUIRECT_FORMAT, layout: 'fisheye', inFov: 180 }).buildTable(spec(150, 0), { cols: 40, rows: 12, aspect: 0.5 }, w, w)],
  ];
  it('the tables cover 1, 4 and more taps, and the bottom row and the black pixel', () => {
    const taps = new Set(cases.map(([, t]) => t.taps));
    expect(taps.has(1)).toBe(true);
    expect(taps.has(4)).toBe(true);
    expect([...taps].some((n) => n > 4)).toBe(true);
    expect(cases.some(([, t]) => t.readsBlack)).toBe(true);
    expect(cases.some(([, t]) => Math.max(...t.offsets) >= w * h * 3 - 3 * w)).toBe(true);
  });
  for (const [name, table] of cases) {
    it(`${name}: each sample is its rounded tap mean`, () => {
      // The picture and its black pixel if read; the last pixels all 255 (the largest sums).
      const picture = table.srcWidth * table.srcHeight * 3;
      const bytes = picture + (table.readsBlack ? 3 : 0);
      const frame = random.slice(0, bytes);
      frame.fill(255, picture - 30, picture);
      frame.fill(0, picture, bytes);
      const want = expected(table, frame);
      const got = new Uint8Array(want.length);
      sampleCells(table, frame, got);
      expect(Buffer.from(got).equals(Buffer.from(want))).toBe(true);
      // A view into a larger buffer (not at its start) reads the same.
      const inner = new Uint8Array(frame.length + 7);
      inner.set(frame, 7);
      const shifted = new Uint8Array(want.length);
      sampleCells(table, inner.subarray(7), shifted);
      expect(Buffer.from(shifted).equals(Buffer.from(want))).toBe(true);
    });
  }
});
