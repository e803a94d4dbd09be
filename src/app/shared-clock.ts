/**
 * The cluster's timeline as this server's playback reads it (`serve --cluster`): where it is at a
 * wall-clock time, where and when a decoder run starts, whether a run has drifted off it, and the
 * changes this server makes to it. The playback (playback.ts) keeps its own state and asks here;
 * the arithmetic and its thresholds live in this one place.
 */
import type { SharedTimeline } from '../cluster/cluster.js';
import { positionAt, positionOffset, sharedPosition, type TimelineRecord } from '../cluster/timeline-record.js';

/**
 * Decoders start this far ahead of the shared position and hold each frame until its moment
 * (FrameSource.start's `dueMs`), which also paces them. A decoder that starts late catches up by
 * itself (it runs unpaced until its frames are due); the lead only spares the first frames. A
 * change takes effect this far ahead too, so every server's decoder has time to start.
 */
export const LEAD_MS = 400;
/**
 * A decoder ahead of the shared position by more than AHEAD_FRAMES (this machine's clock jumped)
 * or behind by more than BEHIND_S (it decodes slower than the timeline), for half a second's
 * frames in a row, is restarted at the shared position.
 */
const AHEAD_FRAMES = 3;
const BEHIND_S = 2;

export class SharedClock {
  /** Frames in a row that call for a restart at the shared position. */
  private offFrames = 0;
  /** The record the playback last took (take), to tell a change from the same change made twice. */
  private taken: TimelineRecord;

  /** `loops`: the file wraps round (`--loop`, the demo); `duration` and `fps` are the source's. */
  constructor(
    private readonly timeline: SharedTimeline,
    private readonly duration: number,
    private readonly fps: number,
    private readonly loops: boolean,
  ) {
    this.taken = timeline.record;
  }

  get record(): TimelineRecord {
    return this.timeline.record;
  }

  /**
   * Takes `record` as the one followed from now on. Returns true when it restarts a file whose
   * previous restart had not run out when it was made: two newcomers on two servers after the end,
   * each restarting it before hearing of the other's (pub/sub takes a moment). The newer one wins
   * everywhere, as any change, but it is no news: every viewer heard PLAYING from the start already,
   * and a joiner hears the timeline once, after its INIT (PROTOCOL-NOTES.md §2.1).
   */
  take(record: TimelineRecord): boolean {
    const before = this.taken;
    this.taken = record;
    return record.cause === 'restart' && before.cause === 'restart' && !positionAt(before, record.changedAt, this.duration, this.loops).ended;
  }

  /** Where the timeline is at wall-clock `now`, and whether a file that does not loop has run out. */
  at(now: number): { position: number; ended: boolean } {
    return positionAt(this.timeline.record, now, this.duration, this.loops);
  }

  /**
   * Where a decoder run started at `now` begins and when its first frame shows (`due`): LEAD_MS
   * ahead, no earlier than the record's `at`, and on the frame grid, so that every server shows
   * frame i (round(position × fps)) at the same moment instead of up to a frame apart.
   */
  runStart(now: number): { position: number; due: number; ended: boolean } {
    const record = this.timeline.record;
    let due = Math.max(now + LEAD_MS, record.at);
    let { position, ended } = this.at(due);
    if (!ended && !record.paused) {
      const onGrid = Math.ceil(position * this.fps - 1e-6) / this.fps;
      due += (onGrid - position) * 1000;
      position = onGrid;
      if (this.duration > 0 && position >= this.duration) {
        if (this.loops) position -= this.duration;
        else ended = true;
      }
    }
    this.offFrames = 0;
    return { position, due, ended };
  }

  /** A frame's offset from the shared position at `now`, seconds (positive: ahead). Allocates nothing: asked for every frame. */
  offsetOf(framePosition: number, now: number): number {
    return positionOffset(framePosition, sharedPosition(this.timeline.record, now, this.duration, this.loops), this.duration, this.loops);
  }

  /**
   * Whether a run whose frame is `offset` seconds off should restart at the shared position: a
   * little behind, the unpaced decoder catches up by itself; far behind for a while, it skips ahead;
   * ahead means this machine's clock jumped.
   */
  drifted(offset: number): boolean {
    if (offset >= -BEHIND_S && offset * this.fps <= AHEAD_FRAMES) {
      this.offFrames = 0;
      return false;
    }
    return ++this.offFrames >= Math.ceil(this.fps / 2);
  }

  /** Pauses everyone at the position it has now. */
  pause(now: number): void {
    this.timeline.change({ paused: true, position: this.at(now).position, at: now, cause: 'pause' });
  }

  /** Resumes from where it paused, a moment ahead so every server's decoder is ready by then. */
  resume(now: number): void {
    this.timeline.change({ paused: false, position: this.timeline.record.position, at: now + LEAD_MS, cause: 'resume' });
  }

  seek(time: number, paused: boolean, now: number): void {
    this.timeline.change({ paused, position: time, at: now + LEAD_MS, cause: 'seek' });
  }

  /** A newcomer after the end starts the file again for everyone. */
  restart(now: number): void {
    this.timeline.change({ paused: false, position: 0, at: now + LEAD_MS, cause: 'restart' });
  }
}
