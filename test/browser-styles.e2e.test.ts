/**
 * The browser client's cell styles (PROTOCOL-NOTES.md §8) end to end: the real CLI serves the
 * built-in demo scene, headless Chromium (playwright-core, Debian's /usr/bin/chromium) shows it in
 * every style through both renderers, and each screenshot of the canvas is compared with colours
 * computed from the frame the page says it painted (the `window.ascii360` probe,
 * src/client/browser/page-probe.ts):
 *
 * - fitted block styles (quadrant, sextant, octant): every pixel is its cell's foreground where the
 *   glyph's mask covers the sample whose sub-rectangle holds it (edges rounded, glyph-atlas.ts),
 *   the background elsewhere: so no gaps between cells, no font;
 * - braille: the centre of each covered sub-rectangle is the foreground (a dot), of each uncovered
 *   one the background;
 * - ascii: every pixel lies between the cell's background and foreground, the glyph reaches the
 *   foreground; ramp: the same on black;
 * - half: the centre of each half cell is its pixel's colour.
 * Each check has a control (colours swapped or permuted) that must fail, so it can fail.
 *
 * Also: the default style is sextant, `style=x` gives a notice and sextant, the keys s / S / b, and
 * the grid stays within the sample cap when the style changes. The atlas's layout and block
 * geometry are checked in Node first (glyph-atlas.ts has no DOM).
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { areaInRect, CELL_STYLES, Limits, rectangle, STYLE_NAMES, type CellStyle, type Polygon, type StyleName } from '../protocol/index.js';
import { ATLAS_SLOTS, atlasContents, drawDots, drawOutline, FITTED_SECTIONS, slotOf, TEXT_SECTION } from '../src/client/browser/glyph-atlas.js';
import type { PageProbe, ProbeFrame, ProbeState } from '../src/client/browser/page-probe.js';
import { canvasAndFrame, launchChromium, px, until, type Raw } from './helpers/browser.js';
import { newestView, startCli, type CliServer } from './helpers/server.js';

const VIEWPORT = { width: 800, height: 450 };
/** Sky, the horizon with its ticks and labels, a compass letter and the chequered ground: many glyphs. */
const VIEW = 'yaw=20&pitch=-12&fov=100';
/** Per channel, screenshot against computed colour (exact here; room for a colour-managed screen). */
const TOLERANCE = 3;

let browser: Browser;
let demo: CliServer;

beforeAll(async () => {
  [browser, demo] = await Promise.all([
    launchChromium(),
    startCli(['--log-level', 'warn']),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
});

const pages: Page[] = [];

afterEach(async () => {
  for (const p of pages.splice(0)) await p.close();
});

async function open(query: string, viewport = VIEWPORT): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport });
  pages.push(page);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    // The demo has sound; a 404 for HEAD /audio would be Chromium's own log line, not the page's.
    if (m.type() === 'error' && !(/status of 404/.test(m.text()) && /\/audio(\?|$)/.test(m.location().url))) errors.push(`console: ${m.text()}`);
  });
  await page.goto(`${demo.url}/${query}`, { timeout: 15_000 });
  return { page, errors };
}

function state(page: Page): Promise<ProbeState> {
  return page.evaluate(() => (globalThis as unknown as { ascii360: PageProbe }).ascii360.state());
}

function painted(page: Page): Promise<ProbeFrame | null> {
  return page.evaluate(() => (globalThis as unknown as { ascii360: PageProbe }).ascii360.frame());
}

/** The page shows frames of `style`: its INIT says so and it painted one. */
function showing(page: Page, style: StyleName): Promise<ProbeState> {
  return until(`frames of ${style} painted`, async () => {
    const s = await state(page);
    if (s.link !== 'open' || s.init?.style !== style || s.shown < 2) return null;
    return (await painted(page))?.style === style ? s : null;
  });
}

const serverView = (): ReturnType<typeof newestView> => newestView(demo);

async function toasts(page: Page): Promise<string[]> {
  return page.locator('.toast').allTextContents();
}


type RGB = readonly [number, number, number];


function near(a: RGB, b: RGB, tolerance = TOLERANCE): boolean {
  return Math.abs(a[0] - b[0]) <= tolerance && Math.abs(a[1] - b[1]) <= tolerance && Math.abs(a[2] - b[2]) <= tolerance;
}

