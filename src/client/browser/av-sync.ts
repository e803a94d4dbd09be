/**
 * Lip sync: while the sound is on, the picture follows the `<audio>` element's clock.
 *
 * A media player buffers before it plays (Chromium with MediaSource: about 0.3 s), so the sound
 * comes out later than the frames arrive. The feed (audio-feed.ts, sound-clock.ts) says which
 * picture position is being heard; frames wait here, at most HOLD_SECONDS, and each is painted
 * when what is heard reaches it. Frames older than what is heard are dropped.
 *
 * Frame positions are unwrapped into one ever-increasing line, as the sound's media time is: an
 * index that steps back from the end of a looping file to its start continues the line (a loop;
 * the server's sound loops with it, PROTOCOL-NOTES.md §3), and a jump (a seek, by this page or any
 * other viewer) continues it by one frame, as the sound stream goes on from the new moment too.
 * `push` reports jumps and gaps (a resume, a reconnect) so that a feed that cannot follow them by
 * itself can be requested afresh.
 *
 * Without the sound, while its clock stands still (a refused autoplay, a stalled stream), or while
 * the timeline is paused, frames are painted as soon as they arrive: the picture never waits for a
 * sound that is not coming.
 *
 * The sound stands still whenever the timeline does, so only a timeline that moves can show it
 * stalled: frames of the same moment (a paused file looked around in) do not count, and after a
 * pause or a seek the sound gets the time a fresh request gets to come back (START_MS).
 *
 * No DOM here: the page passes in the wall clock (performance.now()), the element's currentTime
 * and the heard position.
 */
import type { ReceivedFrame } from '../common/stream-client.js';
import type { FeedWait } from './audio-feed.js';

/** Picture held waiting for the sound, seconds of timeline: beyond it the oldest frame is shown late (the feed may ask for more: `setWait`). */
export const HOLD_SECONDS = 2;
/** Frames held at most, whatever their positions (4 s at 120 fps, and a memory bound for hidden tabs). */
export const HOLD_FRAMES_MAX = 512;
/** A frame is due once the heard position is within half a frame of it, so it is shown centred on its moment. */
export const DUE_TOLERANCE_FRAMES = 0.5;
/** A forward step up to this is the picture running on (frames dropped at the server); beyond it, a jump. */
export const MAX_STEP_SECONDS = 1;
/** A backward step from this close to the end of a looping file to this close to its start is a loop. */
export const LOOP_EDGE_SECONDS = 1;
/** After the page asks for a seek, the first discontinuity within this long is that seek, even one shaped like a loop. */
export const SEEK_WINDOW_MS = 3000;
/** Frames resuming after this quiet spell: the timeline was paused, or the link was lost. */
export const GAP_MS = 500;
/** The sound's clock standing still this long while frames arrive: stalled, the picture goes on alone. */
export const STALL_MS = 1000;
/** A fresh request gets this long to open the stream and buffer before it counts as stalled. */
export const START_MS = 2500;
/** While stalled, the sound is requested afresh this often. */
export const RETRY_MS = 4000;
/** The offset readout is the median over this window. */
export const OFFSET_WINDOW_MS = 1000;
/** Offset samples kept (one per painted frame while in step): about 8 s at 60 fps. */
export const OFFSET_SAMPLES = 512;

/** How a frame's index followed the one before. */
export type Step = 'first' | 'next' | 'loop' | 'jump' | 'gap';

/** off: no sound, frames painted at once. starting: a fresh request (or a resume, a seek), the picture waits for its sound. on: in step. stalled: sound on but its clock stands still; frames painted at once. */
export type SyncMode = 'off' | 'starting' | 'on' | 'stalled';

/** What `tick` noticed: the clock started or came back (`playing`), stood still (`stalled`), or still stands still after RETRY_MS (`retry`). */
export type SyncEvent = 'playing' | 'stalled' | 'retry';

export class AvSync {
  mode: SyncMode = 'off';
  /** Frames that were never painted: replaced, older than what was heard, or pushed out. */
  dropped = 0;
  /** Fresh `/audio` requests so far. */
  requests = 0;

  private fps = 30;
  private duration = 0;
  private live = false;
  private holdSeconds = HOLD_SECONDS;
  private startMs = START_MS;

  // Held frames: a ring of HOLD_FRAMES_MAX, oldest at `head` (no allocation per frame).
  private readonly held: (ReceivedFrame | null)[] = new Array<ReceivedFrame | null>(HOLD_FRAMES_MAX).fill(null);
  private readonly heldAt = new Float64Array(HOLD_FRAMES_MAX);
  private head = 0;
  private count = 0;
  /** A frame pushed out of the full queue: shown late rather than never. */
  private late: ReceivedFrame | null = null;
  private lateAt = 0;

