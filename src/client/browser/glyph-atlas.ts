/**
 * What the glyph atlas holds and where (cell-font.ts draws it; both renderers read it). Pure data
 * and arithmetic, no DOM, so the layout and the block geometry can be checked in Node.
 *
 * The atlas is a grid of cell-sized slots, ATLAS_COLUMNS across. Sections of consecutive slots:
 *
 *   TEXT_SECTION   printable ASCII 0x20–0x7E from the font: ramp cells (§3.1) and mode-1 text (§3.4),
 *                  whose byte is the character itself
 *   one section per fitted style (§3.6, §8.1), in CELL_STYLES order, one slot per glyph index:
 *     shape `blocks` (quadrant, sextant, mosaic, octant): the glyph's outline, rectangles filled exactly
 *     shape `dots` (braille): a round dot in each covered sub-rectangle
 *     shape `font` (ascii): the code point from the font
 *
 * Slot 0 (the space) is blank and stands for anything a table does not list: glyph indices past a
 * style's table, and indices whose code point is 0 ("never sent"; a client draws a space, §8.1).
 *
 * Sub-rectangle edges are rounded to whole device pixels: sample column c of a cell w pixels wide
 * spans [round(c·w/subX), round((c+1)·w/subX)), and the same down. The outer edges are 0 and w, so
 * a cell's blocks meet its neighbours' with no gap, and every pixel of a block glyph is fully
 * foreground or fully background (no seams where two cells of one colour meet).
 */
import { CELL_STYLES, STYLE_NAMES, type CellStyle, type Polygon, type StyleName } from '../../../protocol/index.js';

export const ATLAS_COLUMNS = 32;
/** Printable ASCII, the font's part of the atlas. */
export const FIRST_CHAR = 32;
export const LAST_CHAR = 126;
export const TEXT_GLYPHS = LAST_CHAR - FIRST_CHAR + 1;
/** The blank slot (the ASCII space). */
export const BLANK_SLOT = 0;
/**
 * Braille dot radius as a share of the smaller side of its sub-rectangle: dots of 80% of the dot
 * pitch, so neighbouring dots stay apart and the dot's centre pixel is fully covered from 8-pixel
 * cells on (the radius then reaches past √2, the farthest corner of the centre pixel).
 */
export const DOT_RADIUS = 0.4;
/** Coverage of a partly covered pixel of a dot is measured on this many sub-pixel points per axis. */
const DOT_SUPERSAMPLE = 4;

export interface GlyphSection {
  /** Atlas slot of the section's first glyph. */
  readonly base: number;
  /** Glyphs in the section. */
  readonly count: number;
  /** The frame byte of the section's first glyph: 32 for characters (§3.1), 0 for glyph indices (§3.6). */
  readonly first: number;
}

export const TEXT_SECTION: GlyphSection = { base: 0, count: TEXT_GLYPHS, first: FIRST_CHAR };

/** The section of each fitted style (§3.6): glyph index g draws slot base + g. */
export const FITTED_SECTIONS: Readonly<Partial<Record<StyleName, GlyphSection>>> = (() => {
  const sections: Partial<Record<StyleName, GlyphSection>> = {};
  let base = TEXT_GLYPHS;
  for (const name of STYLE_NAMES) {
    const style = CELL_STYLES[name];
    if (style.frames !== 'fitted') continue;
    sections[name] = { base, count: style.glyphs.length, first: 0 };
    base += style.glyphs.length;
  }
  return sections;
})();

export const ATLAS_SLOTS = Object.values(FITTED_SECTIONS).reduce((end, s) => Math.max(end, s.base + s.count), TEXT_GLYPHS);
export const ATLAS_ROWS = Math.ceil(ATLAS_SLOTS / ATLAS_COLUMNS);

/** The section fitted frames of `style` draw from; a style with no fitted glyphs draws blanks. */
export function fittedSection(style: StyleName): GlyphSection {
  return FITTED_SECTIONS[style] ?? { base: BLANK_SLOT, count: 0, first: 0 };
}

/** The atlas slot a frame's glyph byte draws (the blank slot for anything the section does not list). */
export function slotOf(section: GlyphSection, byte: number): number {
  const g = byte - section.first;
  return g >= 0 && g < section.count ? section.base + g : BLANK_SLOT;
}

/** What is drawn in a slot. */
export type SlotContent =
  | { kind: 'blank' }
  | { kind: 'font'; codePoint: number }
  | { kind: 'blocks'; outline: readonly Polygon[] }
  | { kind: 'dots'; style: CellStyle; mask: number };

/** The content of every slot, in slot order (the atlas's recipe). */
export function atlasContents(): SlotContent[] {
  const out: SlotContent[] = [];
  for (let g = 0; g < TEXT_GLYPHS; g++) out.push(g === 0 ? { kind: 'blank' } : { kind: 'font', codePoint: FIRST_CHAR + g });
  for (const name of STYLE_NAMES) {
    const style = CELL_STYLES[name];
    if (!FITTED_SECTIONS[name]) continue;
    for (let g = 0; g < style.glyphs.length; g++) {
      const code = style.glyphs[g]!;
      if (code === 0 || code === 0x20) out.push({ kind: 'blank' });
      else if (style.shape === 'font') out.push({ kind: 'font', codePoint: code });
      else if (style.shape === 'dots') out.push(style.masks[g] ? { kind: 'dots', style, mask: style.masks[g]! } : { kind: 'blank' });
      else out.push(style.outlines[g]!.length ? { kind: 'blocks', outline: style.outlines[g]! } : { kind: 'blank' });
    }
  }
  return out;
}

