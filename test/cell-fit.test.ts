/**
 * The fitter is exact (PROTOCOL-NOTES.md §8.2): on random and structured cells of every fitted style,
 * its glyph has the least squared error of all the style's glyphs, found here by brute force over
 * the whole glyph table with the means computed directly, not with the fitter's sums: a sample the
 * glyph covers by a share w (0 or 1 but in mosaic, whose edges cut samples) is w foreground and
 * 1 − w background, each part of the sample's colour; each side's colour is the mean over its parts,
 * and the error sums every part's squared distance to its side's colour, weighted by its share.
 */
import { describe, expect, it } from 'vitest';
import { CELL_STYLES, channelMask, glyphCoverage, nearestInPalette, sameSplit, type CellStyle, type Mode, type Palette } from '../protocol/index.js';
import { CellFitter } from '../src/quantise/fit-cells.js';
import { MosaicKernel } from '../src/quantise/mosaic-kernel.js';
import { ViewRenderer } from '../src/workers/view-renderer.js';
import { sampleCells } from '../src/projection/sample-cells.js';
import { EQUIRECT_TO_FLAT } from '../src/projection/projections.js';
import type { ViewSpec } from '../src/shared/types.js';
import { rng } from './helpers/random.js';

const FITTED = Object.values(CELL_STYLES).filter((s) => s.frames === 'fitted');

type Rgb = [number, number, number];

/** Squared error of drawing `samples` with glyph `g`: each side at its mean (or its palette colour). */
function errorOf(style: CellStyle, samples: Rgb[], g: number, palette: Palette): number {
  const cover = glyphCoverage(style, g);
  let total = 0;
  for (const side of [1, 0]) {
    const weight = samples.map((_, t) => (side ? cover[t]! : 1 - cover[t]!));
    const mass = weight.reduce((a, w) => a + w, 0);
    if (mass < 1e-12) continue;
    const mean = [0, 1, 2].map((c) => samples.reduce((a, m, t) => a + weight[t]! * m[c]!, 0) / mass) as Rgb;
    let colour = mean;
    if (palette !== 'rgb') {
      // The fitter looks the nearest colour up at 6 bits per channel (§8.3): the same bin here.
      const v = nearestInPalette(palette, ((Math.round(mean[0]) >> 2) << 2) | 2, ((Math.round(mean[1]) >> 2) << 2) | 2, ((Math.round(mean[2]) >> 2) << 2) | 2);
      colour = [v >> 16, (v >> 8) & 0xff, v & 0xff];
    }
    samples.forEach((m, t) => {
      for (let c = 0; c < 3; c++) total += weight[t]! * (m[c]! - colour[c]!) ** 2;
    });
  }
  return total;
}

/** The least error over every glyph the table lists. */
function bruteForce(style: CellStyle, samples: Rgb[], palette: Palette): number {
  let best = Infinity;
  for (let g = 0; g < style.glyphs.length; g++) {
    if (style.glyphs[g] === 0) continue;
    best = Math.min(best, errorOf(style, samples, g, palette));
  }
  return best;
}

/** Cells of several kinds: noise, two colours split along a random mask, a gradient, flat. */
function makeCells(style: CellStyle, count: number, seed: number): Rgb[][] {
  const r = rng(seed);
  const n = style.subX * style.subY;
  const byte = (): number => Math.floor(r() * 256);
  const cells: Rgb[][] = [];
  for (let i = 0; i < count; i++) {
    const kind = i % 4;
    const a: Rgb = [byte(), byte(), byte()];
    const b: Rgb = [byte(), byte(), byte()];
    const split = Array.from({ length: n }, () => r() < 0.5);
    const cell: Rgb[] = [];
    for (let k = 0; k < n; k++) {
      if (kind === 0) cell.push([byte(), byte(), byte()]);
      else if (kind === 1) cell.push((split[k] ? a : b).map((v) => Math.max(0, Math.min(255, v + Math.floor(r() * 9) - 4))) as Rgb);
      else if (kind === 2) cell.push(a.map((v, c) => Math.round(v + ((b[c]! - v) * k) / (n - 1))) as Rgb);
      else cell.push([...a]);
    }
    cells.push(cell);
  }
  return cells;
}

