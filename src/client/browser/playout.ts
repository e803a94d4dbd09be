/**
 * Where decoded sound is scheduled on an AudioContext, and which moment of it is being heard: the
 * WebCodecs feed's counterpart of an `<audio>` element's buffer and currentTime (pcm-audio-feed.ts).
 *
 * Each decoded frame gets a span of context time; its media time (the stream's own clock, what
 * SoundClock maps to picture positions) runs on from the frame before, as a SourceBuffer in
 * sequence mode counts it. A frame is played right after the one before; when that one has already
 * finished (the stream ran dry: a pause, a stall, a late packet), the next starts `lead` from now;
 * where it ran dry only briefly (a link's jitter, not a pause) the lead grows a step first, and it
 * gives a step back after LEAD_RELAX_S without running dry. Once
 * what is scheduled has reached more than AHEAD_SLACK_S beyond the lead for BEHIND_PERSIST_S, frames
 * are skipped until it reaches no further than the lead (their media time
 * passes unplayed, so the picture it belongs to is not waited for): the sound a new listener gets
 * at once (the server sends what is already due in a burst, PROTOCOL-NOTES.md §1.4), or a hidden
 * tab's backlog, would otherwise keep the sound, and the picture with it, that far behind for good.
 *
 * The heard moment stands still where nothing plays, as an element's clock does when its buffer
 * runs dry: the lip sync (av-sync.ts) tells a stalled sound by that.
 *
 * No DOM: times in, times out; checked in Node (test/playout.test.ts).
 */

/** Scheduled this far ahead of now at the start and after the stream ran dry: a few of the server's 33 ms bursts. */
export const LEAD_S = 0.06;
/** Each time the sound ran dry while the stream went on, the lead grows by this much ... */
export const LEAD_STEP_S = 0.03;
/** ... up to this (what MediaSource keeps by itself). */
export const LEAD_MAX_S = 0.3;
/** Dry for longer than this, the stream itself stood still (a pause, a seek): not the link's jitter. */
export const DRY_GAP_S = 0.5;
/** This long without running dry, a grown lead gives a step back: a seek's gap or a busy moment does not keep it for good. */
export const LEAD_RELAX_S = 10;
/** Sound scheduled beyond the lead plus this from now, for BEHIND_PERSIST_S, is skipped rather than played late. */
export const AHEAD_SLACK_S = 0.1;
/** How long the sound must have been that far behind: a burst that drains by itself is left alone. */
export const BEHIND_PERSIST_S = 0.3;
/** Spans remembered: about 5 s of 21.3 ms AAC frames, more than the output's latency ever holds. */
export const SPANS = 256;

export class Playout {
  /** Ring of spans: context start, media start, duration. */
  private readonly at = new Float64Array(SPANS);
  private readonly media = new Float64Array(SPANS);
  private readonly length = new Float64Array(SPANS);
  private first = 0;
  private count = 0;
  /** Media time the next frame starts at. */
  private nextMedia = 0;
  /** The lead a restart gets now. */
  lead = LEAD_S;
  /** Times the sound ran dry and restarted since reset. */
  restarts = 0;
  /** Since when (now) everything scheduled has reached further than the lead plus AHEAD_SLACK_S; null while not. */
  private behindSince: number | null = null;
  /** Skipping a backlog, down to the lead. */
  private skipping = false;
  /** When the lead last grew or gave a step back. */
  private leadSetAt = 0;

  reset(): void {
    this.first = 0;
    this.count = 0;
    this.nextMedia = 0;
    this.lead = LEAD_S;
    this.restarts = 0;
    this.behindSince = null;
    this.skipping = false;
    this.leadSetAt = 0;
  }

  /** Context time at which everything scheduled has played (−∞ before anything is). */
  end(): number {
    if (this.count === 0) return -Infinity;
    const k = (this.first + this.count - 1) % SPANS;
    return this.at[k]! + this.length[k]!;
  }

  /**
   * A frame of `duration` s to play, `now` being the context's time: the context time to start it
   * at, or null when it is skipped. Its media span is [mediaStart(), + duration) read before this call.
   */
  schedule(now: number, duration: number): number | null {
    const end = this.end();
    if (this.lead > LEAD_S && now - this.leadSetAt >= LEAD_RELAX_S) {
      this.lead = Math.max(LEAD_S, this.lead - LEAD_STEP_S);
      this.leadSetAt = now;
    }
    let start = end;
    if (end < now) {
      // Ran dry: a fresh start, further ahead if the link let it run dry while the stream went on.
      if (this.count > 0 && now - end < DRY_GAP_S) {
        this.restarts++;
        this.lead = Math.min(LEAD_MAX_S, this.lead + LEAD_STEP_S);
        this.leadSetAt = now;
      }
      start = now + this.lead;
    } else if (this.skipping ? end - now > this.lead : end - now > this.lead + AHEAD_SLACK_S) {
      this.behindSince ??= now;
      if (now - this.behindSince >= BEHIND_PERSIST_S) {
        // Skipped down to the lead itself: stopping at the slack's edge would leave the sound, and
        // the picture waiting for it, that much later for good.
        this.skipping = true;
        this.nextMedia += duration;
        return null;
      }
    } else {
      this.behindSince = null;
      this.skipping = false;
    }
    const k = (this.first + this.count) % SPANS;
    if (this.count === SPANS) this.first = (this.first + 1) % SPANS;
    else this.count++;
    this.at[k] = start;
    this.media[k] = this.nextMedia;
    this.length[k] = duration;
    this.nextMedia += duration;
    return start;
  }

  /** Media time of the next frame scheduled. */
  mediaStart(): number {
    return this.nextMedia;
  }

  /** Media time being heard at context time `t`; null before the first span starts. */
  heard(t: number): number | null {
    if (this.count === 0 || t < this.at[this.first]!) return null;
    // Spans wholly behind t are done with; the last stays, so a dry buffer stands at its end.
    while (this.count > 1) {
      const k = this.first;
      const next = (k + 1) % SPANS;
      if (this.at[next]! > t) break;
      this.first = next;
      this.count--;
    }
    const k = this.first;
    return this.media[k]! + Math.min(t - this.at[k]!, this.length[k]!);
  }
}
