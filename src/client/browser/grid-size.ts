/**
 * The grid that fits the page: whole cells in the space the picture has, within the server's limits
 * (PROTOCOL-NOTES.md §1.2: cols·rows ≤ CELLS_MAX, pixel rows counted twice in blocks style).
 */
import { Limits } from '../../../protocol/index.js';
import type { CellFont } from './cell-font.js';

export interface Grid {
  cols: number;
  rows: number;
}

/** `width` × `height` CSS pixels → the largest grid of whole cells the server accepts. */
export function gridFor(width: number, height: number, font: CellFont, pixel: boolean): Grid {
  const cellW = font.width / font.dpr;
  const cellH = font.height / font.dpr;
  const cols = Math.min(Limits.COLS_MAX, Math.max(Limits.COLS_MIN, Math.floor(width / cellW)));
  let rows = Math.min(Limits.ROWS_MAX, Math.max(Limits.ROWS_MIN, Math.floor(height / cellH)));
  const perRow = cols * (pixel ? 2 : 1);
  if (perRow * rows > Limits.CELLS_MAX) rows = Math.max(1, Math.floor(Limits.CELLS_MAX / perRow));
  return { cols, rows };
}