/** Lays cells out as the projection's sample grid (one row of cells) and fits them. */
function fitRow(style: CellStyle, cells: Rgb[][], palette: Palette, mode: Mode = 5): Uint8Array {
  const cols = cells.length;
  const rgb = new Uint8Array(cols * style.subX * style.subY * 3);
  const stride = cols * style.subX * 3;
  cells.forEach((cell, cx) => {
    cell.forEach((px, k) => {
      const at = Math.floor(k / style.subX) * stride + (cx * style.subX + (k % style.subX)) * 3;
      rgb.set(px, at);
    });
  });
  const out = new Uint8Array(cols * 7);
  expect(new CellFitter(style, palette).fit(rgb, cols, 1, mode, out, 0)).toBe(cols * 7);
  return out;
}

describe('CellFitter', () => {
  for (const style of FITTED) {
    for (const palette of ['rgb', '256', '16'] as const) {
      it(`${style.name}, palette ${palette}: the chosen glyph's error is the brute-force least`, () => {
        const cells = makeCells(style, 400, 17 + style.subY);
        const out = fitRow(style, cells, palette);
        cells.forEach((cell, i) => {
          const glyph = out[i * 7]!;
          expect(style.glyphs[glyph], `cell ${i}: glyph ${glyph} is in the table`).not.toBe(0);
          const got = errorOf(style, cell, glyph, palette);
          const best = bruteForce(style, cell, palette);
          expect(got, `cell ${i} (${JSON.stringify(cell)})`).toBeLessThanOrEqual(best * (1 + 1e-9) + 1e-6);
        });
      });
    }
  }

  for (const style of FITTED) {
    it(`${style.name}: a flat cell is drawn blank in every palette, not with a glyph that rounding let win a tie`, () => {
      const r = rng(99);
      const cells: Rgb[][] = Array.from({ length: 300 }, () => {
        const colour: Rgb = [Math.floor(r() * 256), Math.floor(r() * 256), Math.floor(r() * 256)];
        return Array.from({ length: style.subX * style.subY }, () => [...colour] as Rgb);
      });
      for (const palette of ['rgb', '256', '16'] as const) {
        const out = fitRow(style, cells, palette);
        cells.forEach((cell, i) => {
          const cover = glyphCoverage(style, out[i * 7]!);
          expect(cover.reduce((a, w) => a + w, 0), `${palette} cell ${i} ${JSON.stringify(cell[0])}: U+${style.glyphs[out[i * 7]!]!.toString(16)}`).toBe(0);
        });
      }
    });
  }

  it('writes each side as its rounded mean, foreground on the glyph mask', () => {
    const style = CELL_STYLES.sextant;
    const cells = makeCells(style, 200, 5);
    const out = fitRow(style, cells, 'rgb');
    cells.forEach((cell, i) => {
      const mask = style.masks[out[i * 7]!]!;
      const fg = cell.filter((_, k) => (mask >> k) & 1);
      const bg = cell.filter((_, k) => !((mask >> k) & 1));
      const mean = (side: Rgb[], c: number) => Math.round(side.reduce((a, m) => a + m[c]!, 0) / side.length);
      for (let c = 0; c < 3; c++) {
        expect(out[i * 7 + 4 + c], `cell ${i} bg`).toBe(mean(bg, c));
        // The space has no foreground: it carries the background colour.
        expect(out[i * 7 + 1 + c], `cell ${i} fg`).toBe(fg.length > 0 ? mean(fg, c) : mean(bg, c));
      }
    });
  });

  it('mosaic: a two-colour cell along any glyph edge that falls between samples is drawn exactly by that split', () => {
    const style = CELL_STYLES.mosaic;
    const a: Rgb = [250, 200, 20];
    const b: Rgb = [10, 40, 160];
    const cells: Rgb[][] = [];
    const glyphs: number[] = [];
    for (let g = 1; g < style.glyphs.length; g++) {
      const cover = glyphCoverage(style, g);
      // Only glyphs made of whole samples (sextant rows and the diagonals cut samples).
      if (style.glyphs[g] === 0 || cover.every((w) => w === 1) || cover.some((w) => w !== 0 && w !== 1)) continue;
      cells.push([...cover].map((w) => (w ? a : b)));
      glyphs.push(g);
    }
    // The quadrants, ▀, ▚, the eighths and the quarters: 6 + 6 + 2 splits, each in both orders of its pair.
    expect(cells.length).toBeGreaterThanOrEqual(14);
    const out = fitRow(style, cells, 'rgb');
    cells.forEach((_, i) => {
      const how = sameSplit(style, out[i * 7]!, glyphs[i]!);
      expect(how, `cell ${i}: the split itself`).not.toBeNull();
      const fg = [...out.subarray(i * 7 + 1, i * 7 + 4)];
      const bg = [...out.subarray(i * 7 + 4, i * 7 + 7)];
      expect(how === 'same' ? [fg, bg] : [bg, fg]).toEqual([a, b]);
    });
  });

  it('mosaic: where the glyph cuts samples, each side is its mean rounded half up, exactly, a mean on a .5 boundary included (SIMD fit and JS kernel alike)', () => {
    const style = CELL_STYLES.mosaic;
    const r = rng(23);
    // Samples of two neighbouring levels per channel: many sides' means lie on a .5 boundary.
    const cells: Rgb[][] = Array.from({ length: 2000 }, () => {
      const base = [0, 1, 2].map(() => 2 * Math.floor(r() * 100));
      return Array.from({ length: 32 }, () => base.map((v) => v + (r() < 0.5 ? 0 : 1)) as Rgb);
    });
    const simdOut = fitRow(style, cells, 'rgb');
    const rgb = new Uint8Array(cells.length * 96);
    cells.forEach((cell, cx) => cell.forEach((px, k) => rgb.set(px, (k >> 2) * cells.length * 12 + cx * 12 + (k & 3) * 3)));
    const jsOut = new Uint8Array(cells.length * 7);
    MosaicKernel.forStyle(style)!.fitJs(rgb, cells.length, 1, 0xff, jsOut, 0);
    let checked = 0;
    let onBoundary = 0;
    for (const out of [simdOut, jsOut]) {
      cells.forEach((cell, i) => {
        const cover = glyphCoverage(style, out[i * 7]!);
        if (cover.every((w) => w === 0 || w === 1)) return;
        checked++;
        // Each side's mean from whole 48ths of a sample: colour = floor((2F + W) / 2W).
        for (const [side, at] of [[1, 1], [0, 4]] as const) {
          const w48 = [...cover].map((w) => Math.round((side ? w : 1 - w) * 48));
          const W = w48.reduce((a, v) => a + v, 0);
          for (let c = 0; c < 3; c++) {
            const F = cell.reduce((a, px, k) => a + w48[k]! * px[c]!, 0);
            if ((2 * F + W) % (2 * W) === 0) onBoundary++;
            expect(out[i * 7 + at + c], `cell ${i} ${side ? 'fg' : 'bg'} channel ${c}`).toBe(Math.floor((2 * F + W) / (2 * W)));
          }
        }
      });
    }
    expect(checked).toBeGreaterThan(200);
    expect(onBoundary).toBeGreaterThan(50);
  });

  it('mosaic: a cell split along a wedge diagonal gets that wedge', () => {
    const style = CELL_STYLES.mosaic;
    const a: Rgb = [240, 240, 240];
    const b: Rgb = [0, 0, 0];
    const wedges = [...style.glyphs.keys()].filter((g) => style.glyphs[g]! >= 0x1fb3c && style.glyphs[g]! <= 0x1fb51);
    expect(wedges).toHaveLength(22);
    // Each sample the mix of its covered share: exactly what the glyph draws, so no other glyph comes closer.
    const cells = wedges.map((g) => [...glyphCoverage(style, g)].map((w) => a.map((v, c) => Math.round(w * v + (1 - w) * b[c]!)) as Rgb));
    const out = fitRow(style, cells, 'rgb');
    wedges.forEach((g, i) => expect(sameSplit(style, out[i * 7]!, g), `U+${style.glyphs[g]!.toString(16)}`).not.toBeNull());
  });

  it('a flat cell is a space on its colour; a two-colour split is drawn exactly', () => {
    const style = CELL_STYLES.sextant;
    const grey: Rgb = [90, 100, 110];
    const orange: Rgb = [255, 128, 0];
    const blue: Rgb = [0, 0, 255];
    const out = fitRow(style, [Array.from({ length: 6 }, () => grey), [orange, orange, blue, blue, blue, blue]], 'rgb');
    expect([...out.subarray(0, 7)]).toEqual([0, 90, 100, 110, 90, 100, 110]);
    // Mask 0b000011 (top row) is glyph 3, U+1FB02: the worked example of PROTOCOL-NOTES §3.5.
    expect([...out.subarray(7, 14)]).toEqual([3, 255, 128, 0, 0, 0, 255]);
    expect(style.glyphs[3]).toBe(0x1fb02);
  });

  it('modes 2–4 truncate both colours', () => {
    const style = CELL_STYLES.quadrant;
    const cells = makeCells(style, 100, 9);
    const full = fitRow(style, cells, 'rgb', 5);
    for (const mode of [2, 3, 4] as const) {
      const cut = fitRow(style, cells, 'rgb', mode);
      const mask = channelMask(mode);
      for (let i = 0; i < full.length; i++) expect(cut[i], `byte ${i} mode ${mode}`).toBe(i % 7 === 0 ? full[i] : full[i]! & mask);
    }
  });

  it('palette fits give exact palette colours', () => {
    const style = CELL_STYLES.sextant;
    const out = fitRow(style, makeCells(style, 300, 3), '256');
    const levels = new Set([0, 95, 135, 175, 215, 255]);
    for (let i = 0; i < 300; i++) {
      for (const at of [1, 4]) {
        const [r, g, b] = [out[i * 7 + at]!, out[i * 7 + at + 1]!, out[i * 7 + at + 2]!];
        const cube = levels.has(r) && levels.has(g) && levels.has(b);
        const grey = r === g && g === b && (r - 8) % 10 === 0 && r >= 8 && r <= 238;
        expect(cube || grey, `cell ${i} colour ${r},${g},${b}`).toBe(true);
      }
    }
  });

  it('ViewRenderer in a fitted style equals sampling then fitting each cell', () => {
    const w = 256;
    const h = 128;
    const frame = new Uint8Array(w * h * 3);
    const r = rng(21);
    for (let i = 0; i < frame.length; i++) frame[i] = (i * 7 + Math.floor(r() * 40)) & 0xff;
    const spec: ViewSpec = { yaw: 20, pitch: 10, roll: 0, fov: 80, cols: 24, rows: 8, aspect: 0.5, mode: 5, style: 'sextant', palette: 'rgb', codec: 'raw', quality: 'balanced', camera: 'flat' };
    const payload = new Uint8Array(4 + 24 * 8 * 7);
    expect(new ViewRenderer(spec).render({ pixels: frame, width: w, height: h }, 77, payload)).toBe(payload.length);
    expect([...payload.subarray(0, 4)]).toEqual([0, 0, 0, 77]);
    const table = EQUIRECT_TO_FLAT.buildTable(spec, { cols: 48, rows: 24, aspect: 0.75 }, w, h);
    const samples = new Uint8Array(48 * 24 * 3);
    sampleCells(table, frame, samples);
    const want = new Uint8Array(24 * 8 * 7);
    new CellFitter(CELL_STYLES.sextant).fit(samples, 24, 8, 5, want, 0);
    expect([...payload.subarray(4)]).toEqual([...want]);
  });
});
