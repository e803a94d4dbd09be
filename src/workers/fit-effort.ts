/**
 * How hard the mosaic fit works, chosen from how busy rendering is. Mosaic's full search (46 block
 * splits and 22 diagonals over 4×8 samples per cell) is the best picture and the dearest render:
 * one viewer costs a few milliseconds a frame, two dozen distinct views would take longer than a
 * frame lasts. Rather than dropping frames for everyone, the fit steps down while the workers are
 * overloaded, and back up once there is room:
 *
 *   full       every mosaic glyph, 4×8 samples;
 *   blocks     the block glyphs only (no diagonals), 4×8 samples: about three quarters of the cost;
 *   sextants   the sextants only, fitted on 2×3 samples: about half of `blocks`;
 *   quadrants  the quadrants only, on 2×2 samples: about 40 % of `sextants`.
 *
 * Every level sends glyph indices of the same mosaic table (§8.1), so viewers see only a coarser
 * picture, never a different wire. The two lowest also decode a smaller working frame (a pixel a
 * sample), which is what relieves a 2-core machine most. Other styles keep their fit.
 */
import { CELL_STYLES, type StyleName } from '../../protocol/index.js';

export const FIT_EFFORTS = ['full', 'blocks', 'sextants', 'quadrants'] as const;
export type FitEffort = (typeof FIT_EFFORTS)[number];

export interface EffortLevel {
  /** How far down a style's `reducedTo` list (protocol/cell-styles.ts) to fit: 0 the style itself. */
  readonly reduce: number;
  /** Whether glyphs the fitter scores from weighted samples (mosaic's diagonals) are tried. */
  readonly diagonals: boolean;
  /** Whether the working frame shrinks to a pixel a sample (src/app/working-size.ts). */
  readonly smallFrame: boolean;
}

export const EFFORT_LEVELS: Readonly<Record<FitEffort, EffortLevel>> = {
  full: { reduce: 0, diagonals: true, smallFrame: false },
  blocks: { reduce: 0, diagonals: false, smallFrame: false },
  sextants: { reduce: 1, diagonals: false, smallFrame: true },
  quadrants: { reduce: 2, diagonals: false, smallFrame: true },
};

/** The style a view of `style` is fitted as at `effort`: itself, or the cheaper one its table names. */
export function fittedAs(style: StyleName, effort: FitEffort): StyleName {
  const reduce = EFFORT_LEVELS[effort].reduce;
  const down = CELL_STYLES[style].reducedTo;
  return reduce === 0 || down.length === 0 ? style : down[Math.min(reduce, down.length) - 1]!;
}

/**
 * A worker's first jobs run code V8 has not optimised yet (the mosaic search is one large compiled
 * function): a first viewer's first frames took 15 frame intervals each on the bench machine, which
 * stepped a lone viewer down to quadrants. They, the one-off setup of a view change (its table
 * and fitter, and its first keyframe), and a style's first renders in a thread (view-renderer.ts)
 * are not load: the workers report `loadMs` without them.
 */
export const WARM_UP_JOBS = 3;

/** Busy share of a frame interval above which the fit steps down. */
const OVERLOAD = 0.9;
/** Busy share the next level up would be expected to reach, below which the fit steps up. */
const ROOM = 0.7;
/**
 * Cost of each level relative to the next cheaper one: render per 160×48 mosaic view, every cell
 * changed, full : blocks : sextants : quadrants (the lower two on their smaller working frame).
 * Measured 2026-12-04 with the SIMD fit and SIMD sampling: 2.78 : 2.04 : 0.95 : 0.38 ms. With both
 * in JS the ratios were 2.2, 3.5, 2.5, and a crowd that had room for blocks stayed at sextants.
 */
const STEP_COST = [1.4, 2.2, 2.5];
/** Frames a new level is kept at least: enough for the load figure to reflect it. */
const HOLD_DOWN_FRAMES = 4;
const HOLD_UP_FRAMES = 150;
/** Weight of the newest frame in the smoothed load. */
const SMOOTHING = 0.2;

export class EffortGovernor {
  private levelIndex = Math.max(0, FIT_EFFORTS.indexOf((process.env['PIN'] ?? 'full') as FitEffort));
  private load = 0;
  private framesAtLevel = 0;

  get effort(): FitEffort {
    return FIT_EFFORTS[this.levelIndex]!;
  }

  /** The smoothed share of a frame interval rendering took. */
  get busyShare(): number {
    return this.load;
  }

  /**
   * Takes the time the busiest worker spent on one frame's views and the frame interval; returns
   * the new effort when it changes, else null.
   */
  record(busyMs: number, frameMs: number): FitEffort | null {
    if (!(frameMs > 0) || !Number.isFinite(busyMs)) return null;
    const share = busyMs / frameMs;
    this.load = this.framesAtLevel === 0 ? share : this.load + SMOOTHING * (share - this.load);
    this.framesAtLevel++;
    if (process.env['PIN']) return null;
    if (this.load > OVERLOAD && this.levelIndex < FIT_EFFORTS.length - 1 && this.framesAtLevel >= HOLD_DOWN_FRAMES) {
      // Far over budget, go straight to the level expected to fit.
      let expected = this.load;
      do expected /= STEP_COST[this.levelIndex++]!;
      while (expected > OVERLOAD && this.levelIndex < FIT_EFFORTS.length - 1);
      this.framesAtLevel = 0;
      return this.effort;
    }
    if (this.levelIndex > 0 && this.framesAtLevel >= HOLD_UP_FRAMES && this.load * STEP_COST[this.levelIndex - 1]! < ROOM) {
      this.levelIndex--;
      this.framesAtLevel = 0;
      return this.effort;
    }
    return null;
  }
}
