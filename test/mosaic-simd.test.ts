/**
 * The WebAssembly SIMD mosaic fit (src/quantise/mosaic-simd.ts) writes the JS kernel's bytes: the
 * whole `out` buffer is compared, so bytes before `offset` and after the grid must stay untouched
 * too. Inputs: real projected samples of several views of the demo scene, and random cells of the
 * kinds that reach every path of the module (noise, two colours along masks and glyph edges,
 * anti-aliased wedges, gradients, flat, near-flat, few levels), at every quant mask, extras on and
 * off, odd grid sizes. The first test makes sure this Node runs the SIMD path, so the others cannot
 * pass on the JS kernel alone.
 */
import { describe, expect, it, vi } from 'vitest';
import { CELL_STYLES, glyphCoverage } from '../protocol/index.js';
import { MosaicKernel } from '../src/quantise/mosaic-kernel.js';
import { MosaicSimd } from '../src/quantise/mosaic-simd.js';
import { CellFitter } from '../src/quantise/fit-cells.js';
import { rng } from './helpers/random.js';
import { demoViews } from './helpers/demo-views.js';

const style = CELL_STYLES.mosaic;
const kernel = MosaicKernel.forStyle(style)!;
const QUANTS = [255, 0xf8, 0xf0];

const KINDS = ['noise', 'twoMask', 'twoPartition', 'twoWedgeAA', 'gradient', 'flat', 'flatDark', 'quantised', 'quantPartition', 'nearFlat'] as const;
type Kind = (typeof KINDS)[number];
type Rgb = readonly [number, number, number];

/** cols × rows cells of `kind`, or each of a random kind; samples row-major, 4 × 8 a cell. */
function randomCells(cols: number, rows: number, seed: number, kind: Kind | null = null): Uint8Array {
  const R = rng(seed);
  const ri = (n: number): number => Math.floor(R() * n);
  const covs: Float64Array[] = [];
  for (let g = 0; g < style.glyphs.length; g++) if (style.glyphs[g] !== 0) covs.push(glyphCoverage(style, g));
  const stride = cols * 12;
  const rgb = new Uint8Array(rows * 8 * stride);
  const col = (): Rgb => [ri(256), ri(256), ri(256)];
  const clamp = (v: number): number => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));
  const map = (a: Rgb, f: (v: number, c: number) => number): Rgb => [f(a[0], 0), f(a[1], 1), f(a[2], 2)];
  for (let cy = 0; cy < rows; cy++) {
    for (let cx = 0; cx < cols; cx++) {
      const k = kind ?? KINDS[ri(KINDS.length)]!;
      const px: Rgb[] = [];
      const a = col();
      const b = col();
      const noise = [0, 0, 1, 2, 4][ri(5)]!;
      const nz = (): number => (noise ? ri(2 * noise + 1) - noise : 0);
      if (k === 'noise') for (let i = 0; i < 32; i++) px.push(col());
      else if (k === 'twoMask') {
        const m = (R() * 2 ** 32) >>> 0;
        for (let i = 0; i < 32; i++) px.push(map((m >>> i) & 1 ? a : b, (v) => clamp(v + nz())));
      } else if (k === 'twoPartition' || k === 'twoWedgeAA' || k === 'quantPartition') {
        const w = covs[ri(covs.length)]!;
        let A = a;
        let B = b;
        if (k === 'quantPartition') {
          const lv = [0, 85, 170, 255];
          A = [lv[ri(4)]!, lv[ri(4)]!, lv[ri(4)]!];
          B = [lv[ri(4)]!, lv[ri(4)]!, lv[ri(4)]!];
        }
        for (let i = 0; i < 32; i++) {
          if (k === 'twoWedgeAA') px.push(map(A, (v, c) => clamp(v * w[i]! + B[c]! * (1 - w[i]!) + nz())));
          else px.push(map(w[i]! >= 0.5 ? A : B, (v) => clamp(v + nz())));
        }
      } else if (k === 'gradient') {
        const d = [R() * 16 - 8, R() * 16 - 8, R() * 16 - 8];
        const e = [R() * 8 - 4, R() * 8 - 4, R() * 8 - 4];
        for (let i = 0; i < 32; i++) px.push(map(a, (v, c) => clamp(v + d[c]! * (i % 4) + e[c]! * (i >> 2) + nz())));
      } else if (k === 'flat') for (let i = 0; i < 32; i++) px.push(a);
      else if (k === 'flatDark') {
        const c0: Rgb = [ri(4), ri(4), ri(4)];
        for (let i = 0; i < 32; i++) px.push(c0);
      } else if (k === 'nearFlat') {
        for (let i = 0; i < 32; i++) px.push(a);
        const j = ri(32);
        px[j] = map(px[j]!, (v) => clamp(v + 1));
        if (R() < 0.5) {
          const j2 = ri(32);
          px[j2] = map(px[j2]!, (v) => clamp(v - 1));
        }
      } else {
        const lv = [[0, 255], [0, 128, 255], [0, 64, 128, 192, 255]][ri(3)]!;
        for (let i = 0; i < 32; i++) px.push([lv[ri(lv.length)]!, lv[ri(lv.length)]!, lv[ri(lv.length)]!]);
      }
      for (let y = 0; y < 8; y++) {
        for (let x = 0; x < 4; x++) {
          const at = (cy * 8 + y) * stride + cx * 12 + x * 3;
          const p = px[4 * y + x]!;
          rgb[at] = p[0];
          rgb[at + 1] = p[1];
          rgb[at + 2] = p[2];
        }
      }
    }
  }
  return rgb;
}

