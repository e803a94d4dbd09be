/**
 * The grid that fits the page: whole cells in the space the picture has, within the server's limits
 * (PROTOCOL-NOTES.md §1.2): at most COLS_MAX × ROWS_MAX cells, and at most SAMPLES_MAX samples,
 * counted in the style's samples per cell (a sextant cell takes six), so rows are cut to
 * `maxRowsFor(cols, style)`, as the server clamps them.
 */
import { Limits, maxRowsFor, type StyleName } from '../../../protocol/index.js';
import type { CellFont } from './cell-font.js';

export interface Grid {
  cols: number;
  rows: number;
}

/** `width` × `height` CSS pixels → the largest grid of whole cells of `style` the server accepts. */
export function gridFor(width: number, height: number, font: CellFont, style: StyleName): Grid {
  const cellW = font.width / font.dpr;
  const cellH = font.height / font.dpr;
  const cols = Math.min(Limits.COLS_MAX, Math.max(Limits.COLS_MIN, Math.floor(width / cellW)));
  const rows = Math.min(Limits.ROWS_MAX, Math.max(Limits.ROWS_MIN, Math.floor(height / cellH)), maxRowsFor(cols, style));
  return { cols, rows };
}
