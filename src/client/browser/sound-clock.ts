/**
 * Which moment of the picture is being heard: a map from the `<audio>` element's media time to the
 * page's (unwrapped) picture position, `position = media + c`, with `c` constant between
 * discontinuities (a seek, an encoder restart) and so kept as segments.
 *
 * It is calibrated from stamps: the server sends the sound for timeline position t when it sends
 * the picture for t (PROTOCOL-NOTES.md §1.4), so sound that arrives while the picture is at p
 * plays p. Each stamp pairs the media time of a piece of sound appended to the element with the
 * picture's position when it arrived. A stamp can only be late (a delayed chunk, a partial ADTS
 * frame held back for the next append), never early, so within a segment `c` is the smallest of
 * the recent stamps; a stamp far below starts a new segment at once, stamps far above only when
 * they persist (a late chunk is not a seek).
 *
 * No DOM: pure arithmetic, checked in Node and used by audio-feed.ts.
 */

/** One AAC frame: 1024 samples at 48 kHz (PROTOCOL-NOTES.md §1.4). */
export const ADTS_FRAME_S = 1024 / 48000;
/** A stamp this far (s) from the segment's offset is a discontinuity, not jitter. */
export const JUMP_S = 0.08;
/** Stamps above the segment by more than JUMP_S in a row before a new segment starts (about 170 ms of sound). */
export const JUMP_PERSIST = 8;
/** Stamps kept for the minimum within a segment: about a second of ADTS frames. */
export const STAMP_WINDOW = 48;
/** Segments kept: older ones are behind what is being played. */
export const MAX_SEGMENTS = 16;

interface Segment {
  /** Media time (s) from which it applies. */
  from: number;
  /** position − media. */
  c: number;
}

export class SoundClock {
  private segments: Segment[] = [];
  private readonly window = new Float64Array(STAMP_WINDOW);
  private windowCount = 0;
  private above = 0;
  private aboveFrom = 0;
  private aboveMin = Infinity;
  /** Stamps taken since the last reset. */
  stamps = 0;

  /** Nothing known (a new stream). */
  reset(): void {
    this.segments = [];
    this.windowCount = 0;
    this.above = 0;
    this.stamps = 0;
  }

  /** One segment from `media` on: the stream starts at picture position `position` (a plain request). */
  anchor(media: number, position: number): void {
    this.reset();
    this.stamps = 1;
    this.segments.push({ from: media, c: position - media });
  }

  /**
   * Sound for media [start, end) was appended; it arrived while the picture was at `position`. The
   * newest whole frame in it is the one the server sent with that picture.
   */
  stamp(start: number, end: number, position: number): void {
    if (!(end > start)) return; // a partial frame: nothing playable was added
    this.stamps++;
    const c = position - Math.max(start, end - ADTS_FRAME_S);
    const current = this.segments[this.segments.length - 1];
    if (!current || c < current.c - JUMP_S) {
      this.open(start, c);
      return;
    }
    if (c > current.c + JUMP_S) {
      if (this.above === 0) {
        this.aboveFrom = start;
        this.aboveMin = c;
      } else {
        this.aboveMin = Math.min(this.aboveMin, c);
      }
      if (++this.above >= JUMP_PERSIST) this.open(this.aboveFrom, this.aboveMin);
      return;
    }
    this.above = 0;
    this.window[this.windowCount % STAMP_WINDOW] = c;
    this.windowCount++;
    let min = Infinity;
    for (let k = Math.min(this.windowCount, STAMP_WINDOW) - 1; k >= 0; k--) min = Math.min(min, this.window[k]!);
    current.c = min;
  }

  /** The picture position being heard at media time `media`; null before the first stamp. */
  heard(media: number): number | null {
    const segments = this.segments;
    if (segments.length === 0) return null;
    // Segments wholly behind the played media are done with.
    while (segments.length > 1 && segments[1]!.from <= media) segments.shift();
    return media + segments[0]!.c;
  }

  private open(from: number, c: number): void {
    this.segments.push({ from, c });
    if (this.segments.length > MAX_SEGMENTS) this.segments.shift();
    this.window[0] = c;
    this.windowCount = 1;
    this.above = 0;
  }
}