/** Left (or top) edge of sample column (row) `i` of `n` across a cell `size` pixels wide (tall). */
export function subEdge(i: number, n: number, size: number): number {
  return Math.round((i * size) / n);
}

/** Sub-pixel points per axis a pixel cut by a diagonal edge is measured on. */
const EDGE_SUPERSAMPLE = 4;

/**
 * Draws a block glyph's outline into a coverage buffer (one byte per pixel, `stride` bytes per
 * row), the cell's top-left at (x, y), `width` × `height` pixels. Vertices are moved to whole
 * pixels first (x to round(x·width), y likewise), so rectangles fill whole pixels with 255 and meet
 * their neighbours without a gap; pixels a diagonal cuts get their covered share.
 */
export function drawOutline(out: Uint8Array, stride: number, x: number, y: number, width: number, height: number, outline: readonly Polygon[]): void {
  const n = EDGE_SUPERSAMPLE;
  for (const polygon of outline) {
    const pts = polygon.map(([px, py]) => [Math.round(px * width), Math.round(py * height)] as const);
    const x0 = Math.min(...pts.map((p) => p[0])), x1 = Math.max(...pts.map((p) => p[0]));
    const y0 = Math.min(...pts.map((p) => p[1])), y1 = Math.max(...pts.map((p) => p[1]));
    // A rectangle has its four corners as vertices (a triangle may have three of them).
    const rect = pts.length === 4 && new Set(pts.map(([px, py]) => px * 65536 + py)).size === 4 && pts.every(([px, py]) => (px === x0 || px === x1) && (py === y0 || py === y1));
    for (let py = y0; py < y1; py++) {
      for (let px = x0; px < x1; px++) {
        let inside = n * n;
        if (!rect) {
          inside = 0;
          for (let sy = 0; sy < n; sy++) for (let sx = 0; sx < n; sx++) if (insideConvex(pts, px + (sx + 0.5) / n, py + (sy + 0.5) / n)) inside++;
        }
        const i = (y + py) * stride + x + px;
        out[i] = Math.min(255, out[i]! + Math.round((inside * 255) / (n * n)));
      }
    }
  }
}

/** Whether (px, py) lies inside the convex polygon `pts` (either winding). */
function insideConvex(pts: readonly (readonly [number, number])[], px: number, py: number): boolean {
  let sign = 0;
  for (let i = 0; i < pts.length; i++) {
    const a = pts[i]!;
    const b = pts[(i + 1) % pts.length]!;
    const cross = (b[0] - a[0]) * (py - a[1]) - (b[1] - a[1]) * (px - a[0]);
    if (cross === 0) continue;
    const s = cross > 0 ? 1 : -1;
    if (sign === 0) sign = s;
    else if (s !== sign) return false;
  }
  return true;
}

/**
 * Draws a braille mask as dots into a coverage buffer, like drawOutline: an antialiased disc in
 * each covered sample's sub-rectangle.
 */
export function drawDots(out: Uint8Array, stride: number, x: number, y: number, width: number, height: number, style: CellStyle, mask: number): void {
  const { subX, subY } = style;
  for (let k = 0; k < subX * subY; k++) {
    if (!(mask & (1 << k))) continue;
    const c = k % subX;
    const r = Math.floor(k / subX);
    const x0 = subEdge(c, subX, width);
    const x1 = subEdge(c + 1, subX, width);
    const y0 = subEdge(r, subY, height);
    const y1 = subEdge(r + 1, subY, height);
    // The disc is centred in the unrounded sub-rectangle, so the dots of a cell are evenly spaced.
    const cx = ((c + 0.5) * width) / subX;
    const cy = ((r + 0.5) * height) / subY;
    const radius = Math.max(0.75, DOT_RADIUS * Math.min(width / subX, height / subY));
    disc(out, stride, x, y, x0, x1, y0, y1, cx, cy, radius);
  }
}

function disc(out: Uint8Array, stride: number, x: number, y: number, x0: number, x1: number, y0: number, y1: number, cx: number, cy: number, radius: number): void {
  const r2 = radius * radius;
  const n = DOT_SUPERSAMPLE;
  for (let py = y0; py < y1; py++) {
    for (let px = x0; px < x1; px++) {
      let inside = 0;
      for (let sy = 0; sy < n; sy++) {
        const dy = py + (sy + 0.5) / n - cy;
        for (let sx = 0; sx < n; sx++) {
          const dx = px + (sx + 0.5) / n - cx;
          if (dx * dx + dy * dy <= r2) inside++;
        }
      }
      out[(y + py) * stride + x + px] = Math.round((inside * 255) / (n * n));
    }
  }
}
