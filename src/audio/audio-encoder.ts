/**
 * One ffmpeg AAC encode per source: the source's first audio track (or the demo's generated ticks)
 * → AAC-LC in ADTS on a pipe → whole frames stamped with the timeline clock. It is not paced by
 * itself: the pacer releases frames in step with the picture and pauses our reading when it holds
 * enough, which holds ffmpeg too (the pipe fills), so memory stays bounded.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { terminate, terminateAndWait } from '../shared/child-process.js';
import type { Logger } from '../shared/logger.js';
import { toldOf, withPublicUrls } from '../shared/source-name.js';
import type { SegmentCut } from '../source/cmaf-playlist.js';
import { protocolsFor, type FfmpegTools } from '../source/ffmpeg-tools.js';
import { AdtsFramer } from '../../protocol/adts.js';

export const AUDIO_SAMPLE_RATE = 48000;
export const AUDIO_BITRATE = '128k';

export interface AudioFrame {
  /** One whole ADTS frame; shared read-only by every listener. */
  bytes: Buffer;
  /** Timeline clock (seconds) of the frame's first sample. */
  clock: number;
  /** Seconds of sound in the frame. */
  duration: number;
}

/** `cut`: where a start past 0 reads instead (an HLS playlist of CMAF segments, cmaf-playlist.ts), found before the encoder starts. */
export type AudioInput = { kind: 'media'; input: string; loop: boolean; cut?: (position: number) => Promise<SegmentCut> } | { kind: 'demo'; loopSeconds: number };

export interface AudioEncoderEvents {
  frame(frame: AudioFrame): void;
  /** The encoder stopped unexpectedly (one line). */
  error(message: string): void;
  /** The audio reached its end (non-looping file). */
  end(): void;
}

/**
 * The demo's sound says where you are in time: a short 880 Hz tick every second, a longer 1320 Hz
 * beep every 10 s and a 1760 Hz tone at the start of each loop. `P` is the start position.
 */
export function demoAudioExpression(position: number, loopSeconds: number): string {
  const T = `(t+${position.toFixed(3)})`;
  const inLoop = `mod(${T},${loopSeconds})`;
  const tenth = `mod(${T},10)`;
  const freq = `if(lt(${inLoop},0.4),1760,if(lt(${tenth},0.15),1320,880))`;
  const gate = `if(lt(${inLoop},0.4),1,if(lt(${tenth},0.15),1,lt(mod(${T},1),0.04)))`;
  return `0.3*sin(2*PI*${freq}*t)*${gate}`;
}

/** The encoder's command line; `cut`: the copy of a CMAF playlist to read instead, from its start. */
export function buildAudioArgs(input: AudioInput, position: number, cut?: SegmentCut): string[] {
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'error'];
  if (input.kind === 'demo') {
    args.push('-f', 'lavfi', '-i', `aevalsrc='${demoAudioExpression(position, input.loopSeconds)}':s=${AUDIO_SAMPLE_RATE}`);
  } else {
    // No -stream_loop: each pass of a looping file is a new encode started when the picture loops
    // (AudioTrack), since a looped AAC stream carries its encoder delay into every pass and drifts.
    if (cut) {
      // ffmpeg plays the copy from its start and drops what comes before the moment.
      args.push('-protocol_whitelist', cut.protocols, '-i', cut.input, '-map', '0:a:0', '-vn', '-sn', '-dn');
      if (cut.skip > 0) args.push('-ss', cut.skip.toFixed(3));
    } else {
      args.push('-protocol_whitelist', protocolsFor(input.input));
      if (position > 0) args.push('-ss', position.toFixed(3));
      args.push('-i', input.input, '-map', '0:a:0', '-vn', '-sn', '-dn');
    }
  }
  // -flush_packets: each ADTS frame leaves at once instead of waiting in a 32 KiB output buffer.
  args.push('-ac', '2', '-ar', String(AUDIO_SAMPLE_RATE), '-c:a', 'aac', '-b:a', AUDIO_BITRATE, '-f', 'adts', '-flush_packets', '1', 'pipe:1');
  return args;
}

/** Seconds of sound a standby encoder gets ready before it waits (reading paused). */
const STANDBY_SECONDS = 2;

export class AudioEncoder {
  private child: ChildProcess | null = null;
  private readonly framer: AdtsFramer;
  private clock = 0;
  private lastError = '';
  /** Standby: frames wait here, unstamped, until `activate` says at which clock they play. */
  private waiting: AudioFrame[] | null = null;
  private waitingSeconds = 0;
  /** The start whose CMAF copy is being found; a stop or another start replaces it, and the copy found then goes unused. */
  private finding: object | null = null;

