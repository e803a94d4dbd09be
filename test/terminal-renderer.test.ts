/**
 * The terminal video renderer against a real terminal emulator: its bytes are replayed into
 * @xterm/headless and every cell's character and colours are read back and compared with the frame.
 * Expected palette indices are found here by brute-force search over the xterm palette, not with
 * the renderer's own reduction code.
 */
import { describe, it, expect } from 'vitest';
import xterm from '@xterm/headless';
import { CELL_STYLES, coverageByCodePoint, luma601, RAMP, rgbOf256, type CellStyle } from '../protocol/index.js';
import { QUALITY_TOLERANCE, VideoRenderer, detectColorDepth } from '../src/client/terminal/video-renderer.js';
import { nearest16, nearest256 } from '../src/client/terminal/color-depth.js';
import { measureTerminalBytes } from '../bench/terminal-bytes.js';
import { rng } from './helpers/random.js';

const { Terminal } = xterm;
type Term = InstanceType<typeof Terminal>;

const ESC = '\x1b';
const MARK = '#';

// ---------------------------------------------------------------- helpers

function makeTerm(cols: number, rows: number): Term {
  return new Terminal({ cols, rows, allowProposedApi: true });
}

/** term.write is asynchronous; the renderer's view is only valid until its next call, so await each. */
function write(term: Term, data: Uint8Array | string): Promise<void> {
  return new Promise((resolve) => term.write(data, resolve));
}

/** Fills the whole screen with MARK without scrolling (CUP per row, never a newline). */
async function fillMarkers(term: Term): Promise<void> {
  let s = '';
  for (let y = 0; y < term.rows; y++) s += `${ESC}[${y + 1};1H` + MARK.repeat(term.cols);
  await write(term, s + `${ESC}[H`);
}

function cell(term: Term, x: number, y: number) {
  const c = term.buffer.active.getLine(y)?.getCell(x);
  if (!c) throw new Error(`no cell at ${x},${y}`);
  return c;
}

/** Random [char, R, G, B] cells; characters from the ramp, spaces included. */
function randomCells(cols: number, rows: number, seed: number): Uint8Array {
  const r = rng(seed);
  const cells = new Uint8Array(cols * rows * 4);
  for (let i = 0; i < cols * rows; i++) {
    cells[i * 4] = RAMP.charCodeAt(Math.floor(r() * RAMP.length));
    cells[i * 4 + 1] = Math.floor(r() * 256);
    cells[i * 4 + 2] = Math.floor(r() * 256);
    cells[i * 4 + 3] = Math.floor(r() * 256);
  }
  return cells;
}

function randomPixels(cols: number, pixelRows: number, seed: number): Uint8Array {
  const r = rng(seed);
  const bgr = new Uint8Array(cols * pixelRows * 3);
  for (let i = 0; i < bgr.length; i++) bgr[i] = Math.floor(r() * 256);
  return bgr;
}

const rgb = (r: number, g: number, b: number) => (r << 16) | (g << 8) | b;

/**
 * Asserts the region at (top, left) shows the cells frame (cols × rows) in truecolor: same
 * character, RGB foreground (not checked for spaces, which show none) and black RGB background.
 * Returns the number of cells checked so a caller can be sure the loop ran.
 */
function expectCellsTrue(term: Term, cells: Uint8Array, cols: number, rows: number, top = 0, left = 0): number {
  let checked = 0;
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < cols; x++) {
      const s = (y * cols + x) * 4;
      const c = cell(term, left + x, top + y);
      const where = `cell ${x},${y}`;
      expect(c.getChars(), where).toBe(String.fromCharCode(cells[s]!));
      if (cells[s] !== 0x20) {
        expect(c.isFgRGB(), where).toBe(true);
        expect(c.getFgColor(), where).toBe(rgb(cells[s + 1]!, cells[s + 2]!, cells[s + 3]!));
      }
      expect(c.isBgRGB(), where).toBe(true);
      expect(c.getBgColor(), where).toBe(0);
      checked++;
    }
  }
  return checked;
}

/** Asserts every cell outside the rectangle still holds the marker. */
function expectMarkersOutside(term: Term, top: number, left: number, cols: number, rows: number): void {
  for (let y = 0; y < term.rows; y++) {
    for (let x = 0; x < term.cols; x++) {
      if (y >= top && y < top + rows && x >= left && x < left + cols) continue;
      expect(cell(term, x, y).getChars(), `outside cell ${x},${y}`).toBe(MARK);
    }
  }
}

/** Asserts a rectangle holds black-background spaces (the cleared rest of a region). */
function expectBlackSpaces(term: Term, top: number, left: number, cols: number, rows: number): void {
  for (let y = top; y < top + rows; y++) {
    for (let x = left; x < left + cols; x++) {
      const c = cell(term, x, y);
      expect(c.getChars() === ' ' || c.getChars() === '', `cleared cell ${x},${y}`).toBe(true);
      expect(c.isBgRGB() && c.getBgColor() === 0, `cleared cell ${x},${y} bg`).toBe(true);
    }
  }
}

/** xterm's 256-colour palette entries 16…255, computed from the definition (cube + grey ramp). */
function xterm256Rgb(i: number): [number, number, number] {
  if (i >= 232) {
    const v = 8 + 10 * (i - 232);
    return [v, v, v];
  }
  const n = i - 16;
  const level = (k: number) => (k === 0 ? 0 : 55 + 40 * k);
  return [level(Math.floor(n / 36)), level(Math.floor(n / 6) % 6), level(n % 6)];
}

/** Brute force: the first index in 16…255 at the least squared distance. */
function expected256(r: number, g: number, b: number): number {
  let best = -1;
  let bestD = Infinity;
  for (let i = 16; i < 256; i++) {
    const [pr, pg, pb] = xterm256Rgb(i);
    const d = (r - pr) ** 2 + (g - pg) ** 2 + (b - pb) ** 2;
    if (d < bestD) {
      bestD = d;
      best = i;
    }
  }
  return best;
}

/** xterm's (X11) default 16 colours: the reference for 16-colour reduction. */
const X11_16: [number, number, number][] = [
  [0, 0, 0], [205, 0, 0], [0, 205, 0], [205, 205, 0], [0, 0, 238], [205, 0, 205], [0, 205, 205], [229, 229, 229],
  [127, 127, 127], [255, 0, 0], [0, 255, 0], [255, 255, 0], [92, 92, 255], [255, 0, 255], [0, 255, 255], [255, 255, 255],
];

function expected16(r: number, g: number, b: number): number {
  let best = -1;
  let bestD = Infinity;
  X11_16.forEach(([pr, pg, pb], i) => {
    const d = (r - pr) ** 2 + (g - pg) ** 2 + (b - pb) ** 2;
    if (d < bestD) {
      bestD = d;
      best = i;
    }
  });
  return best;
}

/** Cells whose colours cover greys, cube-level ties (115) and pure primaries, plus random ones. */
function paletteProbeCells(cols: number, rows: number, seed: number): Uint8Array {
  const cells = randomCells(cols, rows, seed);
  const r = rng(seed + 1);
  for (let i = 0; i < cols * rows; i++) {
    cells[i * 4] = 0x41 + (i % 26); // letters: every foreground is visible and checked
    if (i % 3 === 0) {
      const v = Math.floor(r() * 256); // near-grey: exercises the grey ramp
      cells[i * 4 + 1] = v;
      cells[i * 4 + 2] = Math.min(255, v + Math.floor(r() * 3));
      cells[i * 4 + 3] = Math.max(0, v - Math.floor(r() * 3));
    } else if (i % 7 === 0) {
      cells[i * 4 + 1] = 115; // equidistant from cube levels 95 and 135
      cells[i * 4 + 2] = (i * 37) & 0xff;
      cells[i * 4 + 3] = 255;
    }
  }
  return cells;
}

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');

