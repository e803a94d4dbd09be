/**
 * The WebAssembly SIMD partition walk (src/quantise/walk-simd.ts) writes the JS walk's bytes
 * (src/quantise/fit-kernels.ts) for each sample layout: the whole `out` buffer is compared, so
 * bytes before `offset` and after the grid must stay untouched too. Inputs: real projected samples
 * of demo views in each walked style, and random cells of the kinds that reach every path (noise,
 * two colours on a random mask, flat, few levels, ties between equal samples), at every quant mask,
 * odd grid sizes, a grid the module fits in bands and one too wide for it. Glyph and swap tables
 * are random, so every mask's glyph and both colour orders are exercised. The first test makes
 * sure this Node runs the SIMD path, so the others cannot pass on the JS walk alone.
 */
import { describe, expect, it } from 'vitest';
import { CELL_STYLES, Limits } from '../protocol/index.js';
import { WalkSimd } from '../src/quantise/walk-simd.js';
import { WALK_KERNELS } from '../src/quantise/fit-kernels.js';
import { CellFitter } from '../src/quantise/fit-cells.js';
import { rng } from './helpers/random.js';
import { demoViews } from './helpers/demo-views.js';

const LAYOUTS = [[2, 2], [2, 3], [2, 4]] as const;
const QUANTS = [255, 0xf8, 0xf0, 0xc0];
const KINDS = ['noise', 'twoMask', 'flat', 'levels', 'pairs'] as const;

interface Walker {
  simd: WalkSimd;
  js: (rgb: Uint8Array, cols: number, rows: number, quant: number, out: Uint8Array, offset: number) => number;
}

function walker(subX: number, subY: number, seed: number): Walker {
  const R = rng(seed);
  const masks = 1 << (subX * subY - 1);
  const glyphOf = Uint8Array.from({ length: masks }, () => Math.floor(R() * 256));
  const swapOf = Uint8Array.from({ length: masks }, () => (R() < 0.5 ? 1 : 0));
  const kernel = WALK_KERNELS[`${subX}x${subY}`]!;
  const js = (rgb: Uint8Array, cols: number, rows: number, quant: number, out: Uint8Array, offset: number): number => kernel(rgb, cols, rows, quant, glyphOf, swapOf, out, offset);
  const simd = WalkSimd.build(subX, subY, glyphOf, swapOf, js);
  if (!simd) throw new Error('this Node has no WebAssembly SIMD');
  return { simd, js };
}

/** cols × rows cells of subX × subY samples, each cell of a random kind; samples row-major. */
function randomCells(subX: number, subY: number, cols: number, rows: number, seed: number): Uint8Array {
  const R = rng(seed);
  const ri = (n: number): number => Math.floor(R() * n);
  const n = subX * subY;
  const stride = cols * subX * 3;
  const rgb = new Uint8Array(rows * subY * stride);
  for (let cy = 0; cy < rows; cy++) {
    for (let cx = 0; cx < cols; cx++) {
      const kind = KINDS[ri(KINDS.length)]!;
      const a = [ri(256), ri(256), ri(256)];
      const b = [ri(256), ri(256), ri(256)];
      const mask = ri(1 << n);
      const levels = [0, 128, 255];
      for (let s = 0; s < n; s++) {
        const at = (cy * subY + Math.floor(s / subX)) * stride + (cx * subX + (s % subX)) * 3;
        for (let c = 0; c < 3; c++) {
          let v: number;
          if (kind === 'noise') v = ri(256);
          else if (kind === 'twoMask') v = (mask >> s) & 1 ? a[c]! : b[c]!;
          else if (kind === 'flat') v = a[c]!;
          else if (kind === 'levels') v = levels[ri(3)]!;
          // Samples equal in pairs: many partitions tie exactly.
          else v = (mask >> (s >> 1)) & 1 ? a[c]! : b[c]!;
          rgb[at + c] = v;
        }
      }
    }
  }
  return rgb;
}

