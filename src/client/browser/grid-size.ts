/**
 * The grid that fits the page: whole cells in the space the picture has, within the server's limits
 * (PROTOCOL-NOTES.md §1.2): at most COLS_MAX × ROWS_MAX cells, and at most SAMPLES_MAX samples,
 * counted in the style's samples per cell (a sextant cell takes six), so rows are cut to
 * `maxRowsFor(cols, style)`, as the server clamps them. Where those caps leave the grid short of the
 * space, the page draws larger cells (fillScale), so the picture still fills it.
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

/**
 * How much larger than `font`'s cells must be for the grid to fill `width` × `height` CSS pixels
 * within the server's caps, given `grid`, what gridFor made of the space: 1 when nothing cut it.
 * Where the sample cap cut it (rows cut, for a fitted style on a large screen), the grid keeps its
 * number of cells but takes the stage's shape: cells `s` times larger in both directions (so they
 * keep their aspect), s² = the cells that would fit ÷ the cells allowed.
 */
export function fillScale(width: number, height: number, font: CellFont, grid: Grid): number {
  const fitCols = Math.floor(width / (font.width / font.dpr));
  const fitRows = Math.floor(height / (font.height / font.dpr));
  return Math.max(1, Math.sqrt((fitCols * fitRows) / (grid.cols * grid.rows)), fitCols / Limits.COLS_MAX, fitRows / Limits.ROWS_MAX);
}
