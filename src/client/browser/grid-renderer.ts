/**
 * What the page asks of a renderer: paint one frame of cells, fitted glyph cells or half-block
 * pixels onto the canvas.
 * Two implementations: WebGL2 (the fast path, one full-screen pass over a cells texture and the
 * glyph atlas) and Canvas 2D (the fallback, changed cells composed in an ImageData).
 *
 * The canvas backing store is exactly the grid: cols·width × rows·height device pixels, shown at
 * that size divided by devicePixelRatio, so cells land on whole pixels. Half-block pixel frames are
 * the exception: their backing store is one pixel per frame pixel, and the browser scales it up to
 * the grid's size without smoothing (CSS `image-rendering: pixelated`), which costs nothing per pixel.
 */
import type { StyleName } from '../../../protocol/index.js';
import type { CellFont } from './cell-font.js';

export type RendererKind = 'webgl2' | '2d';
/** What the page asks for: a kind, or `auto` (WebGL2 on a GPU, else 2D; see create-renderer.ts). */
export type RendererChoice = RendererKind | 'auto';

export interface GridRenderer {
  readonly kind: RendererKind;
  /** A new cell size or atlas (font size or devicePixelRatio changed); the next draw repaints all. */
  setFont(font: CellFont): void;
  /** Cells `[char, R, G, B]`, row-major (PROTOCOL-NOTES.md §3.1): the character in its colour on black. */
  drawCells(cells: Uint8Array, cols: number, rows: number): void;
  /**
   * Fitted cells `[glyph, fg R, G, B, bg R, G, B]`, row-major (§3.6): the background fills the cell,
   * `style`'s glyph is drawn over it in the foreground colour.
   */
  drawFitted(cells: Uint8Array, cols: number, rows: number, style: StyleName): void;
  /** BGR pixels, `pixelRows` = 2 × character rows (§3.3); each pixel is half a cell tall. */
  drawPixels(bgr: Uint8Array, cols: number, pixelRows: number): void;
  /** Blocks until the last draw has reached the canvas (for benchmarks and tests). */
  sync(): void;
  dispose(): void;
}

/**
 * Sizes the canvas: `cols` × `rows` cells on screen, a backing store of `width` × `height` pixels
 * (the cells' device pixels unless given). Returns true when the backing size changed (which clears it).
 */
export function sizeCanvas(canvas: HTMLCanvasElement, font: CellFont, cols: number, rows: number, width = cols * font.width, height = rows * font.height): boolean {
  const cssWidth = `${(cols * font.width) / font.dpr}px`;
  const cssHeight = `${(rows * font.height) / font.dpr}px`;
  if (canvas.style.width !== cssWidth) canvas.style.width = cssWidth;
  if (canvas.style.height !== cssHeight) canvas.style.height = cssHeight;
  if (canvas.width === width && canvas.height === height) return false;
  canvas.width = width;
  canvas.height = height;
  return true;
}
