/**
 * How much colour error the terminal client lets stand on screen, frame by frame. A pan rewrites
 * nearly every cell: at the default tolerance (8) the default style's pan costs about 116 KiB a
 * frame (bench/terminal-bytes.ts), 28 Mbit/s at 30 fps, more than an ssh link or a slow terminal
 * takes. So, as a video encoder's rate control does, the tolerance doubles while frames cost more
 * than the budget and steps back once they have been well under it for a while. While the viewer
 * turns the view it is at least doubled (a turning picture shows no colour steps of 16).
 *
 * Lowering it costs one large frame: every cell off by more than the new tolerance is redrawn
 * (video-renderer.ts keeps what is on screen). That frame is the cleanup, not a sign of load, so it
 * is not counted. A tolerance of 0 asks for exact colours and is never raised.
 */

/** Terminal bytes a frame may cost before the tolerance is raised (`--frame-budget`, KiB). */
export const DEFAULT_FRAME_BUDGET_KIB = 60;
/** The most the tolerance is raised to, as a multiple of the configured one. */
const MAX_RAISE = 4;
/** Frames under half the budget before the tolerance steps back down. */
const CALM_FRAMES = 15;

export class ToleranceGovernor {
  private raise = 1;
  private calm = 0;
  /** The tolerance last handed out, and whether it was lower than the one before (its frame cleans up). */
  private last = 0;
  private cleanup = false;

  /** `budget`: bytes a frame may cost; 0 for no limit. */
  constructor(
    private readonly base: number,
    private readonly budget: number,
  ) {}

  /** The tolerance last handed out (0 before the first frame). */
  get current(): number {
    return this.last;
  }

  /** The tolerance for the next frame, from the bytes the last one cost and whether the view is turning. */
  next(lastBytes: number, turning: boolean): number {
    if (this.budget > 0 && this.base > 0) this.follow(lastBytes);
    const tolerance = Math.min(255, this.base * Math.max(this.raise, turning ? 2 : 1));
    this.cleanup = tolerance < this.last;
    this.last = tolerance;
    return tolerance;
  }

  /**
   * The picture is at rest: no frame has come for a while (a photo, a paused video). The budget is
   * about a stream of frames, and none flows: the next tolerance is the configured one, its frame
   * the clean-up, and the bytes of the frame before it (already judged) are not counted again.
   */
  rest(): void {
    this.raise = 1;
    this.calm = 0;
    this.cleanup = true;
  }

  private follow(lastBytes: number): void {
    if (this.cleanup) return;
    if (lastBytes > this.budget) {
      this.calm = 0;
      if (this.raise < MAX_RAISE) this.raise *= 2;
      return;
    }
    if (lastBytes >= this.budget / 2 || this.raise === 1) {
      this.calm = 0;
      return;
    }
    if (++this.calm >= CALM_FRAMES) {
      this.calm = 0;
      this.raise /= 2;
    }
  }
}
