/**
 * How hard the mosaic fit works, chosen from how busy rendering is. Mosaic's full search (46 block
 * splits and 22 diagonals over 4×8 samples per cell) is the best picture and the dearest render:
 * one viewer costs a few milliseconds a frame, two dozen distinct views would take longer than a
 * frame lasts. Rather than dropping frames for everyone, the fit steps down while the workers are
 * overloaded, and back up once there is room:
 *
 *   full       every mosaic glyph, 4×8 samples;
 *   blocks     the block glyphs only (no diagonals), 4×8 samples: about 85 % of the cost;
 *   sextants   the sextants only, fitted on 2×3 samples: about a quarter of `blocks`;
 *   quadrants  the quadrants only, on 2×2 samples: about 60 % of `sextants`.
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
 * Measured 2026-12-05 on the bench's panning clip in 4:2:0, 8 views, two runs, since the sextant
 * and quadrant walks run as SIMD (quantise/mask-fit-simd.ts): 2.92–2.94 : 2.50–2.59 : 0.62–0.66 :
 * 0.36–0.40 ms. Before that, the same day: 2.96–2.99 : 2.52 : 1.41–1.43 : 0.55–0.57 ms
 * (STEP_COST 1.2, 1.8, 2.5); 2026-12-04, on the demo frame: 2.78 : 2.04 : 0.95 : 0.38 ms. With the
 * fit and the sampling in JS the ratios were 2.2, 3.5, 2.5, and a crowd that had room for blocks
 * stayed at sextants. A runtime without WebAssembly SIMD runs every level in JS, where these
 * overstate the step from sextants to blocks (more careful going up) and understate the one from
 * quadrants to sextants (a step up may come back down after its window). Blocks on a frame of a
 * pixel a sample (2560 wide for these views) cost 1.83–1.89 ms: the 4×8 fit is most of a view's
 * cost, so the smaller frame makes no useful level between blocks and sextants.
 */
const STEP_COST = [1.15, 3.9, 1.7];
/**
 * The load is the median of the last LOAD_WINDOW frames' busy shares at the current level, not an
 * average: a single dear frame is not load. A video's keyframe changes every tile of a still
 * picture (every kept sample is taken again once: on the bench clip a frame in 120 cost 2–3 times
 * the others), and so do viewers joining, a new working size and a looped clip's first frame. An
 * average stepped 24 mosaic viewers of a still clip down to quadrants on their first frame, where
 * they had room for full effort. A real overload fills the window within a third of a second.
 */
const LOAD_WINDOW = 9;
/**
 * Stepping up waits for the level's load to settle (SETTLE_FRAMES: a new working size's first
 * frames sample every cell afresh), then takes the highest load of the next HOLD_UP_FRAMES: a
 * clip whose moving parts grow and shrink every few seconds (the bench clip's busiest second costs
 * three times its calmest) would otherwise step up in a calm second and down in the next busy one,
 * and each step to or from the smaller working frame costs viewers a second of dropped frames.
 */
const SETTLE_FRAMES = 2 * LOAD_WINDOW;
const HOLD_UP_FRAMES = 120;

export class EffortGovernor {
  private levelIndex = 0;
  private readonly shares = new Float64Array(LOAD_WINDOW);
  private readonly sorted = new Float64Array(LOAD_WINDOW);
  /** The load of the last HOLD_UP_FRAMES settled frames at this level. */
  private readonly settled = new Float64Array(HOLD_UP_FRAMES);
  private load = 0;
  private framesAtLevel = 0;

  get effort(): FitEffort {
    return FIT_EFFORTS[this.levelIndex]!;
  }

  /** The share of a frame interval rendering took: the median of the last frames at this level. */
  get busyShare(): number {
    return this.load;
  }

  /**
   * Takes the time the busiest worker spent on one frame's views and the frame interval; returns
   * the new effort when it changes, else null.
   */
  record(busyMs: number, frameMs: number): FitEffort | null {
    if (!(frameMs > 0) || !Number.isFinite(busyMs)) return null;
    this.shares[this.framesAtLevel % LOAD_WINDOW] = busyMs / frameMs;
    this.framesAtLevel++;
    const known = Math.min(this.framesAtLevel, LOAD_WINDOW);
    this.load = median(this.shares, this.sorted, known);
    if (known < LOAD_WINDOW) return null;
    if (this.load > OVERLOAD && this.levelIndex < FIT_EFFORTS.length - 1) {
      // Far over budget, go straight to the level expected to fit.
      let expected = this.load;
      do expected /= STEP_COST[this.levelIndex++]!;
      while (expected > OVERLOAD && this.levelIndex < FIT_EFFORTS.length - 1);
      this.framesAtLevel = 0;
      return this.effort;
    }
    if (this.levelIndex === 0 || this.framesAtLevel <= SETTLE_FRAMES) return null;
    const recorded = this.framesAtLevel - SETTLE_FRAMES;
    this.settled[recorded % HOLD_UP_FRAMES] = this.load;
    if (recorded < HOLD_UP_FRAMES) return null;
    let peak = 0;
    for (let i = 0; i < HOLD_UP_FRAMES; i++) peak = Math.max(peak, this.settled[i]!);
    if (peak * STEP_COST[this.levelIndex - 1]! < ROOM) {
      this.levelIndex--;
      this.framesAtLevel = 0;
      return this.effort;
    }
    return null;
  }
}

/** The median of the first `n` values of `values` (sorted into `scratch` by insertion: n is at most LOAD_WINDOW). */
function median(values: Float64Array, scratch: Float64Array, n: number): number {
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    let j = i;
    for (; j > 0 && scratch[j - 1]! > v; j--) scratch[j] = scratch[j - 1]!;
    scratch[j] = v;
  }
  return n % 2 === 1 ? scratch[n >> 1]! : (scratch[n / 2 - 1]! + scratch[n / 2]!) / 2;
}
