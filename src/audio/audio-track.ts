/**
 * The sound of a source: one encode (AudioEncoder), paced against the picture (AvPacer), fanned out
 * to every `/audio` listener (AudioListeners). It follows the shared timeline: the playback starts,
 * stops and seeks it with the picture; a crashed encoder restarts where the picture is, on the same
 * HTTP responses; a source whose audio keeps failing loses its sound, never its picture.
 */
import type { ServerResponse } from 'node:http';
import type { Logger } from '../shared/logger.js';
import type { FfmpegTools } from '../source/ffmpeg-tools.js';
import { AudioEncoder, type AudioInput } from './audio-encoder.js';
import { AudioListeners } from './audio-listeners.js';
import { AvPacer } from './av-pacer.js';

/** Consecutive encoder failures (no frame in between) before the sound is given up. */
const MAX_FAILURES = 5;
const BACKOFF_BASE_MS = 250;

export interface TimelineNow {
  /** Position (seconds into the source) and timeline clock of the picture now; null when stopped. */
  (): { position: number; clock: number } | null;
}

export interface AudioHealth {
  available: boolean;
  listeners: number;
  droppedListeners: number;
  bytesSent: number;
  /** Audio-minus-picture offset of the last released frame, ms (positive: sound after picture). */
  offsetMs: number;
  maxOffsetMs: number;
  restarts: number;
  failed: boolean;
  /** Why the sound was given up (what `/audio` answers then, PROTOCOL-NOTES.md §1.4); null while it is not. */
  reason: string | null;
}

/** How long before the end of a looping file the next pass is prepared. */
const LOOP_PREPARE_SECONDS = 1.5;

export interface AudioTrackOptions {
  tools: FfmpegTools;
  /** What to encode; null: no sound (a photo, a silent file). */
  input: AudioInput | null;
  /** The picture's frame rate, which paces the sound (av-pacer.ts). */
  fps: number;
  /** Where the picture is now, for a sound (re)starting mid-run. */
  now: TimelineNow;
  onListenersChange: (count: number) => void;
  log: Logger;
  /** A failure viewers should hear about (one line). */
  problem?: (message: string) => void;
}

export class AudioTrack {
  /** The encode being heard. */
  private encoder: AudioEncoder | null;
  /** The next pass of a looping file, prepared ahead so the loop has no gap. */
  private next: AudioEncoder | null;
  private readonly loops: boolean;
  private readonly pacer: AvPacer;
  readonly listeners: AudioListeners;
  private failures = 0;
  /** Why the sound was given up, or null: kept to tell `/audio` requests after the viewers were told. */
  private failure: string | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private wanted = false;
  restarts = 0;

  private readonly now: TimelineNow;
  private readonly log: Logger;
  private readonly problem: (message: string) => void;

  constructor(o: AudioTrackOptions) {
    const { tools, input, fps } = o;
    this.now = o.now;
    this.log = o.log;
    this.problem = o.problem ?? (() => {});
    this.listeners = new AudioListeners((count) => {
      this.listenersChanged(count);
      o.onListenersChange(count);
    });
    this.pacer = new AvPacer({
      release: (frame) => this.listeners.broadcast(frame.bytes),
      hold: (hold) => (hold ? this.encoder?.pauseReading() : this.encoder?.resumeReading()),
    });
    this.pacer.setFrameRate(fps);
    const make = (): AudioEncoder => {
      const encoder: AudioEncoder = new AudioEncoder(tools, input!, {
        frame: (frame) => {
          if (encoder !== this.encoder) return;
          this.failures = 0;
          this.pacer.push(frame);
        },
        error: (message) => {
          if (encoder === this.encoder) this.onError(message);
          else this.log.debug('audio.next_failed', { reason: message }); // the loop falls back to a plain restart
        },
        end: () => this.log.debug('audio.pass_ended'),
      }, o.log);
      return encoder;
    };
    this.encoder = input ? make() : null;
    this.loops = input?.kind === 'media' && input.loop;
    this.next = this.loops ? make() : null;
  }

  /** The source has a sound track, and it has not been given up. */
  get available(): boolean {
    return this.encoder !== null && !this.failed;
  }

  /** Why the sound was given up (its encoder kept failing), or null: the source has sound, or none at all. */
  get givenUp(): string | null {
    return this.failure;
  }

  private get failed(): boolean {
    return this.failure !== null;
  }

