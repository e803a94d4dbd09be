/**
 * The WebAssembly SIMD mask search (src/quantise/mask-fit-simd.ts) writes the JS search's bytes:
 * the Gray-code walk of src/quantise/fit-kernels.ts for each sample layout, and the search over a
 * list of masks in order (CellFitter's for ascii; an exact oracle here for random lists). The
 * whole `out` buffer is compared, so bytes before `offset` and after the grid must stay untouched
 * too. Inputs: real projected samples of demo views in each style it fits, and random cells of the
 * kinds that reach every path (noise, two colours on a random mask, flat, few levels, ties between
 * equal samples, the extremes where gains are largest), at every quant mask, odd grid sizes, grids
 * the module fits in bands and one too wide for it. Glyph and swap tables are random, so every
 * mask's glyph and both colour orders are exercised. The first test makes sure this Node runs the
 * SIMD path, so the others cannot pass on the JS search alone.
 */
import { describe, expect, it } from 'vitest';
import { CELL_STYLES, Limits } from '../protocol/index.js';
import { MaskFitSimd, type JsFit } from '../src/quantise/mask-fit-simd.js';
import { GAIN_SCALE, WALK_KERNELS } from '../src/quantise/fit-kernels.js';
import { CellFitter } from '../src/quantise/fit-cells.js';
import { rng } from './helpers/random.js';
import { demoViews } from './helpers/demo-views.js';

const LAYOUTS = [[2, 2], [2, 3], [2, 4]] as const;
const QUANTS = [255, 0xf8, 0xf0, 0xc0];
const KINDS = ['noise', 'twoMask', 'flat', 'levels', 'pairs', 'extreme'] as const;

interface Searcher {
  simd: MaskFitSimd;
  js: JsFit;
}

function walker(subX: number, subY: number, seed: number): Searcher {
  const R = rng(seed);
  const masks = 1 << (subX * subY - 1);
  const glyphOf = Uint8Array.from({ length: masks }, () => Math.floor(R() * 256));
  const swapOf = Uint8Array.from({ length: masks }, () => (R() < 0.5 ? 1 : 0));
  const kernel = WALK_KERNELS[`${subX}x${subY}`]!;
  const js = (rgb: Uint8Array, cols: number, rows: number, quant: number, out: Uint8Array, offset: number): number => kernel(rgb, cols, rows, quant, glyphOf, swapOf, out, offset);
  const simd = MaskFitSimd.walk(subX, subY, glyphOf, swapOf, js);
  if (!simd) throw new Error('this Node has no WebAssembly SIMD');
  return { simd, js };
}

/**
 * The search over `masks` in order, exactly: integer gains |F|²·L/c + |B|²·L/(n−c), the first
 * strictly greatest wins; each side its mean rounded half up, an empty side the other's colour.
 */
function listOracle(subX: number, subY: number, masks: readonly number[], glyphs: readonly number[]): JsFit {
  const n = subX * subY;
  const L = GAIN_SCALE[n]!;
  return (rgb, cols, rows, quant, out, offset) => {
    const stride = cols * subX * 3;
    let o = offset;
    for (let cy = 0; cy < rows; cy++) {
      for (let cx = 0; cx < cols; cx++) {
        const x: number[][] = [];
        for (let k = 0; k < n; k++) {
          const at = (cy * subY + Math.floor(k / subX)) * stride + (cx * subX + (k % subX)) * 3;
          x.push([rgb[at]!, rgb[at + 1]!, rgb[at + 2]!]);
        }
        const t = [0, 1, 2].map((c) => x.reduce((a, v) => a + v[c]!, 0));
        let best = -1;
        let bar = -1;
        let bestF = [0, 0, 0];
        let bestC = 0;
        masks.forEach((m, j) => {
          const F = [0, 1, 2].map((c) => x.reduce((a, v, k) => a + ((m >> k) & 1 ? v[c]! : 0), 0));
          let c = 0;
          for (let k = 0; k < n; k++) c += (m >> k) & 1;
          const B = F.map((v, i) => t[i]! - v);
          const sq = (v: number[]): number => v[0]! * v[0]! + v[1]! * v[1]! + v[2]! * v[2]!;
          const gain = (c > 0 ? sq(F) * (L / c) : 0) + (c < n ? sq(B) * (L / (n - c)) : 0);
          if (gain > bar) {
            bar = gain;
            best = j;
            bestF = F;
            bestC = c;
          }
        });
        const half = (sum: number, count: number): number => Math.floor((2 * sum + count) / (2 * count));
        const fg = bestF.map((v, i) => (bestC > 0 ? half(v, bestC) : half(t[i]! - v, n)));
        const bg = bestF.map((v, i) => (bestC < n ? half(t[i]! - v, n - bestC) : half(v, n)));
        out[o] = glyphs[best]!;
        for (let i = 0; i < 3; i++) {
          out[o + 1 + i] = fg[i]! & quant;
          out[o + 4 + i] = bg[i]! & quant;
        }
        o += 7;
      }
    }
    return o;
  };
}

