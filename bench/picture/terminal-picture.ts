/**
 * Terminal bytes → the picture a terminal shows: the bytes are replayed into @xterm/headless (a real
 * terminal emulator, not our own model), each cell's character and colours are read back from its
 * buffer, and the cells are drawn at 8×16 pixels with GlyphBook's coverage, foreground blended over
 * background. The same path serves our renderer's output and the peers' (chafa, timg).
 */
import xterm from '@xterm/headless';
import { ANSI16, rgbOf256 } from '../../protocol/palettes.js';
import { CELL_H, CELL_W, GlyphBook } from './glyphs.js';

const { Terminal } = xterm;

/** xterm.js's default theme colours, what a default foreground or background shows. */
const DEFAULT_FG = 0xffffff;
const DEFAULT_BG = 0x000000;
/** Rows replayed beyond the grid, so a peer's trailing newline does not scroll the picture away. */
const SPARE_ROWS = 3;

export interface ScreenCells {
  cols: number;
  rows: number;
  /** Code point per cell (0x20 for an empty cell), fg and bg as 0xRRGGBB after inverse video. */
  chars: Uint32Array;
  fg: Int32Array;
  bg: Int32Array;
  /** Columns × rows holding anything but default-coloured blanks: the grid the bytes really drew. */
  drawnCols: number;
  drawnRows: number;
  /** Cells the emulator saw as wide or as the tail of a wide character (drawn as the first half only). */
  wide: number;
}

function paletteRgb(index: number): number {
  return index < 16 ? ANSI16[index]! : rgbOf256(index);
}

/** Replays `bytes` into a fresh cols × (rows + SPARE_ROWS) terminal and reads the top cols × rows back. */
export async function replay(bytes: Uint8Array, cols: number, rows: number): Promise<ScreenCells> {
  // convertEol: a tty turns "\n" into "\r\n" (ONLCR) for the peers that print lines; our renderer never writes one.
  const term = new Terminal({ cols, rows: rows + SPARE_ROWS, allowProposedApi: true, scrollback: 0, convertEol: true });
  try {
    await new Promise<void>((resolve) => term.write(bytes, resolve));
    const buf = term.buffer.active;
    const n = cols * rows;
    const chars = new Uint32Array(n);
    const fg = new Int32Array(n);
    const bg = new Int32Array(n);
    let drawnCols = 0;
    let drawnRows = 0;
    let wide = 0;
    const cell = buf.getNullCell();
    for (let y = 0; y < rows + SPARE_ROWS; y++) {
      const line = buf.getLine(buf.viewportY + y);
      for (let x = 0; x < cols; x++) {
        const c = line?.getCell(x, cell);
        if (!c) continue;
        const text = c.getChars();
        const cp = text.length > 0 ? text.codePointAt(0)! : 0x20;
        const f = c.isFgRGB() ? c.getFgColor() : c.isFgPalette() ? paletteRgb(c.getFgColor()) : DEFAULT_FG;
        const b = c.isBgRGB() ? c.getBgColor() : c.isBgPalette() ? paletteRgb(c.getBgColor()) : DEFAULT_BG;
        const inverse = c.isInverse() !== 0;
        const shown = cp !== 0x20 || !c.isBgDefault() || inverse;
        if (shown) {
          drawnCols = Math.max(drawnCols, x + 1);
          drawnRows = Math.max(drawnRows, y + 1);
        }
        if (y >= rows) continue;
        if (c.getWidth() !== 1) wide++;
        const i = y * cols + x;
        chars[i] = cp;
        fg[i] = inverse ? b : f;
        bg[i] = inverse ? f : b;
      }
    }
    return { cols, rows, chars, fg, bg, drawnCols, drawnRows, wide };
  } finally {
    term.dispose();
  }
}

/** Draws the cells at CELL_W × CELL_H pixels each: RGB24, (cols·8) × (rows·16). */
export async function drawCells(screen: ScreenCells, book: GlyphBook): Promise<Uint8Array> {
  await book.prepare(screen.chars);
  const { cols, rows } = screen;
  const width = cols * CELL_W;
  const img = new Uint8Array(width * rows * CELL_H * 3);
  for (let cy = 0; cy < rows; cy++) {
    for (let cx = 0; cx < cols; cx++) {
      const i = cy * cols + cx;
      const alpha = book.alpha(screen.chars[i]!);
      const f = screen.fg[i]!;
      const b = screen.bg[i]!;
      const fr = f >> 16, fgc = (f >> 8) & 0xff, fb = f & 0xff;
      const br = b >> 16, bgc = (b >> 8) & 0xff, bb = b & 0xff;
      for (let y = 0; y < CELL_H; y++) {
        let o = ((cy * CELL_H + y) * width + cx * CELL_W) * 3;
        for (let x = 0; x < CELL_W; x++, o += 3) {
          const a = alpha[y * CELL_W + x]!;
          img[o] = Math.round(br + a * (fr - br));
          img[o + 1] = Math.round(bgc + a * (fgc - bgc));
          img[o + 2] = Math.round(bb + a * (fb - bb));
        }
      }
    }
  }
  return img;
}
