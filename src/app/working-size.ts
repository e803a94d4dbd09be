/**
 * The equirectangular working size is chosen from what the viewers need: about two source pixels per
 * output sample at the narrowest field of view in use, rounded up to a multiple of WIDTH_STEP so
 * small view changes do not restart ffmpeg, never above the source's own width (beyond which there is
 * no detail to gain). Every byte of working size is decoded, piped and copied each frame, so asking
 * for no more than needed is what keeps the pipeline close to ffmpeg's own speed.
 */
import { verticalFovDegrees } from '../../protocol/index.js';
import type { ViewSpec } from '../shared/types.js';

const MIN_WIDTH = 512;
const MAX_WIDTH = 4096;
const WIDTH_STEP = 256;
const SAMPLES_PER_CELL = 2;
/** The working width with no viewer yet. */
const DEFAULT_NEED = 1024;

export function neededWidth(spec: ViewSpec): number {
  const horizontal = (SAMPLES_PER_CELL * spec.cols * 360) / spec.fov;
  // Vertical field of view from the grid and cell aspect (PROTOCOL-NOTES.md §7).
  const rows = spec.pixel ? spec.rows * 2 : spec.rows;
  const aspect = spec.pixel ? spec.aspect * 2 : spec.aspect;
  const vfov = verticalFovDegrees(spec.fov, spec.cols, rows, aspect);
  const vertical = ((SAMPLES_PER_CELL * rows * 180) / Math.max(1, vfov)) * 2;
  return Math.max(horizontal, vertical);
}

export function chooseWorkWidth(specs: Iterable<ViewSpec>, sourceWidth: number): number {
  let need = 0;
  for (const s of specs) need = Math.max(need, neededWidth(s));
  if (need === 0) need = DEFAULT_NEED;
  const stepped = Math.ceil(need / WIDTH_STEP) * WIDTH_STEP;
  // Never beyond the source's detail, rounded down to a step (even sizes keep ffmpeg's scaler happy).
  const cap = Math.max(MIN_WIDTH, Math.floor(sourceWidth / WIDTH_STEP) * WIDTH_STEP);
  return Math.max(MIN_WIDTH, Math.min(stepped, cap, MAX_WIDTH));
}