function contrast(a: RGB, b: RGB): number {
  return Math.abs(a[0] - b[0]) + Math.abs(a[1] - b[1]) + Math.abs(a[2] - b[2]);
}

const rotate = (c: RGB): RGB => [c[1], c[2], c[0]];

/** Edge of sample column (row) i of n in a cell `size` pixels across: the rounding glyph-atlas.ts promises. */
const edge = (i: number, n: number, size: number): number => Math.round((i * size) / n);

interface FittedCell {
  glyph: number;
  fg: RGB;
  bg: RGB;
}

function fittedCell(frame: ProbeFrame, i: number): FittedCell {
  const o = i * 7;
  const b = frame.bytes;
  return { glyph: b[o]!, fg: [b[o + 1]!, b[o + 2]!, b[o + 3]!], bg: [b[o + 4]!, b[o + 5]!, b[o + 6]!] };
}

const coverages = new Map<string, Float64Array>();

/**
 * The share of each pixel of a cw × ch cell a glyph's outline covers, as the page draws it: vertices
 * moved to whole pixels (glyph-atlas.ts), then the exact area of each pixel inside (none, a blank,
 * for indices the table does not list).
 */
function pixelCoverage(style: CellStyle, glyph: number, cw: number, ch: number): Float64Array {
  // A frame repeats a few hundred glyphs over thousands of cells: the exact areas, worked out for each
  // cell, took 0.15–0.2 s a block style (0.7 s of each renderer's test).
  const key = `${style.name} ${glyph} ${cw}x${ch}`;
  const known = coverages.get(key);
  if (known) return known;
  const out = new Float64Array(cw * ch);
  coverages.set(key, out);
  if (glyph >= style.glyphs.length || style.glyphs[glyph] === 0) return out;
  for (const polygon of style.outlines[glyph]!) {
    const snapped: Polygon = polygon.map(([x, y]) => [Math.round(x * cw) / cw, Math.round(y * ch) / ch] as const);
    for (let y = 0; y < ch; y++) for (let x = 0; x < cw; x++) out[y * cw + x] = out[y * cw + x]! + areaInRect(snapped, x / cw, y / ch, (x + 1) / cw, (y + 1) / ch) * cw * ch;
  }
  return out;
}

/** The mask a cell's glyph draws (0, a blank, for indices the table does not list). */
function maskOf(style: CellStyle, glyph: number): number {
  return glyph < style.glyphs.length && style.glyphs[glyph] !== 0 ? style.masks[glyph]! : 0;
}

/**
 * Block styles: every pixel against the colour its sub-rectangle should have. Returns the share that
 * match, the number of pixels where foreground and background differ (what the check is about) and
 * the share of those that match with the colours swapped (the control).
 */
function blockPixels(frame: ProbeFrame, image: Raw, style: CellStyle, cw: number, ch: number): { rate: number; contrasted: number; swapped: number } {
  let ok = 0;
  let total = 0;
  let contrasted = 0;
  let swapped = 0;
  for (let cy = 0; cy < frame.rows; cy++) {
    for (let cx = 0; cx < frame.cols; cx++) {
      const { glyph, fg, bg } = fittedCell(frame, cy * frame.cols + cx);
      const cover = pixelCoverage(style, glyph, cw, ch);
      const differ = contrast(fg, bg) > 3 * TOLERANCE;
      for (let y = 0; y < ch; y++) {
        for (let x = 0; x < cw; x++) {
          const share = cover[y * cw + x]!;
          // Pixels a diagonal cuts are a blend: only whole ones are checked.
          if (share > 1e-9 && share < 1 - 1e-9) continue;
          const on = share > 0.5;
          const want = on ? fg : bg;
          const other = on ? bg : fg;
          const p = px(image, cx * cw + x, cy * ch + y);
          total++;
          if (near(p, want)) ok++;
          if (differ) {
            contrasted++;
            if (near(p, other)) swapped++;
          }
        }
      }
    }
  }
  return { rate: ok / total, contrasted, swapped: contrasted ? swapped / contrasted : 1 };
}

