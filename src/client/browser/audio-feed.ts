/**
 * Feeding `/audio` to the `<audio>` element, and knowing which moment of the picture it plays.
 *
 * MseAudioFeed (where MediaSource plays `audio/aac`: Chromium, Firefox, desktop Safari) fetches the
 * stream itself and appends each chunk to a SourceBuffer, stamping it with the picture's position
 * when it arrived (sound-clock.ts). Measured in Chromium 156: the element plays about 0.3 s behind
 * what arrived. Pointing the element's `src` at the stream instead, Chromium first reads 32 KB
 * (2 s of 128 kbit/s) before it plays a sample, so the picture would have to wait 2 s; and the
 * stamps keep the map right through seeks, loops, pauses and reconnects without a new request.
 *
 * ElementAudioFeed is the fallback (no MediaSource for AAC, e.g. iPhone Safari): `src` is the
 * stream, anchored once at the picture's position when the request starts, and requested afresh
 * after every discontinuity (`resync`).
 */
import { HOLD_SECONDS, START_MS } from './av-sync.js';
import { ADTS_FRAME_S, SoundClock } from './sound-clock.js';

/** MIME type of the stream (PROTOCOL-NOTES.md §1.4). */
export const AUDIO_MIME = 'audio/aac';
/** More sound than this buffered ahead of what plays (after a burst or a hidden tab): skip ahead. */
export const MAX_AHEAD_S = 1;
/** ... to this much ahead, about what Chromium keeps by itself. */
export const CATCH_UP_AHEAD_S = 0.3;
/** Played sound kept in the SourceBuffer behind currentTime; older is removed (the buffer's quota is finite). */
export const KEEP_BEHIND_S = 10;
/** Chunks waiting for the SourceBuffer beyond this many bytes (16 s of 128 kbit/s): the element is stuck; fail. */
export const MAX_PENDING_BYTES = 256 * 1024;
/**
 * The element fed a plain stream plays only after its 2 s pre-roll, plus the request and, on a
 * loaded machine, the server's encoder starting (2.4 s seen on CI): the picture may wait this long
 * for it, and the first sound gets this long before it counts as stalled.
 */
export const ELEMENT_HOLD_SECONDS = 4;
export const ELEMENT_START_MS = 5000;
/** A new listener joins at the next ADTS frame the server releases: on average half a frame after the request (ElementAudioFeed). */
export const JOIN_BIAS_S = ADTS_FRAME_S / 2;

export interface FeedHooks {
  /** The picture's position now (unwrapped, s), or null while frames are not arriving. */
  position(): number | null;
  /** The stream failed (network, server, decoder); `why` is for the log only. */
  failed(why: string): void;
  /** Sound is coming out (a feed without an element to say so: pcm-audio-feed.ts). */
  playing?(): void;
}

/** How much picture (s of timeline) may wait for a feed's sound, and how long a fresh request may take to play (ms): AvSync.setWait. */
export interface FeedWait {
  readonly holdSeconds: number;
  readonly startMs: number;
}

export interface AudioFeed extends FeedWait {
  readonly kind: 'pcm' | 'mse' | 'element';
  /** Opens the stream (call play() after, within the same user gesture). */
  start(): void;
  /** Starts the sound coming out. */
  play(): Promise<void>;
  /** Closes the stream. */
  stop(): void;
  /** The feed's own clock (s): it stands still while no sound plays. */
  mediaTime(): number;
  /** After a discontinuity in the picture (seek, resume, reconnect, replay): whether it needs a fresh request. */
  needsRequest(): boolean;
  /** The picture position being heard now; null before the feed knows. */
  heard(): number | null;
}

/**
 * Fetches the sound stream at `url`, each chunk to `chunk` as it comes: true once the stream ended
 * (a file without --loop), false when `signal` stopped it; a refused request or a broken read throws.
 */
export async function readSound(url: string, signal: AbortSignal, chunk: (bytes: Uint8Array<ArrayBuffer>) => void): Promise<boolean> {
  const res = await fetch(url, { cache: 'no-store', signal });
  if (res.status !== 200 || !res.body) throw new Error(`HTTP ${res.status}`);
  const reader = res.body.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (signal.aborted) return false;
    if (done) return true;
    chunk(value);
  }
}

type Pending = { bytes: Uint8Array<ArrayBuffer>; position: number | null };

export class MseAudioFeed implements AudioFeed {
  readonly kind = 'mse';
  readonly holdSeconds = HOLD_SECONDS;
  readonly startMs = START_MS;
  private readonly clock = new SoundClock();
  private source: MediaSource | null = null;
  private objectUrl = '';
  private buffer: SourceBuffer | null = null;
  private abort: AbortController | null = null;
  private pending: Pending[] = [];
  private pendingBytes = 0;
  private appending: Pending | null = null;
  private appendStart = 0;
  private ended = false;

  static supported(): boolean {
    return typeof MediaSource !== 'undefined' && MediaSource.isTypeSupported(AUDIO_MIME);
  }

  constructor(
    private readonly audio: HTMLAudioElement,
    private readonly url: () => string,
    private readonly hooks: FeedHooks,
  ) {}

  start(): void {
    this.stop();
    const source = new MediaSource();
    this.source = source;
    this.objectUrl = URL.createObjectURL(source);
    source.addEventListener('sourceopen', () => this.open(source), { once: true });
    this.audio.src = this.objectUrl;
  }

