/**
 * The one shared timeline of a source: every viewer sees the same moment from its own direction.
 * Pause and seek act here (files only); the source runs only while someone is connected; a failed
 * source is restarted at the current position with backoff, and given up after MAX_FAILURES.
 */
import type { TimelineStatus } from '../../protocol/index.js';
import type { SharedTimeline } from '../cluster/cluster.js';
import type { TimelineRecord } from '../cluster/timeline-record.js';
import type { Logger } from '../shared/logger.js';
import type { DecodedFrame } from '../shared/types.js';
import { FrameRing } from '../source/frame-ring.js';
import type { FrameSource, SourceEvents, SourceInfo } from '../source/frame-source.js';
import { frameStart } from '../source/ffmpeg-source.js';
import { frameSize } from '../source/source-format.js';
import { SharedClock } from './shared-clock.js';
import { isUrlLike } from '../shared/source-name.js';
import type { FramePixels } from '../shared/frame-pixels.js';

/** Consecutive failures (no frame in between) before the source is reported as ended. */
export const MAX_FAILURES = 5;
const BACKOFF_BASE_MS = 250;
const BACKOFF_MAX_MS = 4000;
/** A file whose frames stop this far short of its stated length ended early (it is cut short). */
const ENDED_SHORT_S = 1;
/**
 * A live stream whose picture has stood still this long while watched is taken for lost and opened
 * again, as a player would: ffmpeg waits on a silent UDP port or a stalled connection for good, and
 * the viewers saw the last picture as playing with nothing said.
 */
export const LIVE_SILENT_MS = 10_000;
/** A run's first picture gets longer: probing, then waiting for a keyframe of a camera that sends one every few seconds. */
export const LIVE_FIRST_PICTURE_MS = 30_000;
/** How often that is looked at. */
const LIVE_WATCH_MS = 1000;

/** A URL that stops short this many times in a row at one place (within SAME_PLACE_FRAMES frames) has ended there. */
const SAME_STOPS = 3;
const SAME_PLACE_FRAMES = 1.5;

export interface PlaybackEvents {
  frame(frame: DecodedFrame): void;
  /** A recoverable failure, with what happens next; viewers see it as `Error:`. */
  problem(message: string): void;
  /** Natural end, or given up after repeated failures (`failed`). */
  ended(failed: boolean, message: string): void;
  /** The timeline changed (PROTOCOL-NOTES.md §2.1): every viewer is told. */
  status(status: TimelineStatus): void;
}

/** The sound that follows the timeline (audio/audio-track.ts). */
export interface TimelineAudio {
  start(position: number, clock: number): void;
  stop(): void;
  /** The picture is at `position` of `duration` (a looping file's next pass may be prepared). */
  nearEnd(position: number, duration: number): void;
  /** The picture wrapped round to the start of a looping file; its first frame is at `clock`. */
  looped(clock: number): void;
}

/**
 * Whether a source follows a cluster's shared timeline. Not a live stream or a photo (no timeline),
 * nor a file that starts only at its beginning (it cannot start where the others are): each server
 * shows its own.
 */
export function followsTimeline(info: SourceInfo): boolean {
  return !(info.live || info.kind === 'still' || info.unseekable);
}

export class Playback {
  private ring: FrameRing;
  /** The detail asked for: the width of a whole equirect panorama as detailed (working-size.ts). */
  private detail: number;
  /** Timeline run: bumped whenever the picture and the sound restart together. */
  run = 0;
  /**
   * Jumps of the timeline (a seek, here or through the cluster; a file started again after its
   * end). A frame decoded before the latest one shows a moment the viewers were told is gone
   * (frame.jump, isStale).
   */
  private jumps = 0;
  /** A file that starts only at its beginning kept its working size against a change (logged once). */
  private sizeKept = false;
  private clockBase = 0;
  /** Timeline clock of the newest frame. */
  clock = 0;
  private audio: TimelineAudio | null = null;
  /** Run of the last frame seen, so a new run's first frame is never taken for a loop. */
  private lastFrameRun = -1;
  /**
   * Whether the frame at `position` was shown. A resume starts at the frame after it only then: a
   * paused seek resumed before its one frame came had the new moment's first frame skipped.
   */
  private shownAtPosition = false;
  private paused = false;
  private clients = 0;
  private ended = false;
  private failures = 0;
  private failed = false;
  private retryTimer: NodeJS.Timeout | null = null;
  /** The last reason the source restarts for, while it does. */
  private restartReason = '';
  /** Position of the newest frame, seconds. */
  position = 0;
  restarts = 0;