/** Dots: the centre pixel of each sub-rectangle is the foreground where covered, the background elsewhere. */
function centres(frame: ProbeFrame, image: Raw, style: CellStyle, cw: number, ch: number, swap = false): { rate: number; checked: number; dots: number } {
  let ok = 0;
  let checked = 0;
  let dots = 0;
  for (let cy = 0; cy < frame.rows; cy++) {
    for (let cx = 0; cx < frame.cols; cx++) {
      const { glyph, fg, bg } = fittedCell(frame, cy * frame.cols + cx);
      if (contrast(fg, bg) <= 3 * TOLERANCE) continue;
      const mask = maskOf(style, glyph);
      for (let k = 0; k < style.subX * style.subY; k++) {
        const c = k % style.subX;
        const r = Math.floor(k / style.subX);
        const on = ((mask >> k) & 1) === 1;
        if (on) dots++;
        const p = px(image, cx * cw + Math.floor(((c + 0.5) * cw) / style.subX), cy * ch + Math.floor(((r + 0.5) * ch) / style.subY));
        checked++;
        if (near(p, on !== swap ? fg : bg)) ok++;
      }
    }
  }
  return { rate: checked ? ok / checked : 0, checked, dots };
}

/**
 * Glyphs from the font, foreground on background (ascii: the fitted pair; ramp: the cell's colour on
 * black). `onSegment`: share of the pixels of contrasted cells that lie between background and
 * foreground (antialiased ink), `inkOnSegment` the same for those that are not the background;
 * `reach`: share of contrasted cells with ink whose strongest pixel is at least 60% of the way to
 * the foreground; `black`: share of all pixels that are pure black.
 */
function fontCells(frame: ProbeFrame, image: Raw, cw: number, ch: number, permute = false): { onSegment: number; inkOnSegment: number; reach: number; inked: number; black: number } {
  const fitted = frame.kind === 'fitted';
  const unit = fitted ? 7 : 4;
  let onSeg = 0;
  let pixels = 0;
  let ink = 0;
  let inkOn = 0;
  let reached = 0;
  let inked = 0;
  let black = 0;
  for (let cy = 0; cy < frame.rows; cy++) {
    for (let cx = 0; cx < frame.cols; cx++) {
      const o = (cy * frame.cols + cx) * unit;
      const b = frame.bytes;
      const code = fitted ? 0x20 + b[o]! : b[o]!;
      let fg: RGB = [b[o + 1]!, b[o + 2]!, b[o + 3]!];
      let bg: RGB = fitted ? [b[o + 4]!, b[o + 5]!, b[o + 6]!] : [0, 0, 0];
      if (permute) [fg, bg] = [rotate(fg), rotate(bg)];
      const d: RGB = [fg[0] - bg[0], fg[1] - bg[1], fg[2] - bg[2]];
      const len2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
      const judged = len2 >= 120 * 120;
      let best = 0;
      for (let y = 0; y < ch; y++) {
        for (let x = 0; x < cw; x++) {
          const p = px(image, cx * cw + x, cy * ch + y);
          if (p[0] + p[1] + p[2] === 0) black++;
          if (!judged) continue;
          const t = Math.max(0, Math.min(1, ((p[0] - bg[0]) * d[0] + (p[1] - bg[1]) * d[1] + (p[2] - bg[2]) * d[2]) / len2));
          pixels++;
          const on = near(p, [bg[0] + t * d[0], bg[1] + t * d[1], bg[2] + t * d[2]], 12);
          if (on) onSeg++;
          if (!near(p, bg)) {
            ink++;
            if (on) inkOn++;
          }
          if (t > best) best = t;
        }
      }
      // Thin ramp glyphs (` . - ' :`) never reach full ink at this size: judge the solid ones.
      if (judged && code > 0x20 && !'`.-\':_,^='.includes(String.fromCharCode(code))) {
        inked++;
        if (best >= 0.6) reached++;
      }
    }
  }
  return { onSegment: pixels ? onSeg / pixels : 0, inkOnSegment: ink ? inkOn / ink : 0, reach: inked ? reached / inked : 0, inked, black: black / (image.width * image.height) };
}

/** Half blocks: the centre of each half cell is its pixel's colour (BGR on the wire, §3.3). */
function halfCentres(frame: ProbeFrame, image: Raw, permute = false): number {
  const bw = image.width / frame.cols;
  const bh = image.height / frame.rows; // pixel rows
  let ok = 0;
  for (let y = 0; y < frame.rows; y++) {
    for (let x = 0; x < frame.cols; x++) {
      const o = (y * frame.cols + x) * 3;
      let want: RGB = [frame.bytes[o + 2]!, frame.bytes[o + 1]!, frame.bytes[o]!];
      if (permute) want = rotate(want);
      if (near(px(image, Math.floor((x + 0.5) * bw), Math.floor((y + 0.5) * bh)), want)) ok++;
    }
  }
  return ok / (frame.cols * frame.rows);
}

