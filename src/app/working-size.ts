/**
 * The equirectangular working size is chosen from what the viewers need: about two source pixels per
 * output sample at the narrowest field of view in use, rounded up to a few fixed levels so ffmpeg is
 * restarted rarely, never above the source's own width (beyond which there is no detail to gain).
 */
import type { ViewSpec } from '../shared/types.js';

export const WORK_WIDTHS = [512, 1024, 1536, 2048, 3072, 4096] as const;
const MIN_WIDTH = 512;
const MAX_WIDTH = 4096;
const SAMPLES_PER_CELL = 2;

export function neededWidth(spec: ViewSpec): number {
  const horizontal = (SAMPLES_PER_CELL * spec.cols * 360) / spec.fov;
  // Vertical field of view from the grid and cell aspect (PROTOCOL-NOTES.md §7).
  const rows = spec.pixel ? spec.rows * 2 : spec.rows;
  const aspect = spec.pixel ? spec.aspect * 2 : spec.aspect;
  const vfov = (2 * Math.atan((Math.tan((spec.fov * Math.PI) / 360) * rows) / (spec.cols * aspect)) * 180) / Math.PI;
  const vertical = ((SAMPLES_PER_CELL * rows * 180) / Math.max(1, vfov)) * 2;
  return Math.max(horizontal, vertical);
}

export function chooseWorkWidth(specs: Iterable<ViewSpec>, sourceWidth: number): number {
  let need: number = WORK_WIDTHS[1];
  for (const s of specs) need = Math.max(need, neededWidth(s));
  const cap = Math.max(MIN_WIDTH, sourceWidth);
  const level = WORK_WIDTHS.find((w) => w >= need) ?? MAX_WIDTH;
  let width: number = Math.min(level, cap);
  // Even sizes only: ffmpeg's scaler and the 2:1 height need them.
  width -= width % 4;
  return Math.max(MIN_WIDTH, Math.min(width, MAX_WIDTH));
}
