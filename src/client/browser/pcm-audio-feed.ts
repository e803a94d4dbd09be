/**
 * The sound decoded by the page itself (WebCodecs' AudioDecoder) and played through Web Audio, a
 * few tens of milliseconds behind what arrived, where MediaSource plays about 0.3 s behind: the
 * picture waits for the sound (av-sync.ts) only that long, so with the sound on a turn of the view
 * shows about a quarter of a second sooner.
 *
 * The stream is fetched and cut into ADTS frames (protocol/adts.ts); each frame is stamped with the
 * picture's position when its bytes arrived, as the MediaSource feed stamps its appends, and
 * decoded; each decoded frame is scheduled right after the one before (playout.ts). The frame's
 * stamp travels through the decoder as its chunk's timestamp (a frame count), so no list of
 * pending frames is kept beside the decoder.
 *
 * Needs a secure context (https, or the page on localhost) and a browser whose WebCodecs decode
 * AAC: `supported` and `decodes` say; elsewhere the page uses MediaSource (audio-feed.ts).
 */
import { AdtsFramer, type AdtsHeader } from '../../../protocol/adts.js';
import { HOLD_SECONDS, START_MS } from './av-sync.js';
import { readSound, type AudioFeed, type FeedHooks } from './audio-feed.js';
import { Playout } from './playout.js';
import { SoundClock } from './sound-clock.js';

/** AAC-LC (PROTOCOL-NOTES.md §1.4); without a description WebCodecs reads ADTS. */
const CODEC = 'mp4a.40.2';
/** Decodes queued beyond this (a stuck decoder): the stream fails rather than growing memory. */
const MAX_DECODE_QUEUE = 96;
/** Stamps in flight through the decoder, by frame count modulo this. */
const STAMPS = 256;
/** How long play() waits for the context to start before taking it as refused. */
const RESUME_WAIT_MS = 1000;

export class PcmAudioFeed implements AudioFeed {
  readonly kind = 'pcm';
  readonly holdSeconds = HOLD_SECONDS;
  readonly startMs = START_MS;
  private readonly clock = new SoundClock();
  private readonly playout = new Playout();
  private readonly framer = new AdtsFramer((frame, header) => this.decode(frame, header));
  /** The picture's position when each frame in flight arrived (NaN: unknown), by frame count. */
  private readonly stamps = new Float64Array(STAMPS);
  private context: AudioContext | null = null;
  /** This request's output: disconnecting it silences whatever it had scheduled. */
  private output: GainNode | null = null;
  private decoder: AudioDecoder | null = null;
  private abort: AbortController | null = null;
  private arrivedAt: number | null = null;
  private frames = 0;
  /** A frame's duration in the chunks' timestamps (µs), which carry its count. */
  private frameUs = 0;
  private sounding = false;
  private ended = false;
  /** The decoder refused the stream: this browser's WebCodecs cannot play it after all (the page falls back to MediaSource). */
  broken = false;

  /** Whether this page can try it: WebCodecs (which browsers offer only to secure contexts) and Web Audio. */
  static supported(): boolean {
    return typeof AudioDecoder === 'function' && typeof AudioContext === 'function' && globalThis.isSecureContext === true;
  }

  /** Whether the browser's AudioDecoder decodes the stream's AAC. */
  static async decodes(): Promise<boolean> {
    try {
      return (await AudioDecoder.isConfigSupported({ codec: CODEC, sampleRate: 48000, numberOfChannels: 2 })).supported === true;
    } catch {
      return false;
    }
  }

  constructor(
    private readonly url: () => string,
    private readonly hooks: FeedHooks,
  ) {}

  start(): void {
    this.reset();
    // Made (or resumed, in play) within the click that turned the sound on: browsers start audio only then.
    this.context ??= new AudioContext({ latencyHint: 'interactive' });
    this.output = this.context.createGain();
    this.output.connect(this.context.destination);
    const abort = new AbortController();
    this.abort = abort;
    void this.read(abort.signal);
  }

  /** Resolves once the context runs; rejects when the browser keeps it suspended (no user gesture: autoplay refused), as an element's play() does. */
  async play(): Promise<void> {
    const context = this.context;
    if (!context) return;
    // resume() stays pending, rather than rejecting, while autoplay is refused.
    await Promise.race([context.resume(), new Promise((r) => setTimeout(r, RESUME_WAIT_MS))]);
    if ((context.state as string) !== 'running') throw new DOMException('the AudioContext was not allowed to start', 'NotAllowedError');
  }

  stop(): void {
    this.reset();
    // An idle context still runs its render thread (a restart goes through reset only: no device reopened).
    if (this.context?.state === 'running') void this.context.suspend();
  }

  /** Stops for good (the page swaps this feed out, or goes): the context's device is let go. */
  close(): void {
    this.reset();
    void this.context?.close();
    this.context = null;
  }