describe('glyph atlas (Node)', () => {
  it('one slot per glyph: sections follow each other, anything unlisted draws the blank slot', () => {
    let next = TEXT_SECTION.count;
    for (const name of STYLE_NAMES) {
      const section = FITTED_SECTIONS[name];
      if (CELL_STYLES[name].frames !== 'fitted') {
        expect(section).toBeUndefined();
        continue;
      }
      expect(section).toEqual({ base: next, count: CELL_STYLES[name].glyphs.length, first: 0 });
      next += section!.count;
    }
    expect(ATLAS_SLOTS).toBe(next);
    expect(atlasContents()).toHaveLength(ATLAS_SLOTS);
    expect(slotOf(TEXT_SECTION, 0x41)).toBe(0x41 - 32);
    expect(slotOf(TEXT_SECTION, 200)).toBe(0);
    expect(slotOf(FITTED_SECTIONS.quadrant!, 16)).toBe(0);
    // Octant masks no glyph draws (§8.1: never sent) are blank.
    expect(atlasContents()[FITTED_SECTIONS.octant!.base + 0x01]).toEqual({ kind: 'blank' });
  });

  it('blocks fill their sub-rectangles exactly; glyph and complement tile the cell; braille dots are round and apart', () => {
    // Every pixel is checked; the ones that fail are listed together (an expect a pixel, some 60 000 of
    // them, took 4–5 s).
    const wrong: string[] = [];
    for (const [w, h] of [[8, 17], [9, 19], [17, 34]] as const) {
      for (const name of ['quadrant', 'sextant', 'octant'] as const) {
        const style = CELL_STYLES[name];
        const all = (1 << (style.subX * style.subY)) - 1;
        const outline = (mask: number): Polygon[] => [...Array(style.subX * style.subY).keys()].filter((k) => (mask >> k) & 1).map((k) => rectangle((k % style.subX) / style.subX, Math.floor(k / style.subX) / style.subY, ((k % style.subX) + 1) / style.subX, (Math.floor(k / style.subX) + 1) / style.subY));
        for (const mask of [0b1, 0b10, all >> 1, 0b100101 & all]) {
          const a = new Uint8Array(w * h);
          const b = new Uint8Array(w * h);
          drawOutline(a, w, 0, 0, w, h, outline(mask));
          drawOutline(b, w, 0, 0, w, h, outline(all ^ mask));
          for (let i = 0; i < w * h; i++) {
            const at = `${name} mask ${mask.toString(2)} at ${w}x${h}, pixel ${i}`;
            // Every pixel in exactly one of the two: no gap, no overlap.
            if (a[i]! + b[i]! !== 255) wrong.push(`${at}: glyph ${a[i]} + complement ${b[i]}, not 255`);
            const x = i % w;
            const y = Math.floor(i / w);
            const c = [...Array(style.subX).keys()].find((k) => x < edge(k + 1, style.subX, w))!;
            const r = [...Array(style.subY).keys()].find((k) => y < edge(k + 1, style.subY, h))!;
            const want = (mask >> (r * style.subX + c)) & 1 ? 255 : 0;
            if (a[i] !== want) wrong.push(`${at}: ${a[i]}, not ${want}`);
          }
        }
      }
      // Mosaic: rectangles fill whole pixels; a diagonal's pixels hold their share, the glyph's area in all.
      const mosaic = CELL_STYLES.mosaic;
      for (let g = 1; g < mosaic.glyphs.length; g++) {
        if (mosaic.glyphs[g] === 0) continue;
        const a = new Uint8Array(w * h);
        drawOutline(a, w, 0, 0, w, h, mosaic.outlines[g]!);
        const want = pixelCoverage(mosaic, g, w, h);
        for (let i = 0; i < w * h; i++) {
          const off = Math.abs(a[i]! - 255 * want[i]!);
          if (!(off <= 255 / 16 + 1)) wrong.push(`U+${mosaic.glyphs[g]!.toString(16)} at ${w}x${h}, pixel ${i}: ${a[i]}, ${off.toFixed(1)} off ${(255 * want[i]!).toFixed(1)}`);
        }
      }
      const braille = CELL_STYLES.braille;
      const dots = new Uint8Array(w * h);
      drawDots(dots, w, 0, 0, w, h, braille, 0b10010110);
      for (let k = 0; k < 8; k++) {
        const cx = Math.floor(((k % 2) + 0.5) * (w / 2));
        const cy = Math.floor((Math.floor(k / 2) + 0.5) * (h / 4));
        expect(dots[cy * w + cx]).toBe((0b10010110 >> k) & 1 ? 255 : 0);
      }
      expect(dots[0]).toBe(0); // corners stay background
    }
    expect(wrong.length, wrong.slice(0, 20).join('\n')).toBe(0);
  });
});

