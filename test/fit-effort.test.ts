/**
 * The fit effort (src/workers/fit-effort.ts): the governor steps mosaic fits down under overload
 * and back up with room to spare, and every effort renders valid mosaic frames of the same size.
 */
import { describe, expect, it } from 'vitest';
import { CELL_STYLES, frameShape } from '../protocol/index.js';
import { chooseWorkWidth } from '../src/app/working-size.js';
import { sampleCells } from '../src/projection/sample-cells.js';
import { EQUIRECT_TO_FLAT } from '../src/projection/projections.js';
import { CellFitter } from '../src/quantise/fit-cells.js';
import type { ViewSpec } from '../src/shared/types.js';
import { EffortGovernor, type FitEffort } from '../src/workers/fit-effort.js';
import { payloadCapacity, ViewRenderer } from '../src/workers/view-renderer.js';
import { rng } from './helpers/random.js';

const FRAME_MS = 1000 / 30;

/** Feeds `frames` frames that each kept the busiest worker `share` of the interval; returns the changes. */
function feed(g: EffortGovernor, share: number, frames: number): string[] {
  const changes: string[] = [];
  for (let i = 0; i < frames; i++) {
    const changed = g.record(share * FRAME_MS, FRAME_MS);
    if (changed) changes.push(changed);
  }
  return changes;
}

describe('EffortGovernor', () => {
  it('stays at full effort while rendering fits in the frame interval', () => {
    const g = new EffortGovernor();
    expect(feed(g, 0.6, 300)).toEqual([]);
    expect(g.effort).toBe('full');
  });

  it('far over budget, goes straight to the level expected to fit; a little over, one step', () => {
    const far = new EffortGovernor();
    expect(feed(far, 1.8, 9)).toEqual(['sextants']);
    const farther = new EffortGovernor();
    expect(feed(farther, 20, 9)).toEqual(['quadrants']);
    const near = new EffortGovernor();
    expect(feed(near, 1.0, 8)).toEqual([]);
    expect(feed(near, 1.0, 1)).toEqual(['blocks']);
    // Not before the new level had its own window of frames to show its load.
    expect(feed(near, 1.0, 8)).toEqual([]);
    expect(feed(near, 1.0, 1)).toEqual(['sextants']);
  });

  it('a dear frame now and then (a keyframe, viewers joining, a new working size) is not load; most frames over budget are', () => {
    const g = new EffortGovernor();
    const changes: string[] = [];
    for (let i = 0; i < 600; i++) {
      // Every 30th frame at 3 intervals, the first two at 8, the rest at 0.4.
      const share = i < 2 ? 8 : i % 30 === 0 ? 3 : 0.4;
      const changed = g.record(share * FRAME_MS, FRAME_MS);
      if (changed) changes.push(changed);
    }
    expect(changes).toEqual([]);
    expect(g.busyShare).toBeCloseTo(0.4);
    // Five frames in nine over budget: a step down.
    const over = new EffortGovernor();
    const steps: string[] = [];
    for (let i = 0; i < 17; i++) {
      const changed = over.record((i % 9 < 5 ? 1.0 : 0.4) * FRAME_MS, FRAME_MS);
      if (changed) steps.push(changed);
    }
    expect(steps).toEqual(['blocks']);
  });

  it('steps back up only when the dearer level would fit with room all through a while', () => {
    const g = new EffortGovernor();
    expect(feed(g, 1.8, 9)).toEqual(['sextants']);
    // 0.2 of the interval at sextants would be 0.78 at blocks: stay.
    expect(feed(g, 0.2, 400)).toEqual([]);
    // 0.15 would be 0.59 at blocks: up, once the 120 frames judged show nothing dearer (the median
    // of nine shows 0.15 from the fifth frame of it on).
    expect(feed(g, 0.15, 123)).toEqual([]);
    expect(feed(g, 0.15, 1)).toEqual(['blocks']);
    // 0.45 at blocks would be 0.52 at full: up, after 18 frames to settle and 120 judged.
    expect(feed(g, 0.45, 137)).toEqual([]);
    expect(feed(g, 0.45, 1)).toEqual(['full']);
  });

  it('does not step up while a busy second comes back every few seconds', () => {
    const g = new EffortGovernor();
    expect(feed(g, 1.8, 9)).toEqual(['sextants']);
    const changes: string[] = [];
    // Three calm seconds at 0.1 (0.39 at blocks), then one busy at 0.2 (0.78), over and over.
    for (let i = 0; i < 1200; i++) {
      const changed = g.record((i % 120 < 90 ? 0.1 : 0.2) * FRAME_MS, FRAME_MS);
      if (changed) changes.push(changed);
    }
    expect(changes).toEqual([]);
  });

  it('ignores frames it cannot judge (no interval known, a broken figure)', () => {
    const g = new EffortGovernor();
    for (let i = 0; i < 20; i++) expect(g.record(500, 0)).toBeNull();
    for (let i = 0; i < 20; i++) expect(g.record(Number.NaN, FRAME_MS)).toBeNull();
    expect(g.effort).toBe('full');
  });
});