/** Largest per-channel difference between two 0xRRGGBB colours. */
function channelDiff(a: number, b: number): number {
  return Math.max(
    Math.abs((a >> 16) - (b >> 16)),
    Math.abs(((a >> 8) & 0xff) - ((b >> 8) & 0xff)),
    Math.abs((a & 0xff) - (b & 0xff)),
  );
}

/**
 * Like expectCellsTrue with a tolerance: characters exact, every RGB channel of the foreground
 * (not for spaces) and of the black background within `tol`. Returns the largest error seen.
 */
function expectCellsNear(term: Term, cells: Uint8Array, cols: number, rows: number, tol: number): number {
  let worst = 0;
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < cols; x++) {
      const s = (y * cols + x) * 4;
      const c = cell(term, x, y);
      const where = `cell ${x},${y}`;
      if (c.getChars() !== String.fromCharCode(cells[s]!)) expect(c.getChars(), where).toBe(String.fromCharCode(cells[s]!));
      const errors = [channelDiff(c.getBgColor(), 0)];
      if (cells[s] !== 0x20) {
        expect(c.isFgRGB(), where).toBe(true);
        errors.push(channelDiff(c.getFgColor(), rgb(cells[s + 1]!, cells[s + 2]!, cells[s + 3]!)));
      }
      expect(c.isBgRGB(), where).toBe(true);
      for (const e of errors) {
        if (e > tol) expect(e, `${where} off by ${e} > ${tol}`).toBeLessThanOrEqual(tol);
        worst = Math.max(worst, e);
      }
    }
  }
  return worst;
}

/**
 * A smooth colour field drifting sideways a little each frame, like a slow pan: mostly small
 * colour changes per cell, a few larger jumps (edges), a fraction of the characters changing.
 */
function panFrames(cols: number, rows: number, count: number, seed: number): Uint8Array[] {
  const r = rng(seed);
  const frames: Uint8Array[] = [];
  let cells = randomCells(cols, rows, seed);
  for (let f = 0; f < count; f++) {
    cells = cells.slice();
    const shift = f * 0.7;
    for (let y = 0; y < rows; y++) {
      for (let x = 0; x < cols; x++) {
        const s = (y * cols + x) * 4;
        const u = (x + shift) / cols;
        const v = y / rows;
        const edge = Math.floor((x + shift) / 9) % 2 ? 60 : 0; // hard vertical stripes that move
        cells[s + 1] = Math.round(120 + 90 * Math.sin(6 * u) + edge * 0.5);
        cells[s + 2] = Math.round(110 + 80 * Math.cos(4 * u + 3 * v) - edge * 0.4);
        cells[s + 3] = Math.round(128 + 100 * v - 40 * Math.sin(9 * u) + (r() < 0.05 ? 30 : 0));
        if (r() < 0.2) cells[s] = RAMP.charCodeAt(Math.floor(r() * RAMP.length));
      }
    }
    frames.push(cells);
  }
  return frames;
}

// ---------------------------------------------------------------- tests

describe('detectColorDepth', () => {
  it('reads COLORTERM, then TERM', () => {
    expect(detectColorDepth({ COLORTERM: 'truecolor', TERM: 'xterm' })).toBe('truecolor');
    expect(detectColorDepth({ COLORTERM: '24bit' })).toBe('truecolor');
    expect(detectColorDepth({ TERM: 'xterm-256color' })).toBe('256');
    expect(detectColorDepth({ TERM: 'screen-256color', COLORTERM: '' })).toBe('256');
    expect(detectColorDepth({ TERM: 'xterm' })).toBe('16');
    expect(detectColorDepth({ TERM: 'linux' })).toBe('16');
    expect(detectColorDepth({ TERM: 'dumb' })).toBe('mono');
    expect(detectColorDepth({})).toBe('mono');
  });
});

describe('colour reduction', () => {
  it('nearest256 equals a brute-force search over xterm indices 16…255, ties included', () => {
    for (let r = 0; r < 256; r += 5) {
      for (let g = 0; g < 256; g += 5) {
        for (let b = 0; b < 256; b += 5) {
          const want = expected256(r, g, b);
          if (nearest256(r, g, b) !== want) expect(nearest256(r, g, b), `${r},${g},${b}`).toBe(want);
        }
      }
    }
    // Exact ties: cube black (0,0,0) and grey 8 are both 144 away from (0,0,12); cube levels
    // 95 and 135 are both 20 away from 115. The lower index wins, as in the search.
    for (const [r, g, b] of [[0, 0, 12], [0, 6, 6], [115, 115, 0], [115, 20, 235], [3, 6, 240]] as const) {
      expect(nearest256(r, g, b), `${r},${g},${b}`).toBe(expected256(r, g, b));
    }
    expect(nearest256(0, 0, 12)).toBe(16);
    expect(nearest256(128, 128, 128)).toBe(244);
  });

  it('nearest16 equals a brute-force search over the xterm defaults', () => {
    for (let r = 0; r < 256; r += 15) {
      for (let g = 0; g < 256; g += 15) {
        for (let b = 0; b < 256; b += 15) expect(nearest16(r, g, b), `${r},${g},${b}`).toBe(expected16(r, g, b));
      }
    }
  });
});