describe('every style on the canvas', () => {
  it.each(['2d', 'webgl2'] as const)('%s: each style drawn as its frames say', async (renderer) => {
    // Coded frames (§3.7), decoded by the page, drawn as their cells say.
    const { page, errors } = await open(`?renderer=${renderer}&style=ramp&codec=tagged&${VIEW}`);
    for (const name of STYLE_NAMES) {
      if (name !== 'ramp') await page.selectOption('#style', name);
      const s = await showing(page, name);
      expect(s.renderer).toBe(renderer);
      const { frame, image } = await canvasAndFrame(page);
      const style = CELL_STYLES[name];
      const cw = s.cell.width;
      const ch = s.cell.height;
      expect(frame.kind).toBe(style.frames);
      expect(image.width).toBe(frame.cols * cw);
      const what = `${renderer} ${name}`;
      if (style.frames === 'pixels') {
        expect(frame.rows * ch).toBe(2 * image.height);
        expect(halfCentres(frame, image), what).toBeGreaterThan(0.98);
        expect(halfCentres(frame, image, true), what).toBeLessThan(0.5);
      } else if (style.shape === 'blocks') {
        const m = blockPixels(frame, image, style, cw, ch);
        expect(m.contrasted, what).toBeGreaterThan(2000);
        expect(m.rate, what).toBeGreaterThan(0.999);
        expect(m.swapped, what).toBeLessThan(0.05);
      } else if (style.shape === 'dots') {
        const m = centres(frame, image, style, cw, ch);
        expect(m.dots, what).toBeGreaterThan(100);
        expect(m.rate, what).toBeGreaterThan(0.99);
        expect(centres(frame, image, style, cw, ch, true).rate, what).toBeLessThan(0.2);
      } else {
        // Font glyphs: ascii (fitted pair) and ramp (on black).
        const m = fontCells(frame, image, cw, ch);
        const control = fontCells(frame, image, cw, ch, true);
        expect(m.inked, what).toBeGreaterThan(100);
        expect(m.onSegment, what).toBeGreaterThan(0.97);
        expect(m.inkOnSegment, what).toBeGreaterThan(0.95);
        expect(m.reach, what).toBeGreaterThan(0.9);
        expect(control.inkOnSegment, what).toBeLessThan(0.5);
        if (name === 'ramp') expect(m.black, what).toBeGreaterThan(0.3);
      }
    }
    expect(await toasts(page)).toEqual([]);
    expect(errors).toEqual([]);
  }, 60_000);
});