/** Mismatching bytes between the two paths, into buffers prefilled at offset 3, every quant. */
function mismatches(w: Walker, rgb: Uint8Array, cols: number, rows: number): number {
  let bad = 0;
  const n = cols * rows * 7 + 16;
  const a = new Uint8Array(n);
  const b = new Uint8Array(n);
  for (const quant of QUANTS) {
    a.fill(0xaa);
    b.fill(0xaa);
    if (w.js(rgb, cols, rows, quant, a, 3) !== w.simd.fit(rgb, cols, rows, quant, b, 3)) bad++;
    for (let i = 0; i < n; i++) if (a[i] !== b[i]) bad++;
  }
  return bad;
}

describe('WalkSimd', () => {
  it('builds on this Node (WebAssembly SIMD), so the comparisons below test the module', () => {
    for (const [x, y] of LAYOUTS) expect(WalkSimd.build(x, y, new Uint8Array(128), new Uint8Array(128), () => 0)).not.toBeNull();
  });

  for (const [x, y] of LAYOUTS) {
    it(`${x}×${y}: the JS walk's bytes on random cells of every kind, odd grid sizes, every quant`, () => {
      const w = walker(x, y, 11 * x + y);
      for (const [cols, rows, seed] of [[1, 1, 1], [2, 1, 2], [3, 2, 3], [5, 3, 4], [17, 9, 5], [160, 48, 6], [161, 7, 7]] as const) {
        expect(mismatches(w, randomCells(x, y, cols, rows, seed * 101 + x * 7 + y), cols, rows), `${cols}×${rows}`).toBe(0);
      }
    });
  }

  for (const style of ['quadrant', 'sextant', 'octant', 'braille'] as const) {
    it(`${style}: the JS walk's bytes on projected demo views, with random tables and through CellFitter with the style's own`, () => {
      const st = CELL_STYLES[style];
      const w = walker(st.subX, st.subY, 5);
      const fitter = new CellFitter(st);
      for (const samples of demoViews(style, 3)) {
        expect(mismatches(w, samples, 160, 48)).toBe(0);
        // The style's own glyph tables: the fitter's SIMD path against its JS walk.
        for (const mode of [5, 4, 3, 2] as const) {
          const a = new Uint8Array(160 * 48 * 7);
          const b = new Uint8Array(160 * 48 * 7);
          fitter.fit(samples, 160, 48, mode, a, 0);
          fitter.fitJs(samples, 160, 48, mode, b, 0);
          expect(Buffer.compare(a, b), `mode ${mode}`).toBe(0);
        }
      }
    });
  }

  it('a grid larger than the module is fitted in bands, one wider than it by the JS walk, with the same bytes', () => {
    const w = walker(2, 2, 3);
    const maxCells = Math.floor(Limits.SAMPLES_MAX / 4);
    // Bands: 1000 columns, more rows than fit at once.
    const rows = Math.ceil(maxCells / 1000) + 3;
    expect(mismatches(w, randomCells(2, 2, 1000, rows, 9), 1000, rows)).toBe(0);
    expect(mismatches(w, randomCells(2, 2, maxCells + 1, 1, 10), maxCells + 1, 1)).toBe(0);
  });

  it('rounds each mean half up exactly: (2Σ + c) / 2c in f32, truncated, is floor(Σ/c + ½) for every sum of up to 8 samples', () => {
    let wrong = 0;
    for (let c = 1; c <= 8; c++) {
      for (let sum = 0; sum <= 255 * c; sum++) {
        const f32 = Math.trunc(Math.fround(Math.fround(2 * sum + c) / Math.fround(2 * c)));
        const js = (sum * (1 / c) + 0.5) | 0;
        if (f32 !== Math.floor(sum / c + 0.5) || js !== f32) wrong++;
      }
    }
    expect(wrong).toBe(0);
  });
});