describe('mosaic at each fit effort', () => {
  const W = 512;
  const H = 256;
  const r = rng(7);
  const frame = new Uint8Array(W * H * 3);
  // Blocks of colour with noise: edges everywhere, so every level has choices to make.
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < 3; c++) frame[(y * W + x) * 3 + c] = (((x >> 3) * 37 + (y >> 3) * 91 + c * 50) & 255) ^ Math.floor(r() * 16);
  const spec: ViewSpec = { yaw: 10, pitch: 5, roll: 0, fov: 70, cols: 40, rows: 12, aspect: 0.5, mode: 5, style: 'mosaic', palette: 'rgb', codec: 'raw', quality: 'balanced', camera: 'flat' };
  const mosaic = CELL_STYLES.mosaic;

  function render(effort: FitEffort): Uint8Array {
    const out = new Uint8Array(payloadCapacity(spec));
    const length = new ViewRenderer(spec).render({ pixels: frame, width: W, height: H }, 9, out, effort);
    expect(length).toBe(frameShape(spec).frameBytes);
    return out.subarray(4, length);
  }

  it('full uses diagonals, blocks none; both are valid mosaic glyphs', () => {
    const full = render('full');
    const blocks = render('blocks');
    const glyphsOf = (cells: Uint8Array) => Array.from({ length: cells.length / 7 }, (_, i) => cells[i * 7]!);
    for (const g of [...glyphsOf(full), ...glyphsOf(blocks)]) expect(mosaic.glyphs[g], `glyph ${g}`).not.toBe(0);
    expect(glyphsOf(full).some((g) => mosaic.glyphs[g]! >= 0x1fb3c)).toBe(true);
    expect(glyphsOf(blocks).some((g) => mosaic.glyphs[g]! >= 0x1fb3c)).toBe(false);
  });

  it.each([['sextants', 'sextant'], ['quadrants', 'quadrant']] as const)('%s: the %s fit of its own samples, sent as the same characters\' mosaic indices', (effort, name) => {
    const got = render(effort);
    const style = CELL_STYLES[name];
    const shape = frameShape({ ...spec, style: name });
    const table = EQUIRECT_TO_FLAT.buildTable(spec, { cols: shape.sampleCols, rows: shape.sampleRows, aspect: shape.sampleAspect, maxTaps: 2 }, W, H);
    const rgb = new Uint8Array(shape.sampleCols * shape.sampleRows * 3);
    sampleCells(table, frame, rgb);
    const want = new Uint8Array(spec.cols * spec.rows * 7);
    new CellFitter(style).fit(rgb, spec.cols, spec.rows, 5, want, 0);
    for (let i = 0; i < want.length; i += 7) {
      expect(mosaic.glyphs[got[i]!], `cell ${i / 7}`).toBe(style.glyphs[want[i]!]);
      expect([...got.subarray(i + 1, i + 7)]).toEqual([...want.subarray(i + 1, i + 7)]);
    }
  });

  it("coarseFirst: a view's first frame is the sextant fit, its next the full one; a new view or working frame is coarse again, other styles never", () => {
    const renderer = new ViewRenderer(spec);
    const out = new Uint8Array(payloadCapacity(spec));
    const frameOf = (effort: FitEffort, coarseFirst: boolean, r = renderer, f = frame, w = W, h = H): Uint8Array => out.slice(4, r.render({ pixels: f, width: w, height: h }, 9, out, effort, coarseFirst));
    // The sextant fit of one tap per sample (the quickest table to build), in mosaic's indices.
    const coarse = frameOf('full', true);
    expect(renderer.coarse).toBe(true);
    const shape = frameShape({ ...spec, style: 'sextant' });
    const table = EQUIRECT_TO_FLAT.buildTable(spec, { cols: shape.sampleCols, rows: shape.sampleRows, aspect: shape.sampleAspect, maxTaps: 1 }, W, H);
    const rgb = new Uint8Array(shape.sampleCols * shape.sampleRows * 3);
    sampleCells(table, frame, rgb);
    const want = new Uint8Array(spec.cols * spec.rows * 7);
    new CellFitter(CELL_STYLES.sextant).fit(rgb, spec.cols, spec.rows, 5, want, 0);
    for (let i = 0; i < want.length; i += 7) {
      expect(mosaic.glyphs[coarse[i]!], `cell ${i / 7}`).toBe(CELL_STYLES.sextant.glyphs[want[i]!]);
      expect([...coarse.subarray(i + 1, i + 7)]).toEqual([...want.subarray(i + 1, i + 7)]);
    }
    expect(coarse).not.toEqual(render('sextants'));
    expect(frameOf('full', true)).toEqual(render('full'));
    expect(renderer.coarse).toBe(false);
    expect(frameOf('full', true)).toEqual(render('full'));
    // Another view in the same renderer (a recycled one), then another working frame.
    renderer.respec({ ...spec, yaw: 11 });
    frameOf('full', true);
    expect(renderer.coarse).toBe(true);
    frameOf('full', true);
    expect(renderer.coarse).toBe(false);
    const wider = new Uint8Array(2 * W * H * 3);
    frameOf('full', true, renderer, wider, 2 * W, H);
    expect(renderer.coarse).toBe(true);
    // At a reduced effort, or without coarseFirst, or in a style with no cheaper one: as asked.
    const reduced = new ViewRenderer(spec);
    expect(frameOf('quadrants', true, reduced)).toEqual(render('quadrants'));
    expect(reduced.coarse).toBe(false);
    const asked = new ViewRenderer(spec);
    expect(frameOf('full', false, asked)).toEqual(render('full'));
    expect(asked.coarse).toBe(false);
    const sextant = new ViewRenderer({ ...spec, style: 'sextant' });
    sextant.render({ pixels: frame, width: W, height: H }, 9, new Uint8Array(payloadCapacity({ ...spec, style: 'sextant' })), 'full', true);
    expect(sextant.coarse).toBe(false);
  });

  it('the working size follows: 1.6 pixels a sample of 4×8 at full effort, a pixel a sample of 2×3 or 2×2 when reduced', () => {
    const big: ViewSpec = { ...spec, cols: 160, rows: 48, fov: 90 };
    expect(chooseWorkWidth([big], 8192, 'full')).toBe(4096);
    expect(chooseWorkWidth([big], 8192, 'blocks')).toBe(4096);
    expect(chooseWorkWidth([big], 8192, 'sextants')).toBe(1280);
    expect(chooseWorkWidth([big], 8192, 'quadrants')).toBe(1280);
    // Other styles ask the same at full and blocks; the reduced levels shrink them to a pixel a sample too.
    const sextant = { ...big, style: 'sextant' as const };
    expect(chooseWorkWidth([sextant], 8192, 'blocks')).toBe(chooseWorkWidth([sextant], 8192, 'full'));
  });
});
