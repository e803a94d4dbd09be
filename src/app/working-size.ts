/**
 * The equirectangular working size is chosen from what the viewers need: about two source pixels per
 * output sample at the narrowest field of view in use, rounded up to a multiple of WIDTH_STEP so
 * small view changes do not restart ffmpeg, never above the source's own width (beyond which there is
 * no detail to gain). Every byte of working size is decoded, piped and copied each frame, so asking
 * for no more than needed is what keeps the pipeline close to ffmpeg's own speed.
 */
import { frameShape, verticalFovDegrees } from '../../protocol/index.js';
import type { ViewSpec } from '../shared/types.js';
import { EFFORT_LEVELS, fittedAs, type FitEffort } from '../workers/fit-effort.js';

const MIN_WIDTH = 512;
const MAX_WIDTH = 4096;
const WIDTH_STEP = 256;
/**
 * Source pixels per output sample: 2 for one sample per cell. Styles with more samples per cell
 * (2 or 4 across) get at least MIN_PIXELS_PER_SAMPLE per sample. Fewer would make neighbouring
 * samples read the same working pixel: the fit then splits cells along edges the picture does not
 * have. bench/picture-bench.ts measured the default style 0.1–0.3 dB (PSNR) better at 1.6 pixels
 * per sample than at 1, for 2.6 times the bytes decoded and piped.
 */
const PIXELS_PER_CELL = 2;
const MIN_PIXELS_PER_SAMPLE = 1.6;
/** The working width with no viewer yet. */
const DEFAULT_NEED = 1024;

/** Working width `spec` needs at a fit effort: a reduced one samples a view as the cheaper style it is fitted as, a pixel a sample (fit-effort.ts). */
export function neededWidth(spec: ViewSpec, effort: FitEffort = 'full'): number {
  const level = EFFORT_LEVELS[effort];
  const sampled = { ...spec, style: fittedAs(spec.style, effort) };
  const { sampleCols: cols, sampleRows: rows, sampleAspect: aspect, style } = frameShape(sampled);
  // Reduced fits are for overload: a pixel per sample, the least that still gives each its own.
  const perSample = Math.max(level.smallFrame ? 1 : MIN_PIXELS_PER_SAMPLE, PIXELS_PER_CELL / style.subX);
  const horizontal = (perSample * cols * 360) / spec.fov;
  // Vertical field of view from the grid, the cell aspect and the camera (PROTOCOL-NOTES.md §7).
  const vfov = verticalFovDegrees(spec.fov, cols, rows, aspect, spec.camera);
  const vertical = ((perSample * rows * 180) / Math.max(1, vfov)) * 2;
  return Math.max(horizontal, vertical);
}

export function chooseWorkWidth(specs: Iterable<ViewSpec>, sourceWidth: number, effort: FitEffort = 'full'): number {
  let need = 0;
  for (const s of specs) need = Math.max(need, neededWidth(s, effort));
  if (need === 0) need = DEFAULT_NEED;
  const stepped = Math.ceil(need / WIDTH_STEP) * WIDTH_STEP;
  // Never beyond the source's detail, rounded down to a step (even sizes keep ffmpeg's scaler happy).
  const cap = Math.max(MIN_WIDTH, Math.floor(sourceWidth / WIDTH_STEP) * WIDTH_STEP);
  return Math.max(MIN_WIDTH, Math.min(stepped, cap, MAX_WIDTH));
}
