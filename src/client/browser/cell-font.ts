/**
 * The monospace cell the picture is drawn in, and its glyph atlas.
 *
 * The cell is measured from the font (advance of `M`, ascent + descent) and rounded to whole device
 * pixels, so every cell is the same size and the renderers address pixels with integer arithmetic.
 * Its aspect (width / height as drawn) is what the client sends to the server (PROTOCOL-NOTES.md §7),
 * so the picture is not stretched.
 *
 * The atlas holds every glyph any frame can name (glyph-atlas.ts says which, in which slot): the
 * printable ASCII characters and the ascii style's glyphs from the font, white on black; block and
 * braille glyphs drawn from their coverage masks, so they need no font and tile without gaps. One
 * coverage byte per device pixel:
 *
 *   slot s at atlas column s % ATLAS_COLUMNS, row ⌊s / ATLAS_COLUMNS⌋
 *   mask[slotOffset[s] + y · atlasWidth + x] = coverage 0..255 of pixel (x, y) of slot s
 */
import { ATLAS_COLUMNS, ATLAS_ROWS, ATLAS_SLOTS, atlasContents, drawDots, drawOutline } from './glyph-atlas.js';

export { ATLAS_COLUMNS } from './glyph-atlas.js';

/** Fonts that ship with the common desktops, then the generic family. */
export const FONT_FAMILY = '"DejaVu Sans Mono", "Liberation Mono", Menlo, Consolas, "Courier New", ui-monospace, monospace';
export const DEFAULT_FONT_PX = 14;

export interface CellFont {
  /** Device pixels per CSS pixel the cell was built for. */
  dpr: number;
  /** Font size in CSS pixels. */
  fontPx: number;
  /** Cell size in device pixels (integers): what the renderers draw. */
  width: number;
  height: number;
  /** Cell width / height as drawn: the `aspect` sent to the server. */
  aspect: number;
  /** Atlas size in device pixels. */
  atlasWidth: number;
  atlasHeight: number;
  /** Glyph coverage, one byte per atlas pixel (layout above). */
  mask: Uint8Array;
  /** Index into `mask` of each slot's top-left pixel. */
  slotOffset: Int32Array;
}

function context(width: number, height: number): CanvasRenderingContext2D {
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, width);
  canvas.height = Math.max(1, height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('no 2D canvas context: cannot draw the glyph atlas');
  return ctx;
}

/** Measures the cell for `fontPx` CSS pixels at `dpr` and draws the atlas. */
export function buildCellFont(fontPx = DEFAULT_FONT_PX, dpr = 1): CellFont {
  const devicePx = fontPx * dpr;
  const font = `${devicePx}px ${FONT_FAMILY}`;
  const probe = context(1, 1);
  probe.font = font;
  const m = probe.measureText('M');
  // fontBoundingBox* is the line box of the font (Chrome 87+, Firefox 116+); older ones get 1.2 em.
  const ascent = m.fontBoundingBoxAscent || devicePx * 0.95;
  const descent = m.fontBoundingBoxDescent || devicePx * 0.25;
  const width = Math.max(1, Math.round(m.width));
  const height = Math.max(2, Math.round(ascent + descent));
  const atlasWidth = ATLAS_COLUMNS * width;
  const atlasHeight = ATLAS_ROWS * height;

  const ctx = context(atlasWidth, atlasHeight);
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, atlasWidth, atlasHeight);
  ctx.fillStyle = '#fff';
  ctx.font = font;
  ctx.textBaseline = 'alphabetic';
  ctx.textAlign = 'center';
  const baseline = Math.round(ascent);
  const contents = atlasContents();
  const slotOffset = new Int32Array(ATLAS_SLOTS);
  for (let s = 0; s < ATLAS_SLOTS; s++) {
    const x = (s % ATLAS_COLUMNS) * width;
    const y = Math.floor(s / ATLAS_COLUMNS) * height;
    slotOffset[s] = y * atlasWidth + x;
    const content = contents[s]!;
    if (content.kind !== 'font') continue;
    ctx.save();
    // Clip to the cell: a glyph wider than the advance must not bleed into its neighbour.
    ctx.beginPath();
    ctx.rect(x, y, width, height);
    ctx.clip();
    ctx.fillText(String.fromCodePoint(content.codePoint), x + width / 2, y + baseline);
    ctx.restore();
  }
  const rgba = ctx.getImageData(0, 0, atlasWidth, atlasHeight).data;
  const mask = new Uint8Array(atlasWidth * atlasHeight);
  for (let i = 0; i < mask.length; i++) mask[i] = rgba[i * 4]!;
  // Geometry last, exactly: no font, no antialiasing at block edges.
  for (let s = 0; s < ATLAS_SLOTS; s++) {
    const content = contents[s]!;
    const sx = (s % ATLAS_COLUMNS) * width;
    const sy = Math.floor(s / ATLAS_COLUMNS) * height;
    if (content.kind === 'blocks') drawOutline(mask, atlasWidth, sx, sy, width, height, content.outline);
    else if (content.kind === 'dots') drawDots(mask, atlasWidth, sx, sy, width, height, content.style, content.mask);
  }
  return { dpr, fontPx, width, height, aspect: width / height, atlasWidth, atlasHeight, mask, slotOffset };
}