  /** The cluster's timeline this playback follows (serve --cluster), or null to keep its own. */
  private shared: SharedClock | null = null;
  /** The newest frame's offset from the shared position, ms (positive: ahead); null when not playing. */
  offsetMs: number | null = null;
  /** Decoder restarts that brought the picture back to the shared position. */
  resyncs = 0;
  /** Wall-clock ms of the newest frame, so a restart keeps the clock in step with the time that passed. */
  private lastFrameAt = 0;
  /** Wall-clock ms the picture last moved: its newest frame, or the start of the run awaiting one. */
  private movedAt = 0;
  /** A live source's silence watch (LIVE_SILENT_MS); null for files and photos. */
  private liveWatch: NodeJS.Timeout | null = null;
  /** Whether the source's current run has shown a frame. */
  private runShown = false;
  /** Where a file that states no length was seen to end (0: not yet): seeks past it are refused as past a stated length. */
  private endSeen = 0;
  /**
   * Where a URL's picture last stopped short of its stated length (null: it has not), and how many
   * times in a row it stopped there. SAME_STOPS stops at one place are its end: an http file whose
   * sound runs past its picture states the longer length, and was restarted where it stopped for
   * ever, a frame at a time.
   */
  private shortEndAt: number | null = null;
  private shortStops = 0;

  readonly source: FrameSource;

  /** `createSource`: the opened source, made here so its events reach this playback (open-source.ts). */
  constructor(
    createSource: (events: SourceEvents) => FrameSource,
    workWidth: number,
    private readonly events: PlaybackEvents,
    private readonly log: Logger,
  ) {
    this.source = createSource({
      onFrame: (frame) => this.onFrame(frame),
      onError: (message) => this.onSourceError(message),
      onEnd: () => this.onSourceEnd(),
    });
    this.detail = workWidth;
    this.ring = this.ringFor(workWidth);
    if (this.source.info.live) {
      this.liveWatch = setInterval(() => {
        if (this.stillFor() < (this.runShown ? LIVE_SILENT_MS : LIVE_FIRST_PICTURE_MS)) return;
        // The waiting decoder goes now: left to the backoff, one that then ended by itself would
        // count the same silence twice.
        this.source.stop();
        this.onSourceError(this.runShown ? `no picture from the live stream for ${LIVE_SILENT_MS / 1000} s` : `no picture from the live stream in ${LIVE_FIRST_PICTURE_MS / 1000} s`);
      }, LIVE_WATCH_MS);
      this.liveWatch.unref();
    }
  }

  /** Frames in the source's layout, sized for the detail. */
  private ringFor(detail: number): FrameRing {
    const format = this.source.info.format;
    const { width, height } = frameSize(format, detail);
    return new FrameRing(width, height, format.picture, this.source.info.pixels);
  }

  /**
   * Bytes of the memory holding the frames: the ring's slots and, in a shared WebAssembly memory,
   * what the render threads claimed beside them for tables and samples (shared/wasm-arena.ts).
   */
  get frameMemoryBytes(): number {
    return this.ring.memory?.buffer.byteLength ?? this.ring.slots.reduce((n, s) => n + s.byteLength, 0);
  }

  /** How the working frames store their pixels (frame-pixels.ts). */
  get framePixels(): FramePixels {
    return this.ring.format.pixels;
  }

  /** The working frame's size (the layout's own shape). */
  get frameSize(): { width: number; height: number } {
    return { width: this.ring.width, height: this.ring.height };
  }

  setAudio(audio: TimelineAudio): void {
    this.audio = audio;
  }

  /** Where the picture is now, for a sound restarting mid-run; null when stopped. */
  now(): { position: number; clock: number } | null {
    return this.shouldRun ? { position: this.position, clock: this.clock } : null;
  }