describe('VideoRenderer, ascii truecolor', () => {
  it('draws a frame, then only changed cells, then nothing for an identical frame', async () => {
    const cols = 60;
    const rows = 20;
    const term = makeTerm(cols, rows);
    const renderer = new VideoRenderer({ depth: 'truecolor', syncOutput: false });
    renderer.setRegion(0, 0, cols, rows);

    const frame1 = randomCells(cols, rows, 1);
    const out1 = renderer.renderCells(frame1, cols, rows);
    const bytes1 = out1.length;
    expect(bytes1).toBeGreaterThan(cols * rows * 10);
    await write(term, out1);
    expect(expectCellsTrue(term, frame1, cols, rows)).toBe(cols * rows);

    const frame2 = frame1.slice();
    const changed = [[3, 0], [4, 0], [30, 7], [59, 19], [0, 19], [12, 12]] as const;
    for (const [x, y] of changed) {
      const s = (y * cols + x) * 4;
      frame2[s] = 0x40; // '@'
      frame2[s + 1] = 250;
      frame2[s + 2] = (x * 4) & 0xff;
      frame2[s + 3] = 9;
    }
    const out2 = renderer.renderCells(frame2, cols, rows);
    expect(out2.length).toBeGreaterThan(0);
    expect(out2.length * 50).toBeLessThan(bytes1);
    await write(term, out2);
    expectCellsTrue(term, frame2, cols, rows);
    expect(cell(term, 59, 19).getChars()).toBe('@');
    expect(cell(term, 30, 7).getFgColor()).toBe(rgb(250, 120, 9));

    expect(renderer.renderCells(frame2.slice(), cols, rows).length).toBe(0);
  });

  it('writes only the difference, by CUF, CUP or reprinting, with golden bytes', () => {
    const renderer = new VideoRenderer({ depth: 'mono', syncOutput: false });
    renderer.setRegion(2, 4, 10, 2);
    const frame = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0)).reduce(
      (cells, c, i) => (cells.set([c, 0, 0, 0], i * 4), cells),
      new Uint8Array(s.length * 4),
    );
    expect(text(renderer.renderCells(frame('abcdefghijKLMNOPQRST'), 10, 2))).toBe(
      `${ESC}7${ESC}(B${ESC}[0m${ESC}[3;5Habcdefghij${ESC}[4;5HKLMNOPQRST${ESC}8`,
    );
    // Gap of 5 → CUF (ESC[5C, 4 bytes) beats CUP (ESC[3;13H, 8 bytes).
    expect(text(renderer.renderCells(frame('abXdefghYjKLMNOPQRST'), 10, 2))).toBe(
      `${ESC}7${ESC}(B${ESC}[0m${ESC}[3;7HX${ESC}[5CY${ESC}8`,
    );
    // Gap of 2 → reprint "de" (2 bytes) instead of moving; the second row by CUP.
    expect(text(renderer.renderCells(frame('abQdeZghYjKLMNOPQRSt'), 10, 2))).toBe(
      `${ESC}7${ESC}(B${ESC}[0m${ESC}[3;7HQdeZ${ESC}[4;14Ht${ESC}8`,
    );
  });

  it('never repeats an SGR already in effect', () => {
    const renderer = new VideoRenderer({ depth: 'truecolor', syncOutput: false });
    renderer.setRegion(0, 0, 8, 3);
    const cells = new Uint8Array(8 * 3 * 4);
    for (let i = 0; i < 24; i++) cells.set([0x41, 10, 20, 30], i * 4);
    const out = text(renderer.renderCells(cells, 8, 3));
    expect(out.split('38;2;10;20;30').length - 1).toBe(1);
    expect(out.split('48;2;0;0;0').length - 1).toBe(1);
    expect(out).toContain(`${ESC}[38;2;10;20;30;48;2;0;0;0m`);
  });

  it('redraws everything after invalidate, and draws over foreign output correctly', async () => {
    const term = makeTerm(20, 6);
    const renderer = new VideoRenderer({ depth: 'truecolor', syncOutput: true });
    renderer.setRegion(0, 0, 20, 6);
    const frame = randomCells(20, 6, 7);
    const first = renderer.renderCells(frame, 20, 6).length;
    await write(term, renderer.renderCells(frame, 20, 6)); // empty: nothing changed
    // Something else (blessed) scribbles over the region in its own colours.
    await write(term, `${ESC}[1;1H${ESC}[31;44;1mGARBAGE${ESC}[3;5Hxx`);
    renderer.invalidate();
    const again = renderer.renderCells(frame, 20, 6);
    expect(again.length).toBe(first);
    await write(term, again);
    expectCellsTrue(term, frame, 20, 6);
    expect(cell(term, 0, 0).isBold()).toBe(0);
  });

  it('draws mode-1 text frames in default colours', async () => {
    const term = makeTerm(12, 4);
    const renderer = new VideoRenderer({ depth: 'truecolor', syncOutput: false });
    renderer.setRegion(0, 0, 12, 4);
    await write(term, renderer.renderCells(randomCells(12, 4, 3), 12, 4));
    await write(term, renderer.renderText(['hello', 'ascii360!', 'x\u00e9y']));
    const lines = ['hello       ', 'ascii360!   ', 'x?y         ', '            '];
    for (let y = 0; y < 4; y++) {
      for (let x = 0; x < 12; x++) {
        const c = cell(term, x, y);
        expect(c.getChars() || ' ', `cell ${x},${y}`).toBe(lines[y]![x]);
        expect(c.isBgDefault(), `cell ${x},${y}`).toBe(true);
        if (lines[y]![x] !== ' ') expect(c.isFgDefault(), `cell ${x},${y}`).toBe(true);
      }
    }
  });

  it('draws control bytes in a frame as "?", never as escape sequences', async () => {
    const term = makeTerm(4, 1);
    const renderer = new VideoRenderer({ depth: 'mono', syncOutput: false });
    renderer.setRegion(0, 0, 4, 1);
    const out = renderer.renderCells(Uint8Array.of(0x1b, 0, 0, 0, 0x0a, 0, 0, 0, 0xe2, 0, 0, 0, 0x41, 0, 0, 0), 4, 1);
    await write(term, out);
    expect([0, 1, 2, 3].map((x) => cell(term, x, 0).getChars()).join('')).toBe('???A');
    expect(text(out)).not.toContain('\n');
  });
});

describe('VideoRenderer, blocks truecolor', () => {
  it('draws ▀ with the top pixel as foreground and the bottom one as background', async () => {
    const cols = 40;
    const rows = 12;
    const term = makeTerm(cols, rows);
    const renderer = new VideoRenderer({ depth: 'truecolor', syncOutput: false });
    renderer.setRegion(0, 0, cols, rows);

    const check = (bgr: Uint8Array) => {
      for (let y = 0; y < rows; y++) {
        for (let x = 0; x < cols; x++) {
          const t = (2 * y * cols + x) * 3;
          const b = t + cols * 3;
          const c = cell(term, x, y);
          expect(c.getChars(), `cell ${x},${y}`).toBe('\u2580');
          expect(c.isFgRGB() && c.isBgRGB(), `cell ${x},${y}`).toBe(true);
          expect(c.getFgColor(), `cell ${x},${y} top`).toBe(rgb(bgr[t + 2]!, bgr[t + 1]!, bgr[t]!));
          expect(c.getBgColor(), `cell ${x},${y} bottom`).toBe(rgb(bgr[b + 2]!, bgr[b + 1]!, bgr[b]!));
        }
      }
    };

    const px1 = randomPixels(cols, rows * 2, 11);
    const out1 = renderer.renderPixels(px1, cols, rows * 2);
    const bytes1 = out1.length;
    await write(term, out1);
    check(px1);

    const px2 = px1.slice();
    px2.set([1, 2, 3], (5 * cols + 9) * 3); // bottom half of cell 9,2
    px2.set([200, 100, 50], (0 * cols + 39) * 3); // top half of cell 39,0
    const out2 = renderer.renderPixels(px2, cols, rows * 2);
    expect(out2.length * 100).toBeLessThan(bytes1);
    await write(term, out2);
    check(px2);
    expect(renderer.renderPixels(px2, cols, rows * 2).length).toBe(0);
  });

  it('gives an odd last pixel row a black bottom half', async () => {
    const term = makeTerm(3, 2);
    const renderer = new VideoRenderer({ depth: 'truecolor', syncOutput: false });
    renderer.setRegion(0, 0, 3, 2);
    const px = randomPixels(3, 3, 5);
    await write(term, renderer.renderPixels(px, 3, 3));
    for (let x = 0; x < 3; x++) {
      const t = (2 * 3 + x) * 3;
      expect(cell(term, x, 1).getFgColor()).toBe(rgb(px[t + 2]!, px[t + 1]!, px[t]!));
      expect(cell(term, x, 1).getBgColor()).toBe(0);
    }
  });
});