  // The unwrapped timeline of the frames received.
  private prevIndex = -1;
  /** Unwrapped position (s) of the newest frame received. */
  private newestAt = 0;
  /** When it arrived (performance.now()); -Infinity after a lost link. */
  private newestWall = -Infinity;
  /** When the last frame of a new moment arrived (a paused timeline sends the same index again for a new view). */
  private movedWall = -Infinity;
  /** Unwrapped position of the frame on the canvas. */
  private shownAt: number | null = null;
  private seekUntil = -Infinity;

  // The sound's clock, as of the last tick.
  private heardNow: number | null = null;
  private media = 0;
  private mediaWall = 0;
  private requestWall = 0;

  private readonly offsetWall = new Float64Array(OFFSET_SAMPLES);
  private readonly offsetMs = new Float64Array(OFFSET_SAMPLES);
  private offsetCount = 0;
  private readonly scratch: number[] = [];

  /** From INIT: the frame rate, and whether positions wrap (a looping file) or run on (live). */
  setTimeline(fps: number, duration: number, live: boolean): void {
    this.fps = fps > 0 ? fps : 30;
    this.duration = duration;
    this.live = live;
  }

  /**
   * How long the picture may wait for this feed's sound: `holdSeconds` of timeline held, and
   * `startMs` for a fresh request to play before it counts as stalled (a feed that buffers longer
   * before it plays needs more of both, audio-feed.ts).
   */
  setWait(wait: FeedWait): void {
    this.holdSeconds = wait.holdSeconds;
    this.startMs = wait.startMs;
  }

  /** The link was lost: the picture's position is unknown until the next frame, which comes after a gap. */
  linkLost(): void {
    this.newestWall = -Infinity;
    this.movedWall = -Infinity;
  }

  /** The page asked the server for a seek at `now`. */
  seeking(now: number): void {
    this.seekUntil = now + SEEK_WINDOW_MS;
  }

  /** A frame arrived at `now`. Returns how it followed the previous one. */
  push(frame: ReceivedFrame, now: number): Step {
    const step = this.unwrap(frame.index, now);
    if ((step === 'gap' || step === 'jump') && (this.mode === 'on' || this.mode === 'starting')) {
      // Resumed or sought: the sound comes back from the new moment, as after a fresh request.
      this.mode = 'starting';
      this.requestWall = now;
    }
    while (this.count > 0 && (this.count >= HOLD_FRAMES_MAX || this.newestAt - this.heldAt[this.head]! > this.holdSeconds)) {
      const at = this.heldAt[this.head]!;
      const old = this.shift();
      if (this.late) this.dropped++;
      this.late = old;
      this.lateAt = at;
    }
    const slot = (this.head + this.count) % HOLD_FRAMES_MAX;
    this.held[slot] = frame;
    this.heldAt[slot] = this.newestAt;
    this.count++;
    return step;
  }

  /**
   * The picture's position now, unwrapped: the newest frame's, advanced by the time since, at most
   * one frame (as the server's pacer reckons it); null while frames are not arriving.
   */
  position(now: number): number | null {
    const since = now - this.newestWall;
    return since > GAP_MS ? null : this.newestAt + Math.min(Math.max(0, since) / 1000, 1 / this.fps);
  }

  /** A fresh `/audio` request started at `now`: the picture waits for it (a stall goes on until its clock moves). */
  started(now: number): void {
    this.requests++;
    this.requestWall = now;
    this.mediaWall = now;
    if (this.mode !== 'stalled') this.mode = 'starting';
  }

  /** The sound is off: frames are painted at once again. */
  stop(): void {
    this.mode = 'off';
    this.heardNow = null;
  }

  /** The timeline position heard (unwrapped) as of the last tick; null when not following the sound. */
  heard(): number | null {
    return this.mode === 'on' || this.mode === 'starting' ? this.heardNow : null;
  }

  /**
   * Once per animation frame, with the element's currentTime and the position heard (both null
   * when the sound is off): follows the sound's clock and watches it.
   */
  tick(now: number, media: number | null, heard: number | null): SyncEvent | null {
    if (media === null) {
      if (this.mode !== 'off') this.stop();
      return null;
    }
    if (this.mode === 'off') return null;
    this.heardNow = heard;
    if (media !== this.media) {
      const moved = media > this.media;
      this.media = media;
      this.mediaWall = now;
      if (moved && heard !== null && (this.mode === 'starting' || this.mode === 'stalled')) {
        this.mode = 'on';
        return 'playing';
      }
      return null;
    }
    const timelineMoving = now - this.movedWall < GAP_MS;
    if (!timelineMoving) return null;
    const still = now - Math.max(this.mediaWall, this.requestWall);
    if (this.mode === 'stalled') {
      if (now - this.requestWall < RETRY_MS) return null;
      this.requestWall = now;
      return 'retry';
    }
    if (still > (this.mode === 'starting' ? this.startMs : STALL_MS)) {
      this.mode = 'stalled';
      this.requestWall = now;
      return 'stalled';
    }
    return null;
  }