describe('choosing the style', () => {
  it('the default is mosaic; s / S step through the styles, b toggles half blocks, quick presses end where they lead', async () => {
    const { page, errors } = await open(`?renderer=2d`);
    const s = await showing(page, 'mosaic');
    expect(s.init).toMatchObject({ style: 'mosaic', pixel: false, cols: s.grid.cols, rows: s.grid.rows });
    expect(await page.locator('#style').inputValue()).toBe('mosaic');
    expect(await page.locator('#view').textContent()).toMatch(/ mosaic$/);
    expect(await serverView()).toMatchObject({ style: 'mosaic', cols: s.grid.cols, rows: s.grid.rows });
    expect((await painted(page))?.kind).toBe('fitted');
    await page.keyboard.press('s');
    await showing(page, 'octant');
    await page.keyboard.press('Shift+S');
    await showing(page, 'mosaic');
    await page.keyboard.press('b');
    await showing(page, 'half');
    expect(await page.locator('#style').inputValue()).toBe('half');
    await page.keyboard.press('b');
    await showing(page, 'mosaic');
    // Four presses at once, each answered by an INIT after the next was asked for: the page ends
    // where the keys lead, with the ramp's grid (no refusal on the way).
    for (let i = 0; i < 4; i++) await page.keyboard.press('s');
    const ramp = await showing(page, 'ramp');
    await until('the ramp grid', async () => {
      const st = await state(page);
      return st.style === 'ramp' && st.init?.rows === st.grid.rows && st.grid.rows === ramp.grid.rows;
    });
    expect(await page.locator('#style').inputValue()).toBe('ramp');
    expect(await toasts(page)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('style=x: a notice, and mosaic', async () => {
    const { page, errors } = await open(`?renderer=2d&style=x`);
    await showing(page, 'mosaic');
    const notes = await toasts(page);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/^unknown style "x"; styles: ramp, half, quadrant, sextant, mosaic, octant, braille, ascii; showing mosaic$/);
    expect(errors).toEqual([]);
  });

  it('the grid keeps within the sample cap: mosaic gets fewer, larger cells that fill the window, the ramp the page\'s font again; no refusal either way', async () => {
    const { page, errors } = await open(`?renderer=2d&font=6&style=mosaic`, { width: 1800, height: 1000 });
    const mosaic = await until('the mosaic grid at the server', async () => {
      const s = await showing(page, 'mosaic');
      return s.init?.cols === s.grid.cols && s.init.rows === s.grid.rows ? s : null;
    });
    const { cols, rows } = mosaic.grid;
    expect(cols * rows * 32).toBeLessThanOrEqual(Limits.SAMPLES_MAX);
    // At 6 px cells the window would hold about 3.5 times the cap: the cap is used, not wasted.
    expect(cols * rows * 32).toBeGreaterThan(0.9 * Limits.SAMPLES_MAX);
    // To the ramp: the style first, then the larger grid of the page's own cells.
    await page.selectOption('#style', 'ramp');
    const ramp = await until('the ramp grid', async () => {
      const s = await state(page);
      return s.init?.style === 'ramp' && s.init.rows === s.grid.rows && s.init.cols === s.grid.cols && s.grid.rows > rows && s.grid.cols > cols ? s : null;
    });
    expect(ramp.cell.height).toBeLessThan(mosaic.cell.height);
    // Back to mosaic: the smaller grid first, then the style.
    await page.selectOption('#style', 'mosaic');
    await until('mosaic again', async () => {
      const s = await state(page);
      return s.init?.style === 'mosaic' && s.init.rows === rows && s.init.cols === cols;
    });
    expect(await serverView()).toMatchObject({ style: 'mosaic', cols, rows });
    expect(await toasts(page)).toEqual([]);
    expect(errors).toEqual([]);
  }, 45_000);
});

describe('choosing the camera', () => {
  it('camera=NAME starts with it; the selector and c switch cameras, each INIT naming the camera, the readout too', async () => {
    const { page, errors } = await open(`?renderer=2d&camera=stereographic&pitch=-90`);
    await until('the little planet', async () => ((await state(page)).init?.camera === 'stereographic' ? true : null));
    await until('the selector shows it', async () => (await page.locator('#camera').inputValue()) === 'stereographic');
    expect(await page.locator('#camera option').allTextContents()).toEqual(['flat', 'stereographic', 'fisheye', 'pannini', 'equirect']);
    await until('the readout', async () => / fov 200 stereographic · /.test((await page.locator('#view').textContent()) ?? ''));
    await page.selectOption('#camera', 'equirect');
    await until('the map', async () => ((await state(page)).init?.camera === 'equirect' ? true : null));
    await page.keyboard.press('c'); // equirect → flat, the first again
    await until('flat again', async () => ((await state(page)).init?.camera === 'flat' ? true : null));
    await until('the selector follows the key', async () => (await page.locator('#camera').inputValue()) === 'flat');
    expect((await state(page)).view.fov).toBe(90);
    expect(await toasts(page)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('an unknown camera in the URL: a notice, and the server\'s camera (flat here)', async () => {
    const { page } = await open(`?renderer=2d&camera=hyperbolic`);
    await until('flat frames', async () => ((await state(page)).init?.camera === 'flat' ? true : null));
    const notes = await until('the notice', async () => {
      const t = await toasts(page);
      return t.length > 0 ? t : null;
    });
    expect(notes[0]).toMatch(/^unknown camera "hyperbolic"; cameras: flat, stereographic, fisheye, pannini, equirect; showing the server's camera$/);
  });
});