  private reset(): void {
    this.abort?.abort();
    this.abort = null;
    if (this.decoder && this.decoder.state !== 'closed') this.decoder.close();
    this.decoder = null;
    this.output?.disconnect();
    this.output = null;
    this.framer.reset();
    this.playout.reset();
    this.clock.reset();
    this.frames = 0;
    this.sounding = false;
    this.ended = false;
  }

  /** Every frame is stamped, so the map follows discontinuities by itself; a stream that ended cannot. */
  needsRequest(): boolean {
    return this.ended;
  }

  mediaTime(): number {
    return this.playout.heard(this.outputTime()) ?? 0;
  }

  heard(): number | null {
    const media = this.playout.heard(this.outputTime());
    return media === null ? null : this.clock.heard(media);
  }

  /** The context's node to listen to this feed's sound at (the lip-sync tests tap it), while it plays. */
  tap(): { context: AudioContext; node: AudioNode } | null {
    return this.context && this.output ? { context: this.context, node: this.output } : null;
  }

  /** The context time whose sound leaves the output now. */
  private outputTime(): number {
    const context = this.context;
    if (!context) return 0;
    const stamp = context.getOutputTimestamp?.();
    if (stamp?.contextTime !== undefined && stamp.contextTime > 0) return stamp.contextTime;
    return context.currentTime - context.baseLatency - (context.outputLatency || 0);
  }

  private async read(signal: AbortSignal): Promise<void> {
    try {
      const ended = await readSound(this.url(), signal, (bytes) => {
        // Every whole frame in these bytes arrived with the picture where it is now.
        this.arrivedAt = this.hooks.position();
        this.framer.push(bytes);
      });
      // A file without --loop ended: what is scheduled plays out.
      if (ended) this.ended = true;
    } catch (error) {
      if (!signal.aborted) this.hooks.failed(`fetch: ${String(error)}`);
    }
  }

  private decode(frame: Uint8Array, header: AdtsHeader): void {
    if (this.abort === null) return; // stopped while a chunk's frames were being cut
    let decoder = this.decoder;
    if (!decoder) {
      decoder = new AudioDecoder({ output: (data) => this.decoded(data, decoder!), error: (e) => this.decodeFailed(decoder!, e) });
      try {
        decoder.configure({ codec: CODEC, sampleRate: header.sampleRate, numberOfChannels: header.channels });
      } catch (error) {
        this.broken = true;
        this.hooks.failed(`configure: ${String(error)}`);
        return;
      }
      this.decoder = decoder;
      this.frameUs = (header.samples / header.sampleRate) * 1e6;
    }
    if (decoder.state !== 'configured') return; // failed: decodeFailed has said so
    if (decoder.decodeQueueSize > MAX_DECODE_QUEUE) {
      // Stuck before a sound came out: this browser's WebCodecs cannot play it (MediaSource can).
      if (!this.sounding) this.broken = true;
      this.hooks.failed('the decoder does not take the sound');
      return;
    }
    const n = this.frames++;
    this.stamps[n % STAMPS] = this.arrivedAt ?? NaN;
    // The timestamp is the frame's own (a decoder may count its output's from the first input's), and carries its count.
    decoder.decode(new EncodedAudioChunk({ type: 'key', timestamp: Math.round(n * this.frameUs), data: frame }));
  }

  private decoded(data: AudioData, decoder: AudioDecoder): void {
    const context = this.context;
    const output = this.output;
    if (decoder !== this.decoder || !context || !output) {
      data.close();
      return;
    }
    try {
      this.playFrame(data, context, output);
    } catch (error) {
      // A conversion or buffer this browser lacks: thrown here it would go unreported, the sound stalled for good.
      if (!this.sounding) this.broken = true;
      this.hooks.failed(`play: ${String(error)}`);
    } finally {
      data.close();
    }
  }

  private playFrame(data: AudioData, context: AudioContext, output: GainNode): void {
    const channels = data.numberOfChannels;
    const length = data.numberOfFrames;
    const duration = length / data.sampleRate;
    const media = this.playout.mediaStart();
    // Scheduled on the context's own clock, where sources start; outputTime() (that clock less the
    // output's latency, read afresh each time) only says what is heard.
    const at = this.playout.schedule(context.currentTime, duration);
    const position = this.stamps[Math.round(data.timestamp / this.frameUs) % STAMPS]!;
    if (at !== null) {
      const buffer = context.createBuffer(channels, length, data.sampleRate);
      for (let c = 0; c < channels; c++) data.copyTo(buffer.getChannelData(c), { planeIndex: c, format: 'f32-planar' });
      const source = context.createBufferSource();
      source.buffer = buffer;
      source.connect(output);
      source.start(at);
      if (!this.sounding) {
        this.sounding = true;
        this.hooks.playing?.();
      }
    }
    if (!Number.isNaN(position)) this.clock.stamp(media, media + duration, position);
  }

  private decodeFailed(decoder: AudioDecoder, error: DOMException): void {
    if (decoder !== this.decoder) return;
    this.decoder = null;
    if (!this.sounding) this.broken = true;
    this.hooks.failed(`decode: ${error.message}`);
  }
}