/** Random fitted cells [glyph, fg RGB, bg RGB] using only glyph indices the style lists. */
function randomFitted(style: CellStyle, cols: number, rows: number, seed: number, colour: () => number = () => -1): Uint8Array {
  const r = rng(seed);
  const valid = [...style.glyphs.keys()].filter((g) => style.glyphs[g] !== 0);
  const cells = new Uint8Array(cols * rows * 7);
  for (let i = 0; i < cols * rows; i++) {
    cells[i * 7] = valid[Math.floor(r() * valid.length)]!;
    for (let k = 1; k < 7; k += 3) {
      const c = colour();
      const v = c >= 0 ? c : (Math.floor(r() * 256) << 16) | (Math.floor(r() * 256) << 8) | Math.floor(r() * 256);
      cells[i * 7 + k] = v >> 16;
      cells[i * 7 + k + 1] = (v >> 8) & 0xff;
      cells[i * 7 + k + 2] = v & 0xff;
    }
  }
  return cells;
}

describe('VideoRenderer, fitted styles', () => {
  const cols = 30;
  const rows = 8;
  const fitted = Object.values(CELL_STYLES).filter((st) => st.frames === 'fitted');

  it.each(fitted.map((st) => [st.name, st] as const))('%s: each cell shows its glyph in the foreground on the background, then only changes', async (_name, style) => {
    const term = makeTerm(cols, rows);
    const renderer = new VideoRenderer({ depth: 'truecolor', syncOutput: true });
    renderer.setRegion(0, 0, cols, rows);
    const check = (cells: Uint8Array): void => {
      for (let i = 0; i < cols * rows; i++) {
        const c = cell(term, i % cols, Math.floor(i / cols));
        const cp = style.glyphs[cells[i * 7]!]!;
        const where = `${style.name} cell ${i} glyph ${cells[i * 7]}`;
        expect(c.getChars(), where).toBe(String.fromCodePoint(cp));
        expect(c.getWidth(), where).toBe(1);
        expect(c.isBgRGB() && c.getBgColor(), where).toBe(rgb(cells[i * 7 + 4]!, cells[i * 7 + 5]!, cells[i * 7 + 6]!));
        if (cp !== 0x20) expect(c.isFgRGB() && c.getFgColor(), where).toBe(rgb(cells[i * 7 + 1]!, cells[i * 7 + 2]!, cells[i * 7 + 3]!));
      }
    };
    const first = randomFitted(style, cols, rows, 7);
    const out1 = renderer.renderFitted(first, cols, rows, style);
    const bytes1 = out1.length;
    await write(term, out1);
    check(first);
    const second = first.slice();
    second[(3 * cols + 5) * 7] = style.candidates[1]!;
    second.set([9, 8, 7], (6 * cols + 20) * 7 + 4);
    const out2 = renderer.renderFitted(second, cols, rows, style);
    expect(out2.length * 50).toBeLessThan(bytes1);
    await write(term, out2);
    check(second);
    expect(renderer.renderFitted(second, cols, rows, style).length).toBe(0);
  });

  it('a glyph index the table does not list draws as a space', async () => {
    const style = CELL_STYLES.octant;
    const term = makeTerm(4, 1);
    const renderer = new VideoRenderer({ depth: 'truecolor', syncOutput: false });
    renderer.setRegion(0, 0, 4, 1);
    // 0x01 is one of the six octant masks the table leaves out (§8.1); ascii has 95 glyphs.
    const cells = Uint8Array.from([0x01, 1, 2, 3, 4, 5, 6, 0x0f, 9, 9, 9, 1, 1, 1, 0xff, 5, 5, 5, 6, 6, 6, 0x04, 7, 7, 7, 8, 8, 8]);
    await write(term, renderer.renderFitted(cells, 4, 1, style));
    expect([0, 1, 2, 3].map((x) => cell(term, x, 0).getChars())).toEqual([' ', '\u2580', '\u2588', '\u{1cd00}']);
    await write(term, renderer.renderFitted(Uint8Array.from([200, 1, 1, 1, 2, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), 4, 1, CELL_STYLES.ascii));
    expect(cell(term, 0, 0).getChars()).toBe(' ');
  });

  it('256: palette-fitted colours land on their own palette index', async () => {
    const style = CELL_STYLES.sextant;
    const term = makeTerm(cols, rows);
    const renderer = new VideoRenderer({ depth: '256', syncOutput: false });
    renderer.setRegion(0, 0, cols, rows);
    const r = rng(5);
    const indices: number[] = [];
    const cells = randomFitted(style, cols, rows, 9, () => {
      const index = 16 + Math.floor(r() * 240);
      indices.push(index);
      return rgbOf256(index);
    });
    await write(term, renderer.renderFitted(cells, cols, rows, style));
    for (let i = 0; i < cols * rows; i++) {
      const c = cell(term, i % cols, Math.floor(i / cols));
      expect(c.isBgPalette() && c.getBgColor(), `cell ${i} bg`).toBe(indices[i * 2 + 1]);
      if (style.glyphs[cells[i * 7]!] !== 0x20) expect(c.isFgPalette() && c.getFgColor(), `cell ${i} fg`).toBe(indices[i * 2]);
    }
  });

  it('mono: the glyphs in default colours', async () => {
    const style = CELL_STYLES.quadrant;
    const term = makeTerm(cols, rows);
    const renderer = new VideoRenderer({ depth: 'mono', syncOutput: false });
    renderer.setRegion(0, 0, cols, rows);
    const cells = randomFitted(style, cols, rows, 3);
    const out = renderer.renderFitted(cells, cols, rows, style);
    expect(Buffer.from(out).toString('latin1')).not.toMatch(/\x1b\[[0-9;]*[34]8;/);
    await write(term, out);
    for (let i = 0; i < cols * rows; i++) {
      const c = cell(term, i % cols, Math.floor(i / cols));
      expect(c.getChars()).toBe(String.fromCodePoint(style.glyphs[cells[i * 7]!]!));
      expect(c.isFgDefault() && c.isBgDefault()).toBe(true);
    }
  });
});

describe('VideoRenderer, lines (ascii360 print)', () => {
  const cols = 30;
  const rows = 6;

  it('a fitted frame as lines: each row its glyphs and colours, then ESC[0m and a newline; no cursor moves, replayed cell for cell', async () => {
    const style = CELL_STYLES.mosaic;
    const cells = randomFitted(style, cols, rows, 11);
    const renderer = new VideoRenderer({ depth: 'truecolor', syncOutput: true, lines: true });
    renderer.setRegion(0, 0, cols, rows);
    const out = renderer.renderFitted(cells, cols, rows, style);
    const written = Buffer.from(out).toString('utf8');
    // Lines a pipe, a file and the scrollback keep: no CUP, no DECSC/DECRC, no synchronized output.
    expect(written).not.toMatch(/\x1b\[\d*;?\d*H|\x1b[78]|\x1b\[\?2026/);
    const rowsWritten = written.split('\n');
    expect(rowsWritten.pop()).toBe('');
    expect(rowsWritten).toHaveLength(rows);
    for (const line of rowsWritten) expect(line.endsWith('\x1b[0m')).toBe(true);
    // A terminal shows them as the frame (a pty turns each newline into CR LF).
    const term = new Terminal({ cols, rows: rows + 1, allowProposedApi: true, convertEol: true });
    await write(term, out);
    for (let i = 0; i < cols * rows; i++) {
      const c = cell(term, i % cols, Math.floor(i / cols));
      const cp = style.glyphs[cells[i * 7]!]!;
      const where = `cell ${i}`;
      expect(c.getChars(), where).toBe(String.fromCodePoint(cp));
      expect(c.isBgRGB() && c.getBgColor(), where).toBe(rgb(cells[i * 7 + 4]!, cells[i * 7 + 5]!, cells[i * 7 + 6]!));
      if (cp !== 0x20) expect(c.isFgRGB() && c.getFgColor(), where).toBe(rgb(cells[i * 7 + 1]!, cells[i * 7 + 2]!, cells[i * 7 + 3]!));
    }
    // The colours are back to the terminal's own after the last line: a prompt there is not painted.
    await write(term, 'x');
    const after = cell(term, 0, rows);
    expect([after.getChars(), after.isBgDefault(), after.isFgDefault()]).toEqual(['x', true, true]);
    // The same frame again is the same lines, not nothing: each render is the whole frame.
    expect(Buffer.from(renderer.renderFitted(cells, cols, rows, style)).equals(Buffer.from(written, 'utf8'))).toBe(true);
  });
});

describe('VideoRenderer, regions', () => {
  it('lands at an offset region and touches nothing outside it', async () => {
    const term = makeTerm(20, 8);
    await fillMarkers(term);
    const renderer = new VideoRenderer({ depth: 'truecolor', syncOutput: false });
    renderer.setRegion(1, 2, 10, 4);
    const frame = randomCells(10, 4, 21);
    await write(term, renderer.renderCells(frame, 10, 4));
    expect(expectCellsTrue(term, frame, 10, 4, 1, 2)).toBe(40);
    expectMarkersOutside(term, 1, 2, 10, 4);
  });

  it('fills a region in the bottom-right corner without wrapping or scrolling', async () => {
    const term = makeTerm(20, 8);
    await fillMarkers(term);
    const renderer = new VideoRenderer({ depth: '256', syncOutput: false });
    renderer.setRegion(4, 12, 8, 4);
    const frame = randomCells(8, 4, 22);
    const out = renderer.renderCells(frame, 8, 4);
    expect(text(out)).not.toMatch(/[\n\r]/);
    await write(term, out);
    expect(term.buffer.active.baseY).toBe(0);
    expect(term.buffer.active.length).toBe(8);
    expectMarkersOutside(term, 4, 12, 8, 4);
    for (let y = 0; y < 4; y++) {
      for (let x = 0; x < 8; x++) {
        expect(cell(term, 12 + x, 4 + y).getChars()).toBe(String.fromCharCode(frame[(y * 8 + x) * 4]!));
      }
    }
  });

  it('follows setRegion smaller and larger, and clears what a smaller frame leaves', async () => {
    const term = makeTerm(50, 20);
    await fillMarkers(term);
    const renderer = new VideoRenderer({ depth: 'truecolor', syncOutput: true });

    renderer.setRegion(3, 5, 30, 10);
    const a = randomCells(30, 10, 31);
    await write(term, renderer.renderCells(a, 30, 10));
    expectCellsTrue(term, a, 30, 10, 3, 5);
    expectMarkersOutside(term, 3, 5, 30, 10);

    // Smaller: the new region shows the new frame; nothing outside the old region was touched,
    // the rest of the old region is left to blessed's repaint.
    renderer.setRegion(3, 5, 16, 6);
    const b = randomCells(16, 6, 32);
    await write(term, renderer.renderCells(b, 16, 6));
    expectCellsTrue(term, b, 16, 6, 3, 5);
    expectMarkersOutside(term, 3, 5, 30, 10);
    expect(cell(term, 5 + 20, 3 + 8).getChars()).toBe(String.fromCharCode(a[(8 * 30 + 20) * 4]!));

    // Larger: every cell of it redrawn, including those that held the old frames.
    renderer.setRegion(2, 4, 36, 14);
    const c = randomCells(36, 14, 33);
    await write(term, renderer.renderCells(c, 36, 14));
    expectCellsTrue(term, c, 36, 14, 2, 4);
    expectMarkersOutside(term, 2, 4, 36, 14);

    // A frame smaller than the region: drawn top-left, the rest cleared to black spaces, once.
    const d = randomCells(20, 7, 34);
    await write(term, renderer.renderCells(d, 20, 7));
    expectCellsTrue(term, d, 20, 7, 2, 4);
    expectBlackSpaces(term, 2, 4 + 20, 16, 14);
    expectBlackSpaces(term, 2 + 7, 4, 36, 7);
    expectMarkersOutside(term, 2, 4, 36, 14);
    const d2 = d.slice();
    d2.set([0x5a, 1, 2, 3], (3 * 20 + 3) * 4);
    const small = renderer.renderCells(d2, 20, 7);
    expect(small.length).toBeLessThan(100); // the cleared area is not cleared again
    await write(term, small);
    expectCellsTrue(term, d2, 20, 7, 2, 4);

    // A frame larger than the region: its top-left part, cut at the region's edges.
    const e = randomCells(45, 18, 35);
    await write(term, renderer.renderCells(e, 45, 18));
    for (let y = 0; y < 14; y++) {
      for (let x = 0; x < 36; x++) {
        const s = (y * 45 + x) * 4;
        expect(cell(term, 4 + x, 2 + y).getChars()).toBe(String.fromCharCode(e[s]!));
        if (e[s] !== 0x20) expect(cell(term, 4 + x, 2 + y).getFgColor()).toBe(rgb(e[s + 1]!, e[s + 2]!, e[s + 3]!));
      }
    }
    expectMarkersOutside(term, 2, 4, 36, 14);
  });
});

describe('VideoRenderer, colour depths', () => {
  const cols = 32;
  const rows = 10;

  it('256: the nearest cube or grey-ramp index, never 0…15', async () => {
    const term = makeTerm(cols, rows);
    const renderer = new VideoRenderer({ depth: '256', syncOutput: false });
    renderer.setRegion(0, 0, cols, rows);
    const frame = paletteProbeCells(cols, rows, 41);
    await write(term, renderer.renderCells(frame, cols, rows));
    let greys = 0;
    for (let i = 0; i < cols * rows; i++) {
      const c = cell(term, i % cols, Math.floor(i / cols));
      const want = expected256(frame[i * 4 + 1]!, frame[i * 4 + 2]!, frame[i * 4 + 3]!);
      if (want >= 232) greys++;
      expect(c.isFgPalette(), `cell ${i}`).toBe(true);
      expect(c.getFgColor(), `cell ${i}`).toBe(want);
      expect(c.isBgPalette() && c.getBgColor() === 16, `cell ${i} bg`).toBe(true);
    }
    expect(greys).toBeGreaterThan(10); // the probe really exercised the grey ramp
  });

  it('256: colours that reduce to the same index are not rewritten', () => {
    const renderer = new VideoRenderer({ depth: '256', syncOutput: false });
    renderer.setRegion(0, 0, 4, 1);
    const a = Uint8Array.of(0x41, 0, 0, 0, 0x41, 95, 95, 95, 0x41, 255, 0, 0, 0x41, 100, 200, 40);
    renderer.renderCells(a, 4, 1);
    const b = Uint8Array.of(0x41, 1, 0, 2, 0x41, 96, 94, 95, 0x41, 252, 3, 1, 0x41, 101, 199, 41);
    expect(renderer.renderCells(b, 4, 1).length).toBe(0);
  });

  it('16: the nearest ANSI colour, bright ones included', async () => {
    const term = makeTerm(cols, rows);
    const renderer = new VideoRenderer({ depth: '16', syncOutput: false });
    renderer.setRegion(0, 0, cols, rows);
    const frame = paletteProbeCells(cols, rows, 42);
    frame.set([0x41, 255, 255, 255, 0x42, 250, 10, 10, 0x43, 0, 0, 230], 0);
    await write(term, renderer.renderCells(frame, cols, rows));
    const seen = new Set<number>();
    for (let i = 0; i < cols * rows; i++) {
      const c = cell(term, i % cols, Math.floor(i / cols));
      const want = expected16(frame[i * 4 + 1]!, frame[i * 4 + 2]!, frame[i * 4 + 3]!);
      seen.add(want);
      expect(c.isFgPalette(), `cell ${i}`).toBe(true);
      expect(c.getFgColor(), `cell ${i}`).toBe(want);
      expect(c.isBgPalette() && c.getBgColor() === 0, `cell ${i} bg`).toBe(true);
    }
    expect([0, 1, 2].map((x) => cell(term, x, 0).getFgColor())).toEqual([15, 9, 4]);
    expect(seen.size).toBeGreaterThan(8);
  });

  it('16 and 256 blocks: both halves reduced', async () => {
    for (const depth of ['16', '256'] as const) {
      const term = makeTerm(10, 3);
      const renderer = new VideoRenderer({ depth, syncOutput: false });
      renderer.setRegion(0, 0, 10, 3);
      const px = randomPixels(10, 6, 43);
      await write(term, renderer.renderPixels(px, 10, 6));
      const want = depth === '16' ? expected16 : expected256;
      for (let y = 0; y < 3; y++) {
        for (let x = 0; x < 10; x++) {
          const t = (2 * y * 10 + x) * 3;
          const b = t + 30;
          const c = cell(term, x, y);
          expect(c.getChars()).toBe('\u2580');
          expect(c.getFgColor(), `${depth} ${x},${y}`).toBe(want(px[t + 2]!, px[t + 1]!, px[t]!));
          expect(c.getBgColor(), `${depth} ${x},${y}`).toBe(want(px[b + 2]!, px[b + 1]!, px[b]!));
        }
      }
    }
  });

  it('mono ascii: characters only, default colours, no colour codes', async () => {
    const term = makeTerm(cols, rows);
    const renderer = new VideoRenderer({ depth: 'mono', syncOutput: false });
    renderer.setRegion(0, 0, cols, rows);
    const frame = randomCells(cols, rows, 44);
    const out = renderer.renderCells(frame, cols, rows);
    expect(text(out)).not.toMatch(/\x1b\[[0-9;]*[1-9][0-9;]*m/); // only ESC[0m
    await write(term, out);
    for (let i = 0; i < cols * rows; i++) {
      const c = cell(term, i % cols, Math.floor(i / cols));
      expect(c.getChars() || ' ').toBe(String.fromCharCode(frame[i * 4]!));
      expect(c.isFgDefault() && c.isBgDefault(), `cell ${i}`).toBe(true);
    }
  });

  it('mono blocks: a shade by the luma of the two pixels', async () => {
    const term = makeTerm(16, 4);
    const renderer = new VideoRenderer({ depth: 'mono', syncOutput: false });
    renderer.setRegion(0, 0, 16, 4);
    const px = randomPixels(16, 8, 45);
    px.fill(0, 0, 6); // cell 0,0 and 1,0 top pixels black…
    px.fill(0, 48, 54); // …and bottom pixels: a space
    px.fill(255, 6 * 16 * 3); // last row of cells all white: full blocks
    await write(term, renderer.renderPixels(px, 16, 8));
    const shades = ' \u2591\u2592\u2593\u2588';
    for (let y = 0; y < 4; y++) {
      for (let x = 0; x < 16; x++) {
        const t = (2 * y * 16 + x) * 3;
        const b = t + 48;
        const l = (luma601(px[t + 2]!, px[t + 1]!, px[t]!) + luma601(px[b + 2]!, px[b + 1]!, px[b]!)) / 2;
        const c = cell(term, x, y);
        expect(c.getChars() || ' ', `cell ${x},${y}`).toBe(shades[Math.min(4, Math.floor((Math.round(l) * 5) / 256))]);
        expect(c.isFgDefault() && c.isBgDefault()).toBe(true);
      }
    }
    expect(cell(term, 0, 0).getChars() || ' ').toBe(' ');
    expect(cell(term, 5, 3).getChars()).toBe('\u2588');
  });

  it('setDepth changes the colour codes and redraws', async () => {
    const term = makeTerm(8, 2);
    const renderer = new VideoRenderer({ depth: 'truecolor', syncOutput: false });
    renderer.setRegion(0, 0, 8, 2);
    const frame = paletteProbeCells(8, 2, 46);
    await write(term, renderer.renderCells(frame, 8, 2));
    renderer.setDepth('256');
    await write(term, renderer.renderCells(frame, 8, 2));
    for (let i = 0; i < 16; i++) {
      const c = cell(term, i % 8, Math.floor(i / 8));
      expect(c.isFgPalette()).toBe(true);
      expect(c.getFgColor()).toBe(expected256(frame[i * 4 + 1]!, frame[i * 4 + 2]!, frame[i * 4 + 3]!));
    }
  });
});

describe('VideoRenderer, colour tolerance', () => {
  it('keeps characters exact and every channel within T on screen through a pan, for fewer bytes', async () => {
    const cols = 48;
    const rows = 14;
    const frames = panFrames(cols, rows, 12, 61);
    const bytesAt = new Map<number, number>();
    for (const t of Object.values(QUALITY_TOLERANCE)) {
      const term = makeTerm(cols, rows);
      const renderer = new VideoRenderer({ depth: 'truecolor', syncOutput: true, tolerance: t });
      renderer.setRegion(0, 0, cols, rows);
      let bytes = 0;
      let worst = 0;
      for (const [f, frame] of frames.entries()) {
        const out = renderer.renderCells(frame, cols, rows);
        if (f > 0) bytes += out.length;
        await write(term, out);
        worst = Math.max(worst, expectCellsNear(term, frame, cols, rows, t));
      }
      if (t === 0) expect(worst).toBe(0);
      else expect(worst, `T=${t} uses its band`).toBeGreaterThan(t / 2); // tolerance really applied
      bytesAt.set(t, bytes);
    }
    expect(bytesAt.get(4)!).toBeLessThan(bytesAt.get(0)! * 0.8);
    expect(bytesAt.get(8)!).toBeLessThan(bytesAt.get(4)!);
    expect(bytesAt.get(16)!).toBeLessThan(bytesAt.get(8)!);
  });

  it('fitted: a cell whose glyph changes is kept when its picture stays within T at every sample, and only then', async () => {
    const style = CELL_STYLES.mosaic;
    const n = style.subX * style.subY;
    const cols = 40;
    const rows = 10;
    const t = 8;
    const frames = Array.from({ length: 12 }, () => new Uint8Array(cols * rows * 7));
    // Each cell keeps its colour from frame to frame (drifting by up to 2) but takes a new glyph
    // each frame: a third of the cells are near-flat (foreground 4 above background), so their
    // flips change the picture by little; the rest have a contrast of 60, so theirs show.
    const r = rng(71);
    const base = Array.from({ length: cols * rows }, () => [0, 1, 2].map(() => 30 + Math.floor(r() * 150)));
    const drawn = (cells: Uint8Array, i: number, k: number, c: number) => {
      const w = style.coverage[cells[i * 7]! * n + k]!;
      return w * cells[i * 7 + 1 + c]! + (1 - w) * cells[i * 7 + 4 + c]!;
    };
    for (const cells of frames) {
      for (let i = 0; i < cols * rows; i++) {
        const b = base[i]!.map((v) => v + Math.floor(r() * 5) - 2);
        base[i] = b;
        const glyph = style.candidates[Math.floor(r() * style.candidates.length)]!;
        const spread = i % 3 === 0 ? 4 : 60;
        cells.set([glyph, ...b.map((v) => v + spread), ...b], i * 7);
      }
    }
    const term = makeTerm(cols, rows);
    const renderer = new VideoRenderer({ depth: 'truecolor', syncOutput: false, tolerance: t });
    renderer.setRegion(0, 0, cols, rows);
    const shapes = coverageByCodePoint(style);
    let kept = 0;
    for (const cells of frames) {
      await write(term, renderer.renderFitted(cells, cols, rows, style));
      for (let i = 0; i < cols * rows; i++) {
        const c = cell(term, i % cols, Math.floor(i / cols));
        const cp = c.getChars().codePointAt(0) ?? 0x20;
        const shape = shapes.get(cp)!;
        expect(shape, `cell ${i}: a glyph of the style`).toBeDefined();
        if (cp !== style.glyphs[cells[i * 7]!]) kept++;
        // Whatever glyph is on screen, the picture at every sample is within T of the frame's.
        const fg = c.getFgColor();
        const bg = c.getBgColor();
        for (let k = 0; k < n; k++) {
          for (let ch = 0; ch < 3; ch++) {
            const shift = 16 - 8 * ch;
            const on = shape[k]! * ((fg >> shift) & 0xff) + (1 - shape[k]!) * ((bg >> shift) & 0xff);
            expect(Math.abs(on - drawn(cells, i, k, ch)), `cell ${i} sample ${k}`).toBeLessThanOrEqual(t + 1e-9);
          }
        }
      }
    }
    // Glyph flips that drew the same picture were kept, not rewritten.
    expect(kept).toBeGreaterThan(50);
  });

  it('blocks: both halves within T, the character exact', async () => {
    const cols = 30;
    const rows = 8;
    const t = 8;
    const term = makeTerm(cols, rows);
    const renderer = new VideoRenderer({ depth: 'truecolor', syncOutput: false, tolerance: t });
    const exact = new VideoRenderer({ depth: 'truecolor', syncOutput: false });
    renderer.setRegion(0, 0, cols, rows);
    exact.setRegion(0, 0, cols, rows);
    let worst = 0;
    let bytes = 0;
    let exactBytes = 0;
    for (const frame of panFrames(cols, rows * 2, 8, 62)) {
      const bgr = new Uint8Array(cols * rows * 2 * 3);
      for (let i = 0; i < cols * rows * 2; i++) bgr.set([frame[i * 4 + 3]!, frame[i * 4 + 2]!, frame[i * 4 + 1]!], i * 3);
      exactBytes += exact.renderPixels(bgr, cols, rows * 2).length;
      const out = renderer.renderPixels(bgr, cols, rows * 2);
      bytes += out.length;
      await write(term, out);
      for (let y = 0; y < rows; y++) {
        for (let x = 0; x < cols; x++) {
          const top = (2 * y * cols + x) * 3;
          const bottom = top + cols * 3;
          const c = cell(term, x, y);
          expect(c.getChars()).toBe('\u2580');
          const eTop = channelDiff(c.getFgColor(), rgb(bgr[top + 2]!, bgr[top + 1]!, bgr[top]!));
          const eBottom = channelDiff(c.getBgColor(), rgb(bgr[bottom + 2]!, bgr[bottom + 1]!, bgr[bottom]!));
          if (Math.max(eTop, eBottom) > t) expect([eTop, eBottom], `cell ${x},${y}`).toEqual([t, t]);
          worst = Math.max(worst, eTop, eBottom);
        }
      }
    }
    expect(worst).toBeGreaterThan(t / 2);
    expect(bytes).toBeLessThan(exactBytes * 0.68); // 0.64 measured; 0.72 with the background kept exact
  });

  it('rewrites a slowly drifting cell whenever it would leave the band, never later', async () => {
    const t = 4;
    const term = makeTerm(4, 1);
    const renderer = new VideoRenderer({ depth: 'truecolor', syncOutput: false, tolerance: t });
    renderer.setRegion(0, 0, 4, 1);
    const written: number[] = [];
    for (let f = 0; f <= 20; f++) {
      // Cell 0 red +1 per frame, cell 2 all channels −1 per frame; cells 1 and 3 stay put.
      const frame = Uint8Array.of(0x41, 100 + f, 20, 30, 0x42, 200, 200, 10, 0x43, 90 - f, 160 - f, 250 - f, 0x44, 5, 5, 5);
      const out = renderer.renderCells(frame, 4, 1);
      if (out.length > 0) written.push(f);
      await write(term, out);
      expectCellsNear(term, frame, 4, 1, t);
      // Each drifting cell is drawn exactly at its latest rewrite (a run of one cell is exact).
      const last = Math.floor(f / (t + 1)) * (t + 1);
      expect(cell(term, 0, 0).getFgColor(), `frame ${f}`).toBe(rgb(100 + last, 20, 30));
      expect(cell(term, 2, 0).getFgColor(), `frame ${f}`).toBe(rgb(90 - last, 160 - last, 250 - last));
    }
    expect(written).toEqual([0, 5, 10, 15, 20]);
  });

  it('always writes a change larger than T, even next to a colour in effect', async () => {
    const t = 8;
    const term = makeTerm(6, 1);
    const renderer = new VideoRenderer({ depth: 'truecolor', syncOutput: false, tolerance: t });
    renderer.setRegion(0, 0, 6, 1);
    const a = Uint8Array.of(0x41, 50, 50, 50, 0x41, 50, 50, 50, 0x41, 50, 50, 50, 0x41, 50, 50, 50, 0x41, 50, 50, 50, 0x41, 50, 50, 50);
    await write(term, renderer.renderCells(a, 6, 1));
    expectCellsNear(term, a, 6, 1, 0);
    // One channel of one cell by T+1; one cell's character with its colour by 1 (same SGR will do).
    const b = a.slice();
    b[2 * 4 + 2] = 50 + t + 1;
    b[4 * 4] = 0x5a;
    b[4 * 4 + 3] = 51;
    await write(term, renderer.renderCells(b, 6, 1));
    expectCellsNear(term, b, 6, 1, t); // cell 2 had to be rewritten to get within T
    expect(cell(term, 2, 0).getFgColor()).not.toBe(rgb(50, 50, 50));
    expect(cell(term, 4, 0).getChars()).toBe('Z');
    // Within T of every cell now: nothing more to write.
    const c = b.slice();
    for (let i = 0; i < 6; i++) c[i * 4 + 1] = 50 + (i % 2 ? t : -t);
    expect(renderer.renderCells(c, 6, 1).length).toBe(0);
    c[1] = 50 - t - 1;
    await write(term, renderer.renderCells(c, 6, 1));
    expectCellsNear(term, c, 6, 1, t);
  });

  it('tolerance 0 (the default) is exact and byte-for-byte the old behaviour', async () => {
    const cols = 40;
    const rows = 10;
    const frames = panFrames(cols, rows, 6, 63);
    const byDefault = new VideoRenderer({ depth: 'truecolor', syncOutput: false });
    const zero = new VideoRenderer({ depth: 'truecolor', syncOutput: false, tolerance: 0 });
    byDefault.setRegion(0, 0, cols, rows);
    zero.setRegion(0, 0, cols, rows);
    const term = makeTerm(cols, rows);
    for (const frame of frames) {
      const out = text(zero.renderCells(frame, cols, rows));
      expect(out).toBe(text(byDefault.renderCells(frame, cols, rows)));
      await write(term, out);
      expect(expectCellsTrue(term, frame, cols, rows)).toBe(cols * rows);
    }
  });

  it('setTolerance(0) after a tolerant frame makes the next frame exact again', async () => {
    const cols = 40;
    const rows = 10;
    const [a, b] = panFrames(cols, rows, 2, 64);
    const term = makeTerm(cols, rows);
    const renderer = new VideoRenderer({ depth: 'truecolor', syncOutput: false, tolerance: 16 });
    renderer.setRegion(0, 0, cols, rows);
    await write(term, renderer.renderCells(a!, cols, rows));
    expect(expectCellsNear(term, a!, cols, rows, 16)).toBeGreaterThan(0);
    renderer.setTolerance(0);
    await write(term, renderer.renderCells(b!, cols, rows));
    expectCellsTrue(term, b!, cols, rows);
    expect(renderer.renderCells(b!, cols, rows).length).toBe(0);
  });

  it('compares 256 and 16 colour indices exactly, whatever the tolerance', async () => {
    for (const depth of ['256', '16'] as const) {
      const term = makeTerm(3, 1);
      const renderer = new VideoRenderer({ depth, syncOutput: false, tolerance: 16 });
      renderer.setRegion(0, 0, 3, 1);
      // Neighbouring indices (16 → 17 in 256; 0 → 1 in 16) must not count as "within 16".
      const a = Uint8Array.of(0x41, 0, 0, 0, 0x41, 114, 0, 0, 0x41, 20, 20, 20);
      const b = Uint8Array.of(0x41, 0, 0, 95, 0x41, 116, 0, 0, 0x41, 205, 0, 0);
      await write(term, renderer.renderCells(a, 3, 1));
      await write(term, renderer.renderCells(b, 3, 1));
      const want = depth === '256' ? expected256 : expected16;
      for (let x = 0; x < 3; x++) {
        expect(cell(term, x, 0).getFgColor(), `${depth} cell ${x}`).toBe(want(b[x * 4 + 1]!, b[x * 4 + 2]!, b[x * 4 + 3]!));
      }
    }
  });

  it('rejects a tolerance that is not a whole number in 0…255', () => {
    const renderer = new VideoRenderer({ depth: 'truecolor', syncOutput: false });
    for (const bad of [-1, 256, 2.5, Number.NaN]) {
      expect(() => renderer.setTolerance(bad)).toThrow(RangeError);
    }
    expect(() => new VideoRenderer({ depth: 'truecolor', syncOutput: false, tolerance: -3 })).toThrow(
      'setTolerance: tolerance must be a whole number in 0…255, got -3',
    );
  });
});

describe('VideoRenderer, output framing', () => {
  it('wraps each frame in synchronized output when enabled, and only then', () => {
    const frame = randomCells(6, 2, 51);
    const synced = new VideoRenderer({ depth: 'truecolor', syncOutput: true });
    synced.setRegion(0, 0, 6, 2);
    const a = text(synced.renderCells(frame, 6, 2));
    expect(a.startsWith(`${ESC}[?2026h${ESC}7`)).toBe(true);
    expect(a.endsWith(`${ESC}8${ESC}[?2026l`)).toBe(true);
    expect(a.split('?2026').length - 1).toBe(2);
    expect(synced.renderCells(frame, 6, 2).length).toBe(0); // no empty synchronized update

    const plain = new VideoRenderer({ depth: 'truecolor', syncOutput: false });
    plain.setRegion(0, 0, 6, 2);
    const b = text(plain.renderCells(frame, 6, 2));
    expect(b).not.toContain('2026');
    expect(b.startsWith(`${ESC}7${ESC}(B${ESC}[0m`)).toBe(true);
    expect(a.length).toBe(b.length + 16);
  });

  it('restores the cursor and attributes it found (DECSC/DECRC)', async () => {
    const term = makeTerm(10, 3);
    await write(term, `${ESC}[3;7H${ESC}[1;35m`);
    const renderer = new VideoRenderer({ depth: 'truecolor', syncOutput: false });
    renderer.setRegion(0, 0, 10, 2);
    await write(term, renderer.renderCells(randomCells(10, 2, 52), 10, 2));
    expect([term.buffer.active.cursorX, term.buffer.active.cursorY]).toEqual([6, 2]);
    await write(term, 'Q');
    const c = cell(term, 6, 2);
    expect(c.isBold()).toBeTruthy();
    expect(c.isFgPalette() && c.getFgColor() === 5).toBe(true);
  });

  it('fullRedraw writes every cell with its own SGR and still draws the frame', async () => {
    const term = makeTerm(12, 4);
    const naive = new VideoRenderer({ depth: 'truecolor', syncOutput: false, fullRedraw: true });
    naive.setRegion(0, 0, 12, 4);
    const frame = randomCells(12, 4, 53);
    const out = naive.renderCells(frame, 12, 4);
    expect(text(out).split('48;2;0;0;0').length - 1).toBe(48);
    await write(term, out);
    expectCellsTrue(term, frame, 12, 4);
    expect(naive.renderCells(frame, 12, 4).length).toBe(out.length); // no diffing
  });
});

describe('measureTerminalBytes', () => {
  it('a static view costs nothing, a pan less than a naive redraw', async () => {
    const r = await measureTerminalBytes({ frames: 8 });
    expect(r.staticBytes).toBe(0);
    expect(r.panBytes).toBeGreaterThan(1000);
    expect(r.panBytes).toBeLessThan(r.naiveBytes);
    expect(r.naiveBytes).toBeGreaterThan(160 * 45 * 30);
    expect(r.tolerance.map((t) => t.tolerance)).toEqual([0, 4, 8, 16]);
    expect(r.tolerance[0]!.asciiBytes).toBe(r.panBytes);
    expect(r.tolerance[0]!.blocksBytes).toBe(r.blocksPanBytes);
    for (const [k, t] of r.tolerance.entries()) {
      expect(t.asciiMaxError).toBeLessThanOrEqual(t.tolerance);
      expect(t.blocksMaxError).toBeLessThanOrEqual(t.tolerance);
      if (k > 0) {
        expect(t.asciiBytes).toBeLessThan(r.tolerance[k - 1]!.asciiBytes);
        expect(t.blocksBytes).toBeLessThan(r.tolerance[k - 1]!.blocksBytes);
      }
    }
    expect(r.tolerance[2]!.asciiBytes).toBeLessThan(60 * 1024); // balanced meets the pan budget
    // The default style's pan at the configured tolerance costs more than the frame budget; the
    // client raises the tolerance until it fits (tolerance-governor.ts).
    const configured = r.fitted.find((t) => t.tolerance === 8)!;
    expect(configured.bytes).toBeGreaterThan(60 * 1024);
    expect(r.fittedClient.bytes).toBeLessThanOrEqual(60 * 1024);
    expect(r.fittedClient.tolerance).toBeGreaterThan(8);
    expect(r.fittedClient.tolerance).toBeLessThanOrEqual(32);
  }, 60_000);
});