  /**
   * The timeline (re)starts at `position`; the first audio frame is stamped `clock`. The encoder
   * runs only while someone listens: with no listener this only notes that the sound is wanted.
   */
  start(position: number, clock: number): void {
    this.wanted = true;
    if (!this.encoder || this.failed) return;
    this.cancelRetry();
    this.pacer.reset();
    if (this.listeners.count === 0) {
      this.silence();
      return;
    }
    this.encoder.start(position, clock);
  }

  /** Whether sound is being made now: the timeline runs and someone listens. */
  get encoding(): boolean {
    return this.wanted && this.listeners.count > 0 && this.encoder !== null && !this.failed;
  }

  /** The first listener starts the encoder where the picture is; the last one leaving stops it. */
  private listenersChanged(count: number): void {
    if (!this.encoder || this.failed) return;
    if (count === 0) {
      this.silence();
      this.log.debug('audio.idle', { reason: 'no listeners' });
      return;
    }
    // A restart already due (after a failure) brings the sound back by itself.
    if (!this.wanted || this.encoder.running || this.retryTimer) return;
    const at = this.now();
    if (!at) return;
    this.pacer.reset();
    // The stream starts at the picture's moment now, as a listener joining a running encoder would
    // get it (the browser anchors a plain stream at its request): the frames the encoder makes
    // while it starts up are already due, and go out at once as a catch-up.
    this.pacer.catchUp();
    this.log.debug('audio.start', { reason: 'a listener', position: at.position.toFixed(3) });
    this.encoder.start(at.position, at.clock);
  }

  /** The timeline stopped (pause, idle, end): no more sound until the next start. */
  stop(): void {
    this.wanted = false;
    this.silence();
  }

  /** No encoder runs and nothing waits to be sent (what `wanted` says is the caller's). */
  private silence(): void {
    this.cancelRetry();
    this.encoder?.stop();
    this.next?.stop();
    this.pacer.reset();
  }

  /** The picture is within LOOP_PREPARE_SECONDS of the end of a looping file: get the next pass ready. */
  nearEnd(position: number, duration: number): void {
    if (!this.next || !this.encoding || this.next.running) return;
    if (duration - position > LOOP_PREPARE_SECONDS) return;
    this.next.start(0, null);
  }

  /** The picture looped: its first frame of the new pass is at `clock`; the sound starts there too. */
  looped(clock: number): void {
    if (!this.encoder || !this.loops || !this.encoding) return;
    this.cancelRetry();
    // Whatever the old pass still had queued (the AAC encoder's tail) belongs to no picture.
    this.pacer.clearAudio();
    const next = this.next;
    if (next && next.running && next.standby) {
      this.encoder.stop();
      this.next = this.encoder;
      this.encoder = next;
      next.activate(clock);
    } else {
      this.encoder.start(0, clock);
    }
  }

  /** A picture frame at timeline `clock` has just left. */
  noteVideo(clock: number): void {
    if (this.encoder) this.pacer.noteVideo(clock, performance.now());
  }

  addListener(res: ServerResponse): void {
    this.listeners.add(res);
  }

  /** The stream ended: listeners' responses end too. */
  end(): void {
    this.stop();
    this.listeners.endAll();
  }

  private onError(message: string): void {
    this.failures++;
    this.pacer.reset();
    if (this.failures >= MAX_FAILURES) {
      this.failure = message;
      this.log.error('audio.failed', { reason: message, failures: this.failures, note: 'the picture goes on without sound' });
      this.problem(`${message}; the sound is given up, the picture goes on`);
      this.listeners.endAll();
      return;
    }
    const delay = BACKOFF_BASE_MS * 2 ** (this.failures - 1);
    this.log.warn('audio.error', { reason: message, restart_in_ms: delay });
    this.problem(`${message}; restarting the sound`);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      const at = this.now();
      if (!this.encoding || !at || !this.encoder) return;
      this.restarts++;
      // Where the picture is now, so listeners continue in step on the same responses.
      this.encoder.start(at.position, at.clock);
    }, delay);
  }

  private cancelRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  health(): AudioHealth {
    return {
      available: this.available,
      listeners: this.listeners.count,
      droppedListeners: this.listeners.dropped,
      bytesSent: this.listeners.bytesSent,
      offsetMs: Math.round(this.pacer.offsetMs * 10) / 10,
      maxOffsetMs: Math.round(this.pacer.maxOffsetMs * 10) / 10,
      restarts: this.restarts,
      failed: this.failed,
      reason: this.failure,
    };
  }

  async dispose(): Promise<void> {
    this.wanted = false;
    this.cancelRetry();
    this.pacer.dispose();
    // The children first, waited for: ending the listeners stops the encoder without waiting.
    await Promise.all([this.encoder?.dispose(), this.next?.dispose()]);
    this.listeners.endAll();
  }
}
