/**
 * The Canvas 2D renderer: the fallback where WebGL2 is missing, and the faster path where WebGL2
 * only runs on a software rasteriser (create-renderer.ts). No per-cell fillText.
 *
 * The canvas's pixels live in one ImageData. A frame of cells (§3.1) or fitted cells (§3.6) is
 * compared with the cells on screen, two 32-bit words per cell (atlas slot, foreground and
 * background colour); each changed cell is composed from its glyph's coverage in the atlas, as
 * background + (foreground − background) × coverage (ramp cells: on black), and only the band of
 * rows that changed goes back with one putImageData. Half-block pixel frames are written one canvas
 * pixel per frame pixel and scaled up by the browser (grid-renderer.ts).
 *
 * Pixels are written as 32-bit words: this assumes a little-endian machine (every browser platform
 * in use), where RGBA bytes read as 0xAABBGGRR.
 */
import type { StyleName } from '../../../protocol/index.js';
import type { CellFont } from './cell-font.js';
import { fittedSection, TEXT_SECTION, type GlyphSection } from './glyph-atlas.js';
import { sizeCanvas, type GridRenderer } from './grid-renderer.js';

const OPAQUE_BLACK = 0xff000000;
/** Bytes per cell of each cell layout. */
const RAMP_CELL = 4;
const FITTED_CELL = 7;

export class Canvas2DRenderer implements GridRenderer {
  readonly kind = '2d';
  private readonly ctx: CanvasRenderingContext2D;
  private image: ImageData | null = null;
  private words = new Uint32Array(0);
  /**
   * The cells on screen, two words each: foreground RGB | low byte of the slot << 24, background
   * RGB | high bits of the slot << 24. `screenValid` false means "repaint all".
   */
  private screen = new Uint32Array(0);
  private screenValid = false;

  static create(canvas: HTMLCanvasElement, font: CellFont): Canvas2DRenderer | null {
    const ctx = canvas.getContext('2d', { alpha: false });
    return ctx ? new Canvas2DRenderer(canvas, ctx, font) : null;
  }

  private constructor(
    private readonly canvas: HTMLCanvasElement,
    ctx: CanvasRenderingContext2D,
    private font: CellFont,
  ) {
    this.ctx = ctx;
  }

  setFont(font: CellFont): void {
    this.font = font;
    this.screenValid = false;
  }

  /** Sizes canvas and ImageData; a new size means nothing on screen is known. */
  private ensure(cols: number, rows: number, width: number, height: number): Uint32Array {
    const resized = sizeCanvas(this.canvas, this.font, cols, rows, width, height);
    if (resized || !this.image || this.image.width !== width || this.image.height !== height) {
      this.image = this.ctx.createImageData(width, height);
      this.words = new Uint32Array(this.image.data.buffer);
      this.screenValid = false;
    }
    return this.words;
  }

  drawCells(cells: Uint8Array, cols: number, rows: number): void {
    this.compose(cells, cols, rows, RAMP_CELL, TEXT_SECTION);
  }

  drawFitted(cells: Uint8Array, cols: number, rows: number, style: StyleName): void {
    this.compose(cells, cols, rows, FITTED_CELL, fittedSection(style));
  }

  /** Cells of `unit` bytes (4: char + colour on black; 7: glyph + foreground + background) through the atlas. */
  private compose(cells: Uint8Array, cols: number, rows: number, unit: number, section: GlyphSection): void {
    const { width: cw, height: ch, mask, atlasWidth, slotOffset } = this.font;
    const words = this.ensure(cols, rows, cols * cw, rows * ch);
    if (this.screen.length !== cols * rows * 2) {
      this.screen = new Uint32Array(cols * rows * 2);
      this.screenValid = false;
    }
    const screen = this.screen;
    const valid = this.screenValid;
    const stride = cols * cw;
    const fitted = unit === FITTED_CELL;
    const { base, count, first } = section;
    let firstRow = rows;
    let lastRow = -1;
    for (let y = 0; y < rows; y++) {
      for (let x = 0; x < cols; x++) {
        const i = y * cols + x;
        const o = i * unit;
        const g = cells[o]! - first;
        const slot = g >= 0 && g < count ? base + g : 0;
        const r = cells[o + 1]!;
        const gr = cells[o + 2]!;
        const b = cells[o + 3]!;
        const br = fitted ? cells[o + 4]! : 0;
        const bg = fitted ? cells[o + 5]! : 0;
        const bb = fitted ? cells[o + 6]! : 0;
        const key0 = (r | (gr << 8) | (b << 16) | ((slot & 0xff) << 24)) >>> 0;
        const key1 = (br | (bg << 8) | (bb << 16) | ((slot >>> 8) << 24)) >>> 0;
        if (valid && screen[2 * i] === key0 && screen[2 * i + 1] === key1) continue;
        screen[2 * i] = key0;
        screen[2 * i + 1] = key1;
        if (y < firstRow) firstRow = y;
        lastRow = y;
        const fgWord = (OPAQUE_BLACK | (b << 16) | (gr << 8) | r) >>> 0;
        const bgWord = (OPAQUE_BLACK | (bb << 16) | (bg << 8) | br) >>> 0;
        // Blends for two channels per multiply: red and blue in one word, green in another. Each
        // 16-bit lane sums to at most 255·256, so nothing carries into the next lane.
        const rbF = r | (b << 16);
        const gF = gr << 8;
        const rbB = br | (bb << 16);
        const gB = bg << 8;
        let m = slotOffset[slot]!;
        let p = y * ch * stride + x * cw;
        for (let yy = 0; yy < ch; yy++, m += atlasWidth, p += stride) {
          for (let xx = 0; xx < cw; xx++) {
            const a = mask[m + xx]!;
            if (a === 0) {
              words[p + xx] = bgWord;
            } else if (a === 255) {
              words[p + xx] = fgWord;
            } else {
              // a + (a >> 7) maps 0..255 onto 0..256, so the weights of both colours sum to 256.
              const k = a + (a >> 7);
              const j = 256 - k;
              words[p + xx] = (OPAQUE_BLACK | (((rbF * k + rbB * j) >>> 8) & 0x00ff00ff) | (((gF * k + gB * j) >>> 8) & 0x0000ff00)) >>> 0;
            }
          }
        }
      }
    }
    this.screenValid = true;
    if (lastRow >= 0) this.ctx.putImageData(this.image!, 0, 0, 0, firstRow * ch, stride, (lastRow - firstRow + 1) * ch);
  }

  drawPixels(bgr: Uint8Array, cols: number, pixelRows: number): void {
    const words = this.ensure(cols, Math.ceil(pixelRows / 2), cols, pixelRows);
    this.screenValid = false; // the cells model no longer describes the canvas
    const n = cols * pixelRows;
    for (let i = 0, o = 0; i < n; i++, o += 3) {
      words[i] = (OPAQUE_BLACK | (bgr[o]! << 16) | (bgr[o + 1]! << 8) | bgr[o + 2]!) >>> 0;
    }
    this.ctx.putImageData(this.image!, 0, 0);
  }

  sync(): void {
    this.ctx.getImageData(0, 0, 1, 1);
  }

  dispose(): void {
    this.image = null;
    this.words = new Uint32Array(0);
    this.screen = new Uint32Array(0);
  }
}
