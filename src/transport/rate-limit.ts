/**
 * Control messages per viewer: a token bucket. A client that drags coalesces to one view message
 * per frame (≤ 60/s); far beyond that is a bug or an attack, and costs the server work.
 */

/** Well above one view message per displayed frame at 60 fps, with room for resizes and keys. */
export const DEFAULT_MESSAGE_RATE = 200;

export class RateLimit {
  private tokens: number;
  private last = performance.now();

  constructor(
    /** Messages per second allowed on average. */
    private readonly perSecond: number,
    /** Messages allowed in a burst. */
    private readonly burst = perSecond * 2,
  ) {
    this.tokens = burst;
  }

  /** Takes one message; false when over the limit. */
  take(): boolean {
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens--;
    return true;
  }
}