  get workWidth(): number {
    return this.detail;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /**
   * How long the picture has stood still while it should play (ms; 0 when paused, ended, unwatched
   * or waiting to restart): a decoder that hangs, or frames that never reach the viewers, show here.
   */
  stillFor(now = Date.now()): number {
    // A photo's picture is one frame: once it came, standing still is what it does.
    const shown = this.source.info.kind === 'still' && this.runShown;
    return this.shouldRun && !this.retryTimer && !shown ? now - this.movedAt : 0;
  }

  private get shouldRun(): boolean {
    return this.clients > 0 && !this.paused && !this.ended;
  }

  /**
   * Follows a timeline kept outside this server: pause, seek and a newcomer's restart go out
   * through `shared.change` and come back as `applyShared`, on this server and every other.
   * `loops`: the file wraps round (`--loop`, the demo).
   */
  followShared(shared: SharedTimeline, loops: boolean): void {
    const info = this.source.info;
    if (!followsTimeline(info)) return;
    this.shared = new SharedClock(shared, info.duration, info.fps, loops);
    this.syncToShared();
  }

  /** Takes the shared timeline's state now, without starting or stopping anything. */
  private syncToShared(): void {
    const { position, ended } = this.shared!.at(Date.now());
    this.paused = this.shared!.record.paused;
    this.ended = ended;
    this.position = position;
  }

  /**
   * Brings the state /healthz reports up to date. A cluster server nobody watches decodes nothing,
   * so its own state stands where its last viewer left it while the shared timeline moves on (it
   * said PLAYING at 2.5 s of a file that had ended everywhere long before): it is taken up from the
   * shared record, as a first viewer here takes it up (setClients). A server that gave its source
   * up keeps saying so until a viewer makes it try again.
   */
  observe(): void {
    if (this.shared && this.clients === 0 && !this.failed) this.syncToShared();
  }

  /** The shared timeline changed (here or on another server): follow it and tell the viewers. */
  applyShared(record: TimelineRecord): void {
    if (!this.shared) return;
    const repeated = this.shared.take(record);
    if (record.cause !== 'start') {
      this.failed = false;
      this.failures = 0;
    }
    const wasPaused = this.paused;
    this.syncToShared();
    this.forgetShortEnd();
    // Moved elsewhere (a seek; a start or restart at 0 of a file that had ended): frames on their way show the old moment.
    if (record.cause === 'seek' || record.cause === 'restart' || record.cause === 'start') this.jumps++;
    this.log.info('cluster.timeline', { cause: record.cause, paused: record.paused, position: record.position.toFixed(3), by: record.writer });
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (this.shouldRun) this.start(this.position);
    else {
      this.halt();
      // Paused (or ended) with viewers: show the moment it stopped at.
      if (this.clients > 0 && this.paused && !this.ended) this.start(this.position, true);
    }
    if (record.cause !== 'seek') {
      // The same restart made on two servers at once: followed (its clock wins everywhere), not told twice.
      if (!repeated) this.announce(this.status);
      return;
    }
    this.announce({ code: 'SEEKED', position: record.position });
    // SEEKED leaves playing or paused as it was; a change that also flipped it (a seek made on a
    // server that had not heard of a pause, while Redis was away) says so after it.
    if (this.paused !== wasPaused) this.announce(this.status);
  }

  /** Starts the decoder so that its frames meet the shared timeline, each held until its moment (shared-clock.ts). */
  private startShared(keepClock: boolean): void {
    const { position, due, ended } = this.shared!.runStart(Date.now());
    const fps = this.source.info.fps;
    if (ended) {
      // The shared file runs out before a frame could show: it has ended here as everywhere.
      this.halt();
      this.onSourceEnd(true);
      return;
    }
    if (keepClock) {
      this.clockBase = this.clock + Math.max(1 / fps, (due - this.lastFrameAt) / 1000);
    } else {
      this.run++;
      this.clockBase = 0;
      this.clock = 0;
      this.audio?.start(position, 0);
    }
    this.movedAt = Date.now();
    this.runShown = false;
    this.source.start(position, this.ring, false, due);
  }

  /** Measures a frame against the shared position; a decoder that stays off it is restarted there. */
  private checkShared(frame: DecodedFrame): void {
    const now = Date.now();
    this.lastFrameAt = now;
    if (this.paused) {
      this.offsetMs = null;
      return;
    }
    const offset = this.shared!.offsetOf(frame.position, now);
    this.offsetMs = Math.round(offset * 1000);
    if (!this.shared!.drifted(offset)) return;
    this.resyncs++;
    this.log.warn('cluster.resync', { offset_ms: this.offsetMs });
    this.startShared(true);
  }

  /** Called by the source for each frame. */
  onFrame(frame: DecodedFrame): void {
    this.movedAt = Date.now();
    this.runShown = true;
    const recovered = this.failures > 0;
    this.failures = 0;
    this.restartReason = '';
    const previous = this.position;
    const sameRun = this.lastFrameRun === this.run;
    this.lastFrameRun = this.run;
    this.position = frame.position;
    this.shownAtPosition = true;
    // Past where it stopped short: that stop was an outage, whatever comes later.
    if (this.shortEndAt !== null && frame.position > this.shortEndAt + SAME_PLACE_FRAMES / this.source.info.fps) this.forgetShortEnd();
    frame.clock = this.clockBase + frame.elapsed;
    frame.run = this.run;
    frame.jumps = this.jumps;
    frame.seq = frame.ring.delivered(frame.slot);
    this.clock = frame.clock;
    if (this.shared) this.checkShared(frame);
    const duration = this.source.info.duration;
    if (this.audio && duration > 0 && !this.source.info.live) {
      // Within a run positions only grow, except where a looping file starts its next pass.
      if (sameRun && frame.position < previous - 1) this.audio.looped(frame.clock);
      else this.audio.nearEnd(frame.position, duration);
    }
    this.events.frame(frame);
    if (recovered) this.announce();
  }

  /** The timeline now, as a joiner is told it (a seek is an event, not a state). */
  get status(): TimelineStatus {
    if (this.failed) return { code: 'FAILED', reason: this.restartReason };
    if (this.ended) return { code: 'ENDED', position: this.position };
    // Restarting only while a restart is due: paused or with nobody watching, nothing restarts.
    if (this.retryTimer || (this.failures > 0 && this.shouldRun)) return { code: 'RESTARTING', reason: this.restartReason };
    if (this.source.info.kind === 'still') return { code: 'STILL', reason: 'photo' };
    return { code: this.paused ? 'PAUSED' : 'PLAYING', position: this.position };
  }

  private announce(status: TimelineStatus = this.status): void {
    this.events.status(status);
  }

  onSourceError(message: string): void {
    this.failures++;
    if (this.failures >= MAX_FAILURES) {
      this.log.error('source.failed', { reason: message, failures: this.failures });
      this.ended = true;
      this.failed = true;
      this.restartReason = `${message}; gave up after ${this.failures} attempts`;
      this.announce();
      this.events.ended(true, this.restartReason);
      return;
    }
    const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (this.failures - 1));
    // One restart at a time: a second failure before it (two reports of one stop) replaces it.
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const at = this.source.info.live ? 'live' : this.source.info.unseekable ? 'its start' : `${this.position.toFixed(1)} s`;
    this.log.warn('source.error', { reason: message, restart_in_ms: delay, at });
    this.restartReason = `${message}; restarting at ${at}`;
    this.events.problem(this.restartReason);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.restarts++;
      // The sound keeps going (it waits for the picture): only the picture restarts.
      if (this.shouldRun) this.start(this.position, false, true);
    }, delay);
    this.announce();
  }

  /** The file ran out; `timelineEnd`: the shared timeline says it ended, wherever this decoder was. */
  onSourceEnd(timelineEnd = false): void {
    // A live stream has no end to reach: its encoder stopped or restarted. Reconnected with backoff,
    // as a player would, and given up (FAILED) only after failing again and again.
    if (this.source.info.live) {
      this.onSourceError('the live stream stopped');
      return;
    }
    const { duration, fps, label } = this.source.info;
    // Where the picture stopped: the file's length, or short of it where the file is cut short (a
    // download stopped midway), which is then what ENDED says rather than the length its header claims.
    const played = this.position + 1 / fps;
    const short = !timelineEnd && duration > 0 && played < duration - ENDED_SHORT_S;
    if (short && isUrlLike(label)) {
      const samePlace = this.shortEndAt !== null && Math.abs(played - this.shortEndAt) <= SAME_PLACE_FRAMES / fps;
      this.shortStops = samePlace ? this.shortStops + 1 : 1;
      this.shortEndAt = played;
      if (this.shortStops < SAME_STOPS) {
        // Over the network an early end is the connection lost (ffmpeg's HLS reader skips the
        // segments it cannot fetch and ends as if done), not the file's end: tried again where it stopped.
        this.onSourceError(`the stream stopped at ${played.toFixed(1)} s of ${duration.toFixed(1)} s`);
        return;
      }
    }
    this.forgetShortEnd();
    this.ended = true;
    // A local file cut short ends there, as in any player, and the viewers are told why.
    if (short) this.events.problem(`the file ends at ${played.toFixed(1)} s, short of the ${duration.toFixed(1)} s it states (cut short?)`);
    // A file that does not state its length ends where its picture did (it had said ENDED:0).
    this.position = short || !(duration > 0) ? played : duration;
    // Only a run that showed frames ended at its picture's end; one started past the end shows none.
    if (!(duration > 0) && this.runShown) this.endSeen = Math.max(this.endSeen, played);
    if (short) this.log.warn('source.ended_early', { source: label, at: played.toFixed(2), duration });
    this.log.info('source.ended', { source: label });
    this.announce();
    this.events.ended(false, 'end of stream');
  }

  /**
   * Starts the source at `position`. A fresh run restarts the sound with it at clock 0; `keepClock`
   * restarts only the picture, its clock continuing where it was (the sound waits for it).
   */
  private start(position: number, once = false, keepClock = false): void {
    // Such a file starts only at its beginning (a viewer back after everyone left, a restart after
    // a failure): anywhere else ffmpeg gives no frame, which read as the end of the file.
    if (this.source.info.unseekable && position > 0) {
      position = this.position = 0;
      this.jumps++;
      // A new run: the sound starts again at 0 with the picture, not on from where it was.
      keepClock = false;
    }
    if (this.shared && !once) {
      this.startShared(keepClock);
      return;
    }
    if (keepClock) {
      this.clockBase = this.clock + 1 / this.source.info.fps;
    } else {
      this.run++;
      this.clockBase = 0;
      this.clock = 0;
      if (once) this.audio?.stop();
      else this.audio?.start(position, 0);
    }
    this.movedAt = Date.now();
    this.runShown = false;
    this.source.start(position, this.ring, once);
  }

  /** A short end's place no longer matters: the picture went past it, or the timeline moved. */
  private forgetShortEnd(): void {
    this.shortEndAt = null;
    this.shortStops = 0;
  }

  /** Viewers and listeners connected; the source runs only while there are some. */
  setClients(count: number): void {
    const before = this.shouldRun;
    const firstHere = count > 0 && this.clients === 0;
    // Only someone arriving restarts an ended file: the viewers leaving at the end must not.
    const arrived = count > this.clients;
    const shared = this.shared;
    // The shared timeline moved on while nobody here watched: take it up where it is now.
    if (shared && firstHere) this.syncToShared();
    this.clients = count;
    if (shared && arrived && this.ended && shared.at(Date.now()).ended) {
      // A newcomer after the end starts the file again for everyone (applyShared starts it here).
      shared.restart(Date.now());
      return;
    }
    // Ended here only (this server's decoder gave up): it tries again where the others are. Asked of
    // `failed` too: a first viewer here has just taken `ended` from the shared timeline (still
    // running), and the server played on saying FAILED, its /healthz 503.
    if (shared && arrived && (this.ended || this.failed)) {
      this.ended = false;
      this.failed = false;
      this.failures = 0;
      this.syncToShared();
    }
    if (firstHere && this.paused && !this.ended && (shared || !this.shownAtPosition)) {
      // Paused elsewhere while nobody watched here, or at a moment never decoded (a timeline that
      // started paused: `print`): decode the moment it stopped at.
      this.start(this.position, true);
      return;
    }
    const restarted = !shared && arrived && this.ended;
    if (restarted) {
      // A newcomer after the end starts the file again, as a player would.
      this.ended = false;
      this.failed = false;
      this.position = 0;
      this.failures = 0;
      this.jumps++;
    }
    if (this.shouldRun && !before) this.resumeAt(this.position);
    else if (!this.shouldRun && before) this.halt();
    if (restarted) this.announce();
  }

  private resumeAt(position: number): void {
    if (this.retryTimer) return; // a restart is already scheduled
    this.start(position);
  }

  private halt(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.source.stop();
    this.audio?.stop();
  }

  /** Returns an error reason, or null. */
  setPaused(paused: boolean): string | null {
    const info = this.source.info;
    if (info.live) return 'pause is not possible on a live source';
    if (info.kind === 'still') return 'pause is not possible on a still photo';
    // Resuming starts the decoder where it paused, which such a file cannot do.
    if (info.unseekable) return `pause is not possible in this file: ${info.unseekable}`;
    if (paused === this.paused) return null;
    if (this.shared) {
      if (paused) this.shared.pause(Date.now());
      else this.shared.resume(Date.now());
      return null;
    }
    this.paused = paused;
    this.log.info(paused ? 'playback.paused' : 'playback.resumed', { position: this.position.toFixed(3) });
    if (paused) this.halt();
    else if (this.shouldRun) this.resumeAt(this.shownAtPosition ? this.nextPosition() : this.position);
    this.announce();
    return null;
  }

  /**
   * Whether `frame` shows a moment before the timeline's latest jump: one still rendering, or
   * waiting to, when a seek came. Shown after SEEKED, it put the old moment back on screen.
   */
  isStale(frame: DecodedFrame): boolean {
    return frame.jumps !== undefined && frame.jumps !== this.jumps;
  }

  /** Position of the frame after the current one, wrapped for loops. */
  private nextPosition(): number {
    const { duration, fps } = this.source.info;
    const next = this.position + 1 / fps;
    return duration > 0 && next >= duration ? 0 : next;
  }

  seek(time: number): string | null {
    const info = this.source.info;
    if (info.live) return 'seek is not possible on a live source';
    if (info.kind === 'still') return 'seek is not possible on a still photo';
    if (info.unseekable) return `seek is not possible in this file: ${info.unseekable}`;
    const end = info.duration > 0 ? info.duration : this.endSeen;
    if (end > 0 && time >= end) return `seek time ${time} is past the end (${end.toFixed(3)} s)`;
    // The frame a player shows then, for the picture, the sound and every server of a cluster.
    const at = frameStart(time, info.fps);
    if (this.shared) {
      this.shared.seek(at, this.paused, Date.now());
      return null;
    }
    this.ended = false;
    this.failed = false;
    this.position = at;
    this.shownAtPosition = false;
    this.forgetShortEnd();
    this.log.info('playback.seek', { position: at.toFixed(3) });
    this.jumps++;
    if (this.shouldRun) this.start(at);
    else if (this.clients > 0) this.start(at, true); // paused: show the new moment
    this.announce({ code: 'SEEKED', position: at });
    return null;
  }

  /** Replaces the working size (as the detail of an equirect panorama `width` wide); the source restarts where it is. */
  setWorkWidth(width: number): void {
    if (width === this.detail) return;
    // A new size restarts the decoder where it is, which such a file cannot do: it keeps its first.
    if (this.source.info.unseekable && this.clients > 0 && !this.ended) {
      if (!this.sizeKept) this.log.info('source.resize_skipped', { reason: 'this file starts only at its beginning: it keeps the size it started at', asked: width });
      this.sizeKept = true;
      return;
    }
    const next = frameSize(this.source.info.format, width);
    this.detail = width;
    if (next.width === this.ring.width && next.height === this.ring.height) return;
    this.log.info('source.resize', { from: `${this.ring.width}x${this.ring.height}`, to: `${next.width}x${next.height}` });
    this.ring = this.ringFor(width);
    if (this.clients === 0 || this.ended) return;
    if (this.source.info.kind === 'still') this.start(0);
    else if (this.shouldRun) this.start(this.nextPosition(), false, true);
    else this.start(this.position, true, true); // paused: redraw the same moment at the new size
  }

  async dispose(): Promise<void> {
    // Changes from the cluster that arrive while shutting down start nothing.
    this.shared = null;
    if (this.liveWatch) clearInterval(this.liveWatch);
    this.halt();
    await this.source.dispose();
  }
}
