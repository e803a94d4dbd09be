/**
 * When to change the working size (working-size.ts says what it should be). Growing (someone zoomed
 * in) follows within RESIZE_DEBOUNCE_MS; shrinking waits until the smaller size has been enough for
 * SHRINK_AFTER_MS, so viewers zooming back and forth do not restart ffmpeg every second. An
 * overload (the fit effort stepping down) shrinks at once: the governor has its own hysteresis.
 */
import type { ViewSpec } from '../shared/types.js';
import type { FitEffort } from '../workers/fit-effort.js';
import { chooseWorkWidth } from './working-size.js';

/** A change of working size waits this long, so a burst of zooms restarts ffmpeg once. */
export const RESIZE_DEBOUNCE_MS = 1000;
/** A smaller working size must have sufficed this long before ffmpeg restarts for it. */
export const SHRINK_AFTER_MS = 10_000;

export interface WorkSizeTarget {
  /** The views to size for; none: nothing to do. */
  specs(): ViewSpec[];
  effort(): FitEffort;
  /** The working size now, and how to change it (the source restarts). */
  readonly workWidth: number;
  setWorkWidth(width: number): void;
}

export class WorkSizeScheduler {
  private timer: NodeJS.Timeout | null = null;
  private shrinkSince = 0;
  private shrinkNow = false;
  private disposed = false;

  /** `detailCap`: the most detail the source offers (source-format.ts sourceDetail). */
  constructor(
    private readonly target: WorkSizeTarget,
    private readonly detailCap: number,
  ) {}

  /** The size for these views now, with no wait: the first viewer, before the source starts. */
  sizeNow(specs: ViewSpec[]): void {
    if (this.disposed) return;
    this.target.setWorkWidth(chooseWorkWidth(specs, this.detailCap, this.target.effort()));
  }

  /** Looks again after the debounce; `overload` shrinks without waiting. */
  schedule(overload = false): void {
    if (this.disposed) return;
    this.shrinkNow ||= overload;
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      const specs = this.target.specs();
      if (specs.length === 0) return;
      const width = chooseWorkWidth(specs, this.detailCap, this.target.effort());
      const overloaded = this.shrinkNow;
      this.shrinkNow = false;
      if (width >= this.target.workWidth || overloaded) {
        this.shrinkSince = 0;
        this.target.setWorkWidth(width);
        return;
      }
      const at = Date.now();
      if (this.shrinkSince === 0) this.shrinkSince = at;
      if (at - this.shrinkSince >= SHRINK_AFTER_MS) {
        this.shrinkSince = 0;
        this.target.setWorkWidth(width);
      } else {
        this.schedule(); // look again later: the need may come back
      }
    }, RESIZE_DEBOUNCE_MS);
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
