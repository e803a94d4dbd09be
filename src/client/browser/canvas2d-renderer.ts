/**
 * The Canvas 2D renderer: the fallback where WebGL2 is missing, and the faster path where WebGL2
 * only runs on a software rasteriser (create-renderer.ts). No per-cell fillText.
 *
 * The canvas's pixels live in one ImageData. A cell frame is compared with the cells on screen, 32
 * bits at a time; each changed cell is composed from its glyph's coverage in the atlas times its
 * colour, and only the band of rows that changed goes back with one putImageData. Half-block pixel
 * frames are written one canvas pixel per frame pixel and scaled up by the browser (grid-renderer.ts).
 *
 * Pixels are written as 32-bit words: this assumes a little-endian machine (every browser platform
 * in use), where RGBA bytes read as 0xAABBGGRR.
 */
import { ATLAS_COLUMNS, glyphIndex, type CellFont } from './cell-font.js';
import { sizeCanvas, type GridRenderer } from './grid-renderer.js';

const OPAQUE_BLACK = 0xff000000;

export class Canvas2DRenderer implements GridRenderer {
  readonly kind = '2d';
  private readonly ctx: CanvasRenderingContext2D;
  private image: ImageData | null = null;
  private words = new Uint32Array(0);
  /** The cells on screen as 32-bit words; `screenValid` false means "repaint all". */
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
    const { width: cw, height: ch, mask, atlasWidth } = this.font;
    const words = this.ensure(cols, rows, cols * cw, rows * ch);
    if (this.screen.length !== cols * rows) {
      this.screen = new Uint32Array(cols * rows);
      this.screenValid = false;
    }
    const screen = this.screen;
    const valid = this.screenValid;
    const stride = cols * cw;
    let firstRow = rows;
    let lastRow = -1;
    for (let y = 0; y < rows; y++) {
      for (let x = 0; x < cols; x++) {
        const i = y * cols + x;
        const o = i * 4;
        const code = cells[o]!;
        const r = cells[o + 1]!;
        const g = cells[o + 2]!;
        const b = cells[o + 3]!;
        const key = (code | (r << 8) | (g << 16) | (b << 24)) >>> 0;
        if (valid && screen[i] === key) continue;
        screen[i] = key;
        if (y < firstRow) firstRow = y;
        lastRow = y;
        // Colour × coverage for two channels per multiply: red and blue in one word, green in another.
        const rb = r | (b << 16);
        const gg = g << 8;
        const glyph = glyphIndex(code);
        let m = Math.floor(glyph / ATLAS_COLUMNS) * ch * atlasWidth + (glyph % ATLAS_COLUMNS) * cw;
        let p = y * ch * stride + x * cw;
        for (let yy = 0; yy < ch; yy++, m += atlasWidth, p += stride) {
          for (let xx = 0; xx < cw; xx++) {
            const a = mask[m + xx]!;
            if (a === 0) {
              words[p + xx] = OPAQUE_BLACK;
            } else {
              // a + (a >> 7) maps 0..255 onto 0..256, so full coverage keeps the colour exactly.
              const k = a + (a >> 7);
              words[p + xx] = (OPAQUE_BLACK | (((rb * k) >>> 8) & 0x00ff00ff) | (((gg * k) >>> 8) & 0x0000ff00)) >>> 0;
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