/**
 * Fits with both paths into buffers prefilled with 0xaa at offset 3, every quant and extras
 * setting; returns the number of mismatching bytes (end offsets count as one each) and the cells
 * the SIMD fit handed to the JS kernel.
 */
function compare(rgb: Uint8Array, cols: number, rows: number): { mismatches: number; cells: number; refitted: number } {
  const simd = kernel.simd!;
  let mismatches = 0;
  let refitted = 0;
  let cells = 0;
  const n = cols * rows * 7 + 16;
  const a = new Uint8Array(n);
  const b = new Uint8Array(n);
  for (const quant of QUANTS) {
    for (const extras of [true, false]) {
      a.fill(0xaa);
      b.fill(0xaa);
      const endA = kernel.fitJs(rgb, cols, rows, quant, a, 3, extras);
      const endB = kernel.fit(rgb, cols, rows, quant, b, 3, extras);
      if (endA !== endB) mismatches++;
      for (let i = 0; i < n; i++) if (a[i] !== b[i]) mismatches++;
      refitted += simd.nearTies;
      cells += cols * rows;
    }
  }
  return { mismatches, cells, refitted };
}

describe('MosaicKernel.fit with WebAssembly SIMD', () => {
  it('runs the SIMD module on this Node, and CellFitter uses it for mosaic in 24-bit colour', () => {
    expect(kernel).not.toBeNull();
    expect(kernel.simd).not.toBeNull();
    const rgb = randomCells(9, 3, 7);
    const out = new Uint8Array(27 * 7);
    kernel.simd!.nearTies = -1;
    new CellFitter(style, 'rgb').fit(rgb, 9, 3, 5, out, 0);
    expect(kernel.simd!.nearTies).toBeGreaterThanOrEqual(0); // fit() resets its counters: it ran
  });

  it('falls back to the JS kernel where WebAssembly refuses the SIMD module, or the structure is not the one generated', () => {
    const validate = vi.spyOn(WebAssembly, 'validate').mockReturnValue(false);
    try {
      // A copy of the style table is a table of its own: its kernel is built afresh.
      const plain = MosaicKernel.forStyle({ ...style })!;
      expect(validate).toHaveBeenCalled();
      expect(plain.simd).toBeNull();
      const rgb = randomCells(13, 3, 5);
      const a = new Uint8Array(13 * 3 * 7);
      const b = new Uint8Array(13 * 3 * 7);
      plain.fit(rgb, 13, 3, 255, a, 0);
      kernel.fitJs(rgb, 13, 3, 255, b, 0);
      expect(Buffer.compare(a, b)).toBe(0);
    } finally {
      validate.mockRestore();
    }
    const none = new Uint8Array(0);
    expect(MosaicSimd.build({ coverage: [], exactColour: none, glyphOf: none, swapOf: none, quadrantSplits: [], eighthRows: [], stepBit: [] }, () => 0)).toBeNull();
  });

  it('writes the JS kernel bytes for projected samples of the demo scene', () => {
    for (const rgb of demoViews('mosaic', 4)) {
      const r = compare(rgb, 160, 48);
      expect(r.mismatches).toBe(0);
      // Most cells are the module's own: the JS kernel refits a few percent.
      expect(r.refitted / r.cells).toBeLessThan(0.1);
    }
  });

  it('writes the JS kernel bytes for random cells of every kind', () => {
    KINDS.forEach((kind, i) => expect(compare(randomCells(40, 12, 100 + i, kind), 40, 12).mismatches, kind).toBe(0));
    for (let seed = 1; seed <= 2; seed++) expect(compare(randomCells(160, 48, seed), 160, 48).mismatches).toBe(0);
  });

  it('writes the JS kernel bytes for odd grid sizes, one row of many cells included', () => {
    const sizes: [number, number][] = [[1, 1], [37, 5], [161, 2], [3, 7], [250, 1], [5, 1]];
    sizes.forEach(([cols, rows], i) => expect(compare(randomCells(cols, rows, 900 + i), cols, rows).mismatches, `${cols}x${rows}`).toBe(0));
  });

  it('fits a grid larger than the module a band of rows at a time, and reads samples at an offset view', () => {
    // 1000 × 20 cells is more than the 18 750 the module holds.
    const cols = 1000;
    const rows = 20;
    const rgb = randomCells(cols, rows, 77);
    const n = cols * rows * 7 + 8;
    const a = new Uint8Array(n).fill(1);
    const b = new Uint8Array(n).fill(1);
    expect(kernel.fit(rgb, cols, rows, 255, b, 4)).toBe(kernel.fitJs(rgb, cols, rows, 255, a, 4));
    expect(Buffer.compare(a, b)).toBe(0);
    // Samples in a larger buffer (as fit-reuse gathers them): only the first cols × rows cells count.
    const inside = new Uint8Array(rgb.length + 960);
    inside.set(rgb.subarray(0, 37 * 96));
    const c = new Uint8Array(37 * 7);
    const d = new Uint8Array(37 * 7);
    kernel.fitJs(inside, 37, 1, 0xf8, c, 0);
    kernel.fit(inside, 37, 1, 0xf8, d, 0);
    expect(Buffer.compare(c, d)).toBe(0);
  });
});
