/**
 * Keeps sound in step with the picture at the server. The picture is the master: each video frame
 * that leaves is noted with its timeline clock and wall time; an encoded audio frame is released
 * when the picture's clock reaches the audio frame's clock. The offset between the two, measured on
 * every released frame, is what /healthz reports.
 */
import type { AudioFrame } from './audio-encoder.js';

/** Encoded audio waiting for the picture: beyond this the encoder is held (ffmpeg blocks). */
export const MAX_QUEUED_SECONDS = 1;
/** How often waiting audio is checked against the picture's clock. */
export const PACE_INTERVAL_MS = 5;
/** Video frames remembered for measuring when a given moment of the picture left. */
const VIDEO_HISTORY = 64;

export interface PacerHooks {
  release(frame: AudioFrame): void;
  /** Too much audio is waiting: stop (true) or resume (false) the encoder's output. */
  hold(hold: boolean): void;
}

export class AvPacer {
  private queue: AudioFrame[] = [];
  private queuedSeconds = 0;
  private held = false;
  private readonly videoClock = new Float64Array(VIDEO_HISTORY);
  private readonly videoWall = new Float64Array(VIDEO_HISTORY);
  private videoCount = 0;
  private frameSeconds = 1 / 30;
  private timer: NodeJS.Timeout | null = null;
  /** Last measured audio-minus-picture offset in ms (positive: sound leaves after the picture). */
  offsetMs = 0;
  /** Largest |offset| over the last MAX_WINDOW releases. */
  maxOffsetMs = 0;
  private window: number[] = [];
  /** The encoder started behind the picture (a listener joined): late frames go out at once, uncounted. */
  private catchingUp = false;

  constructor(private readonly hooks: PacerHooks) {}

  setFrameRate(fps: number): void {
    this.frameSeconds = 1 / fps;
  }

  /** A picture frame at timeline `clock` left the server at `wallMs` (performance.now()). */
  noteVideo(clock: number, wallMs: number): void {
    const i = this.videoCount % VIDEO_HISTORY;
    this.videoClock[i] = clock;
    this.videoWall[i] = wallMs;
    this.videoCount++;
    this.ensureTimer();
    this.pace();
  }

  push(frame: AudioFrame): void {
    this.queue.push(frame);
    this.queuedSeconds += frame.duration;
    if (!this.held && this.queuedSeconds > MAX_QUEUED_SECONDS) {
      this.held = true;
      this.hooks.hold(true);
    }
    this.ensureTimer();
  }

  /** Forgets queued audio but keeps the picture's history (the sound restarts, the picture goes on). */
  clearAudio(): void {
    this.queue = [];
    this.queuedSeconds = 0;
    if (this.held) {
      this.held = false;
      this.hooks.hold(false);
    }
  }

  /**
   * The next frames were started where the picture already is and arrive late by the encoder's
   * start-up: they are released at once and not counted as offset, until one is on time.
   */
  catchUp(): void {
    this.catchingUp = true;
  }

  /** Forgets queued audio and the picture's history (a seek, a pause, a restart). */
  reset(): void {
    this.queue = [];
    this.queuedSeconds = 0;
    this.videoCount = 0;
    this.catchingUp = false;
    if (this.held) {
      this.held = false;
      this.hooks.hold(false);
    }
    this.stopTimer();
  }

  private ensureTimer(): void {
    if (!this.timer && this.queue.length > 0) this.timer = setInterval(() => this.pace(), PACE_INTERVAL_MS);
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** The picture's clock now: the newest frame's, advanced by the time since, at most one frame. */
  private videoNow(now: number): number | null {
    if (this.videoCount === 0) return null;
    const i = (this.videoCount - 1) % VIDEO_HISTORY;
    return this.videoClock[i]! + Math.min((now - this.videoWall[i]!) / 1000, this.frameSeconds);
  }

  /** Wall time at which the picture at `clock` left (interpolated; extrapolated past the newest). */
  private videoWallAt(clock: number): number {
    const n = Math.min(this.videoCount, VIDEO_HISTORY);
    let newer = (this.videoCount - 1) % VIDEO_HISTORY;
    // Past the newest frame the picture runs at real time; the slope of the last two frames would
    // turn a stall between them into a prediction far in the future.
    if (clock >= this.videoClock[newer]!) return this.videoWall[newer]! + (clock - this.videoClock[newer]!) * 1000;
    for (let k = 1; k < n; k++) {
      const older = (this.videoCount - 1 - k) % VIDEO_HISTORY;
      if (this.videoClock[older]! <= clock) {
        const c0 = this.videoClock[older]!;
        const c1 = this.videoClock[newer]!;
        const w0 = this.videoWall[older]!;
        const w1 = this.videoWall[newer]!;
        return c1 > c0 ? w0 + ((clock - c0) / (c1 - c0)) * (w1 - w0) : w0;
      }
      newer = older;
    }
    // Older than everything remembered: as late as the oldest frame we know of.
    return this.videoWall[newer]!;
  }

  private pace(): void {
    const now = performance.now();
    const video = this.videoNow(now);
    if (video === null) return;
    while (this.queue.length > 0 && this.queue[0]!.clock <= video) {
      const frame = this.queue.shift()!;
      this.queuedSeconds -= frame.duration;
      const offset = now - this.videoWallAt(frame.clock);
      if (this.catchingUp && offset > 1000 * this.frameSeconds) {
        this.hooks.release(frame);
        continue;
      }
      this.catchingUp = false;
      this.measure(offset);
      this.hooks.release(frame);
    }
    if (this.held && this.queuedSeconds < MAX_QUEUED_SECONDS / 2) {
      this.held = false;
      this.hooks.hold(false);
    }
    if (this.queue.length === 0) this.stopTimer();
  }

  private measure(offset: number): void {
    this.offsetMs = offset;
    this.window.push(Math.abs(offset));
    if (this.window.length > 100) this.window.shift();
    this.maxOffsetMs = Math.max(...this.window);
  }

  dispose(): void {
    this.reset();
  }
}