  /**
   * The frame to paint now, or null to leave the canvas as it is. `paused`: the timeline stands
   * (STATUS:PAUSED), and its sound with it, so its frames (a view looked around in, a paused seek's
   * moment) are painted at once: they waited for a sound that was not coming until play resumed.
   */
  take(now: number, paused = false): ReceivedFrame | null {
    if (paused) return this.takeNewest();
    const heard = this.heard();
    if (heard === null) {
      if (this.mode === 'starting') return this.takeLate(); // the feed does not know yet: wait
      return this.takeNewest();
    }
    let due = this.late;
    let dueAt = this.lateAt;
    this.late = null;
    const limit = heard + DUE_TOLERANCE_FRAMES / this.fps;
    while (this.count > 0 && this.heldAt[this.head]! <= limit) {
      if (due) this.dropped++; // older than what is heard: never shown
      dueAt = this.heldAt[this.head]!;
      due = this.shift();
    }
    if (!due) return null;
    this.shownAt = dueAt;
    if (this.mode === 'on') this.sample(now, (dueAt - heard) * 1000);
    return due;
  }

  /** Median shown-minus-heard offset (ms) over the last OFFSET_WINDOW_MS; null without samples. */
  offset(now: number): number | null {
    const values = this.scratch;
    values.length = 0;
    const n = Math.min(this.offsetCount, OFFSET_SAMPLES);
    for (let k = 0; k < n; k++) {
      const i = (this.offsetCount - 1 - k) % OFFSET_SAMPLES;
      if (now - this.offsetWall[i]! > OFFSET_WINDOW_MS) break;
      values.push(this.offsetMs[i]!);
    }
    if (values.length === 0) return null;
    values.sort((a, b) => a - b);
    const mid = values.length >> 1;
    return values.length % 2 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2;
  }

  /** The kept offset samples (ms), oldest first, and how many were taken in all. */
  offsets(): { samples: number[]; total: number } {
    const n = Math.min(this.offsetCount, OFFSET_SAMPLES);
    const samples: number[] = [];
    for (let k = n - 1; k >= 0; k--) samples.push(this.offsetMs[(this.offsetCount - 1 - k) % OFFSET_SAMPLES]!);
    return { samples, total: this.offsetCount };
  }

  /** Newest received minus shown, ms: how far the picture trails what arrived. */
  lag(): number | null {
    return this.shownAt === null || this.prevIndex < 0 ? null : (this.newestAt - this.shownAt) * 1000;
  }

  /** Frames waiting. */
  get waiting(): number {
    return this.count + (this.late ? 1 : 0);
  }

  private unwrap(index: number, now: number): Step {
    const prev = this.prevIndex;
    const gap = index !== prev && now - this.movedWall > GAP_MS;
    this.prevIndex = index;
    this.newestWall = now;
    if (index !== prev) this.movedWall = now;
    const at = index / this.fps;
    if (prev < 0) {
      this.newestAt = at;
      return 'first';
    }
    const delta = index - prev;
    let step: Step;
    if (delta >= 0 && delta <= MAX_STEP_SECONDS * this.fps) {
      this.newestAt += delta / this.fps;
      step = 'next';
    } else if (delta < 0 && !this.live && this.duration > 0 && prev / this.fps > this.duration - LOOP_EDGE_SECONDS && at < LOOP_EDGE_SECONDS) {
      this.newestAt += Math.max(0, this.duration - prev / this.fps) + at;
      step = 'loop';
    } else {
      this.newestAt += 1 / this.fps;
      step = 'jump';
    }
    if (step !== 'next' && now < this.seekUntil) {
      this.seekUntil = -Infinity;
      return 'jump';
    }
    return gap && step !== 'jump' ? 'gap' : step;
  }

  private shift(): ReceivedFrame | null {
    const frame = this.held[this.head]!;
    this.held[this.head] = null;
    this.head = (this.head + 1) % HOLD_FRAMES_MAX;
    this.count--;
    return frame;
  }

  private takeLate(): ReceivedFrame | null {
    const late = this.late;
    this.late = null;
    if (late) this.shownAt = this.lateAt;
    return late;
  }

  private takeNewest(): ReceivedFrame | null {
    if (this.count === 0) return this.takeLate();
    if (this.late) this.dropped++;
    this.late = null;
    while (this.count > 1) {
      this.shift();
      this.dropped++;
    }
    this.shownAt = this.heldAt[this.head]!;
    return this.shift();
  }

  private sample(now: number, ms: number): void {
    const i = this.offsetCount % OFFSET_SAMPLES;
    this.offsetWall[i] = now;
    this.offsetMs[i] = ms;
    this.offsetCount++;
  }
}