/** A random list of distinct masks of subX × subY samples, random glyphs. */
function lister(subX: number, subY: number, seed: number): Searcher {
  const R = rng(seed);
  const n = subX * subY;
  const pool = Array.from({ length: 1 << n }, (_, m) => m).sort(() => R() - 0.5);
  const masks = pool.slice(0, 1 + Math.floor(R() * Math.min(40, pool.length - 1)));
  // The full mask first in half the lists: it then wins every flat cell, which has no background.
  const full = (1 << n) - 1;
  if (R() < 0.5) {
    if (masks.includes(full)) masks.splice(masks.indexOf(full), 1);
    masks.unshift(full);
  }
  const glyphs = masks.map(() => Math.floor(R() * 256));
  const js = listOracle(subX, subY, masks, glyphs);
  const simd = MaskFitSimd.candidates(subX, subY, masks, glyphs, js);
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
          // The largest sums and gains: white, or white against black on a mask.
          else if (kind === 'extreme') v = mask === 0 || (mask >> s) & 1 ? 255 : 0;
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
function mismatches(w: Searcher, rgb: Uint8Array, cols: number, rows: number): number {
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

describe('MaskFitSimd', () => {
  it('builds on this Node (WebAssembly SIMD), so the comparisons below test the module', () => {
    for (const [x, y] of LAYOUTS) {
      expect(MaskFitSimd.walk(x, y, new Uint8Array(128), new Uint8Array(128), () => 0)).not.toBeNull();
      expect(MaskFitSimd.candidates(x, y, [0, 1, 3], [0, 1, 2], () => 0)).not.toBeNull();
    }
    for (const style of ['quadrant', 'sextant', 'octant', 'braille', 'ascii'] as const) expect(new CellFitter(CELL_STYLES[style]).searchesInSimd, style).toBe(true);
  });

  for (const [x, y] of LAYOUTS) {
    it(`${x}×${y}: the JS walk's bytes, and a random mask list's exact search, on random cells of every kind, odd grid sizes, every quant`, () => {
      const w = walker(x, y, 11 * x + y);
      for (const [cols, rows, seed] of [[1, 1, 1], [2, 1, 2], [3, 2, 3], [5, 3, 4], [17, 9, 5], [160, 48, 6], [161, 7, 7]] as const) {
        expect(mismatches(w, randomCells(x, y, cols, rows, seed * 101 + x * 7 + y), cols, rows), `walk ${cols}×${rows}`).toBe(0);
      }
      for (let seed = 1; seed <= 6; seed++) {
        const l = lister(x, y, seed * 13 + x + y);
        for (const [cols, rows] of [[1, 1], [5, 3], [37, 11]] as const) {
          expect(mismatches(l, randomCells(x, y, cols, rows, seed * 7 + cols), cols, rows), `list ${seed}, ${cols}×${rows}`).toBe(0);
        }
      }
    });
  }

  for (const style of ['quadrant', 'sextant', 'octant', 'braille', 'ascii'] as const) {
    it(`${style}: through CellFitter with the style's own glyphs, the JS search's bytes on projected demo views${style === 'ascii' ? '' : ', and with random tables'}`, () => {
      const st = CELL_STYLES[style];
      const w = style === 'ascii' ? null : walker(st.subX, st.subY, 5);
      const fitter = new CellFitter(st);
      for (const samples of demoViews(style, 3)) {
        if (w) expect(mismatches(w, samples, 160, 48)).toBe(0);
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

  it('ascii: CellFitter\'s JS search and the SIMD one write the same bytes on random cells of every kind', () => {
    const fitter = new CellFitter(CELL_STYLES.ascii);
    const rgb = randomCells(2, 4, 161, 23, 77);
    const a = new Uint8Array(161 * 23 * 7);
    const b = new Uint8Array(161 * 23 * 7);
    for (const mode of [5, 4, 3, 2] as const) {
      fitter.fit(rgb, 161, 23, mode, a, 0);
      fitter.fitJs(rgb, 161, 23, mode, b, 0);
      expect(Buffer.compare(a, b), `mode ${mode}`).toBe(0);
    }
  });

  it('a grid larger than the module is fitted in bands, the last group of a band partial; one wider than it by the JS search; the same bytes', () => {
    for (const [x, y] of LAYOUTS) {
      const w = walker(x, y, 3);
      const maxCells = Math.floor(Limits.SAMPLES_MAX / (x * y));
      // 625 columns (not a multiple of 4) divide every layout's module: its first band fills it exactly.
      expect(maxCells % 625, `${x}×${y}`).toBe(0);
      const rows = maxCells / 625 + 3;
      expect(mismatches(w, randomCells(x, y, 625, rows, 9), 625, rows), `${x}×${y}`).toBe(0);
    }
    const w = walker(2, 2, 4);
    const maxCells = Math.floor(Limits.SAMPLES_MAX / 4);
    expect(mismatches(w, randomCells(2, 2, maxCells + 1, 1, 10), maxCells + 1, 1)).toBe(0);
  });

  it('rounds each mean half up exactly: (2Σ + c) / 2c in f32, truncated, is floor(Σ/c + ½) for every sum of up to 8 samples, as the JS searches round', () => {
    let wrong = 0;
    for (let c = 1; c <= 8; c++) {
      for (let sum = 0; sum <= 255 * c; sum++) {
        const f32 = Math.trunc(Math.fround(Math.fround(2 * sum + c) / Math.fround(2 * c)));
        const walk = (sum * (1 / c) + 0.5) | 0;
        const list = Math.round(sum * (1 / c));
        if (f32 !== Math.floor((2 * sum + c) / (2 * c)) || walk !== f32 || list !== f32) wrong++;
      }
    }
    expect(wrong).toBe(0);
  });
});