  stop(): void {
    this.abort?.abort();
    this.abort = null;
    this.pending = [];
    this.pendingBytes = 0;
    this.appending = null;
    this.buffer = null;
    this.source = null;
    this.ended = false;
    this.clock.reset();
    if (this.objectUrl) URL.revokeObjectURL(this.objectUrl);
    this.objectUrl = '';
  }

  /** Every chunk is stamped, so the map follows discontinuities by itself; a stream that ended (a file without --loop) cannot. */
  needsRequest(): boolean {
    return this.ended;
  }

  heard(): number | null {
    return this.clock.heard(this.audio.currentTime);
  }

  play(): Promise<void> {
    return this.audio.play();
  }

  mediaTime(): number {
    return this.audio.currentTime;
  }

  private open(source: MediaSource): void {
    if (source !== this.source) return;
    let buffer: SourceBuffer;
    try {
      buffer = source.addSourceBuffer(AUDIO_MIME);
    } catch (error) {
      this.hooks.failed(`addSourceBuffer: ${String(error)}`);
      return;
    }
    // ADTS has no timestamps: each frame follows the one before.
    buffer.mode = 'sequence';
    buffer.addEventListener('updateend', () => this.appended(buffer));
    this.buffer = buffer;
    const abort = new AbortController();
    this.abort = abort;
    void this.read(abort.signal);
  }

  private async read(signal: AbortSignal): Promise<void> {
    try {
      if (!(await readSound(this.url(), signal, (bytes) => this.enqueue(bytes)))) return;
      // A file without --loop ended: play out what is buffered.
      this.ended = true;
      this.finish();
    } catch (error) {
      if (!signal.aborted) this.hooks.failed(`fetch: ${String(error)}`);
    }
  }

  private enqueue(bytes: Uint8Array<ArrayBuffer>): void {
    this.pending.push({ bytes, position: this.hooks.position() });
    this.pendingBytes += bytes.length;
    if (this.pendingBytes > MAX_PENDING_BYTES) {
      this.hooks.failed('the SourceBuffer does not take the sound');
      return;
    }
    this.pump();
  }

  private pump(): void {
    const buffer = this.buffer;
    if (!buffer || buffer.updating || this.appending) return;
    const next = this.pending.shift();
    if (!next) {
      this.finish();
      return;
    }
    this.pendingBytes -= next.bytes.length;
    this.appending = next;
    this.appendStart = bufferedEnd(buffer);
    try {
      buffer.appendBuffer(next.bytes);
    } catch (error) {
      this.appending = null;
      this.hooks.failed(`appendBuffer: ${String(error)}`);
    }
  }

  private appended(buffer: SourceBuffer): void {
    if (buffer !== this.buffer) return;
    const done = this.appending;
    this.appending = null;
    if (done) {
      const end = bufferedEnd(buffer);
      if (done.position !== null) this.clock.stamp(this.appendStart, end, done.position);
      this.keepUp(buffer, end);
    }
    this.pump();
  }

  /** Skips ahead when too much waits to be played; removes what was played long ago. */
  private keepUp(buffer: SourceBuffer, end: number): void {
    const now = this.audio.currentTime;
    if (end - now > MAX_AHEAD_S && !this.audio.paused) this.audio.currentTime = end - CATCH_UP_AHEAD_S;
    const ranges = buffer.buffered;
    if (ranges.length > 0 && now - ranges.start(0) > 3 * KEEP_BEHIND_S && !buffer.updating) {
      buffer.remove(0, now - KEEP_BEHIND_S); // its updateend pumps again
    }
  }

  private finish(): void {
    const source = this.source;
    if (this.ended && source?.readyState === 'open' && this.buffer && !this.buffer.updating && this.pending.length === 0) source.endOfStream();
  }
}

function bufferedEnd(buffer: SourceBuffer): number {
  const ranges = buffer.buffered;
  return ranges.length > 0 ? ranges.end(ranges.length - 1) : 0;
}

export class ElementAudioFeed implements AudioFeed {
  readonly kind = 'element';
  readonly holdSeconds = ELEMENT_HOLD_SECONDS;
  readonly startMs = ELEMENT_START_MS;
  private readonly clock = new SoundClock();
  private waiting = false;

  constructor(
    private readonly audio: HTMLAudioElement,
    private readonly url: () => string,
    private readonly hooks: FeedHooks,
  ) {}

  start(): void {
    this.audio.src = this.url();
    // A fresh load starts at media time 0 (ADTS carries no timestamps).
    const position = this.hooks.position();
    this.waiting = position === null;
    if (position === null) this.clock.reset();
    else this.clock.anchor(0, position + JOIN_BIAS_S);
  }

  stop(): void {
    this.clock.reset();
  }

  play(): Promise<void> {
    return this.audio.play();
  }

  mediaTime(): number {
    return this.audio.currentTime;
  }

  /** The element's buffer ran dry or holds the old moment: only a fresh request is in step again. */
  needsRequest(): boolean {
    return true;
  }

  heard(): number | null {
    if (this.waiting) {
      // Requested while no frames came: anchored on the first picture seen before sound plays.
      const position = this.hooks.position();
      if (position === null || this.audio.currentTime > 0) return null;
      this.clock.anchor(0, position + JOIN_BIAS_S);
      this.waiting = false;
    }
    return this.clock.heard(this.audio.currentTime);
  }
}