  constructor(
    private readonly tools: FfmpegTools,
    private readonly input: AudioInput,
    private readonly events: AudioEncoderEvents,
    private readonly log: Logger,
  ) {
    this.framer = new AdtsFramer((frame, header) => {
      const duration = header.samples / header.sampleRate;
      // The framer's view is reused: one copy per frame, shared by all listeners.
      const bytes = Buffer.from(frame);
      if (this.waiting) {
        this.waiting.push({ bytes, clock: 0, duration });
        this.waitingSeconds += duration;
        if (this.waitingSeconds >= STANDBY_SECONDS) this.pauseReading();
        return;
      }
      this.events.frame({ bytes, clock: this.clock, duration });
      this.clock += duration;
    });
  }

  /** Started: its ffmpeg runs, or the copy of a CMAF playlist it is to read is being found. */
  get running(): boolean {
    return this.child !== null || this.finding !== null;
  }

  /**
   * Encodes from `position` (seconds); the first frame is stamped `clock`. With `clock` null the
   * encoder is a standby: it prepares STANDBY_SECONDS of sound and holds it until `activate`.
   */
  start(position: number, clock: number | null): void {
    this.stop();
    this.clock = clock ?? 0;
    this.waiting = clock === null ? [] : null;
    this.waitingSeconds = 0;
    this.framer.reset();
    this.lastError = '';
    const cut = this.input.kind === 'media' && position > 0 ? this.input.cut : undefined;
    if (!cut) {
      this.spawn(buildAudioArgs(this.input, position));
      return;
    }
    const finding = {};
    this.finding = finding;
    void cut(position).then(
      (from) => {
        if (this.finding !== finding) return;
        this.finding = null;
        this.spawn(buildAudioArgs(this.input, position, from));
      },
      (error: unknown) => {
        // The copy could not be written (a full disk): said as an encoder failure is.
        if (this.finding !== finding) return;
        this.finding = null;
        this.events.error(`audio encoder could not start (${error instanceof Error ? error.message : String(error)})`);
      },
    );
  }

  private spawn(args: string[]): void {
    this.log.debug('audio.spawn', { args: args.join(' ') });
    const child = spawn(this.tools.ffmpeg, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout!.on('data', (chunk: Buffer) => {
      if (this.child === child) this.framer.push(chunk);
    });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (text: string) => {
      for (const line of text.split('\n')) {
        if (!line.trim()) continue;
        this.lastError = line.trim();
        this.log.debug('audio.stderr', { line: this.lastError });
      }
    });
    child.on('error', (error) => {
      if (this.child !== child) return;
      this.child = null;
      // A spawn error names the ffmpeg binary's path: viewers and /audio get its code alone.
      this.events.error(`could not run ffmpeg for audio (${(error as NodeJS.ErrnoException).code ?? 'spawn failed'})`);
    });
    child.on('close', (code, signal) => {
      if (this.child !== child) return;
      this.child = null;
      if (code === 0) this.events.end();
      else this.events.error(`audio encoder stopped (ffmpeg ${signal ? `killed by ${signal}` : `exited with code ${code}`}${this.lastError ? `: ${this.told(this.lastError)}` : ''})`);
    });
  }

  /** An ffmpeg line as viewers and `/audio` may be told it (shared/source-name.ts). */
  private told(line: string): string {
    return this.input.kind === 'media' ? toldOf(line, this.input.input) : withPublicUrls(line);
  }

  /** A standby goes live: what it prepared plays from `clock` on, then everything after it. */
  activate(clock: number): void {
    const waiting = this.waiting ?? [];
    this.waiting = null;
    this.clock = clock;
    for (const frame of waiting) {
      frame.clock = this.clock;
      this.clock += frame.duration;
      this.events.frame(frame);
    }
    this.resumeReading();
  }

  get standby(): boolean {
    return this.waiting !== null;
  }

  /** Back-pressure from the pacer: stop reading (ffmpeg blocks when the pipe fills). */
  pauseReading(): void {
    this.child?.stdout?.pause();
  }

  resumeReading(): void {
    this.child?.stdout?.resume();
  }

  stop(): void {
    this.finding = null;
    const child = this.child;
    if (!child) return;
    this.child = null;
    terminate(child);
  }

  async dispose(): Promise<void> {
    const child = this.child;
    this.stop();
    await terminateAndWait(child);
  }
}
