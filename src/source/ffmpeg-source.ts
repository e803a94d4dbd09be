/**
 * Video through an ffmpeg child: decoded once at native pace, scaled to the working size, raw frames
 * (the stream's own 4:2:0 planes, or RGB24; shared/frame-pixels.ts) on its stdout, read straight
 * into shared frame slots (frame-channel.ts: no per-frame allocation, no concatenation, no copy on
 * our side).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { FrameAssembler } from './frame-assembler.js';
import { redactedSource, toldOf } from '../shared/source-name.js';
import { openFrameChannel, type FrameChannel } from './frame-channel.js';
import { KILL_TIMEOUT_MS, terminate, terminateAndWait } from '../shared/child-process.js';
import type { Logger } from '../shared/logger.js';
import { protocolsFor, resolveHwaccel, untagged, type FfmpegTools, type Hwaccel, type Resizer } from './ffmpeg-tools.js';
import type { FrameRing } from './frame-ring.js';
import type { FrameSource, SourceEvents, SourceInfo } from './frame-source.js';
import type { FramePixels } from '../shared/frame-pixels.js';
import { findRunUpStart, type RunUpLookup } from './keyframe-seek.js';
import type { CmafPlaylist } from './cmaf-playlist.js';

export interface DecodeArgs {
  input: string;
  width: number;
  height: number;
  fps: number;
  hwaccel: Hwaccel;
  fpsModeFlag: FfmpegTools['fpsModeFlag'];
  resizer: Resizer;
  /** Read at native pace (`-re`); off only for benchmarks. */
  realtime: boolean;
  loop: boolean;
  position: number;
  /**
   * Where decoding starts, before `position`: a keyframe found for a container whose `-ss` may land
   * past it (keyframe-seek.ts). What comes before `position` is decoded and dropped. Absent:
   * ffmpeg's `-ss` finds the keyframe itself.
   */
  runUpFrom?: number;
  /** `-protocol_whitelist` fitting the operator's source, so a crafted playlist cannot reach local files. */
  protocols: string;
  /** The decoded frame's size, before any crop. */
  decoded: { width: number; height: number };
  /** The part of each frame to keep (one eye of a stereo file), or null for all of it. */
  crop: { x: number; y: number; width: number; height: number } | null;
  /** The file's own frame rate as probed (absent or 0: unknown). */
  nativeFps?: number;
  /** Which video stream is the picture (`0:v:N`; absent: the first). */
  videoStream?: number;
  /** How much of the stream ffmpeg reads before it starts, in µs (absent: its default, 5 s). */
  analyzeUs?: number;
  /** The frames' pixels (shared/frame-pixels.ts; absent: rgb24). */
  pixels?: FramePixels['kind'];
}

/**
 * Below this many frames a second the decoder runs in one thread. Frame threading holds back a
 * frame per extra thread before the first comes out: at 1 fps on 2 cores (3 threads) the picture
 * started 3 s late and then raced to catch up, and more cores hold back more. A slow file's
 * decode is cheap whatever the threads.
 */
const SINGLE_THREAD_BELOW_FPS = 10;

/**
 * Each GPU shrink step at most this much. scale_cuda's bilinear kernel widens with the ratio to a
 * box of three source pixels at 3x and no further, so beyond 3x it aliases; and a single box is
 * sharper than zimg's widened bilinear (a tent), which keeps less of what a working pixel cannot
 * hold. Halving first and then shrinking the rest gives a tent of about the same width.
 */
const CUDA_STEP_MAX = 2;

/**
 * scale_cuda steps from `from` to `to`, none shrinking more than CUDA_STEP_MAX, out in 4:2:0:
 * swscale's SIMD converts that to RGB, where 4:4:4 took it 8 times as long (bench `gpu`). A size
 * 4:2:0 cannot hold (odd) comes out in 4:4:4.
 */
function cudaSteps(from: { width: number; height: number }, to: { width: number; height: number }): { filters: string; format: string } {
  const format = to.width % 2 === 0 && to.height % 2 === 0 ? 'yuv420p' : 'yuv444p';
  const steps: string[] = [];
  let { width, height } = from;
  do {
    width = width / to.width > CUDA_STEP_MAX ? 2 * Math.round(width / 4) : to.width;
    height = height / to.height > CUDA_STEP_MAX ? 2 * Math.round(height / 4) : to.height;
    const halve = width !== to.width || height !== to.height;
    steps.push(`scale_cuda=w=${width}:h=${height}:interp_algo=bilinear:format=${halve ? 'yuv420p' : format}`);
  } while (width !== to.width || height !== to.height);
  return { filters: steps.join(','), format };
}

/** The ffmpeg command line for decoding; also the benchmark's baseline with another output. */
export function buildDecodeArgs(a: DecodeArgs, output = 'pipe:1'): string[] {
  const onGpu = a.resizer === 'scale_cuda';
  if (onGpu && a.hwaccel !== 'cuda') throw new Error('scale_cuda resizes NVDEC frames: hwaccel must be cuda');
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-protocol_whitelist', a.protocols];
  if (a.hwaccel !== 'none') args.push('-hwaccel', a.hwaccel);
  // Frames stay in GPU memory for scale_cuda: only the working size is copied back.
  if (onGpu) args.push('-hwaccel_output_format', 'cuda');
  if (a.realtime) args.push('-re');
  if (a.loop) args.push('-stream_loop', '-1');
  const runUp = a.position > 0 ? a.runUpFrom : undefined;
  if (runUp === undefined && a.position > 0) args.push('-ss', seekArg(a.position));
  else if (runUp !== undefined && runUp > 0) args.push('-ss', seekArg(runUp));
  if (a.nativeFps !== undefined && a.nativeFps > 0 && a.nativeFps < SINGLE_THREAD_BELOW_FPS) args.push('-threads', '1');
  if (a.analyzeUs !== undefined) args.push('-analyzeduration', String(a.analyzeUs));
  args.push('-i', a.input, '-map', `0:v:${a.videoStream ?? 0}`, '-an', '-sn', '-dn');
  // The run-up's frames go: the output starts at `position`, counted from where decoding started.
  if (runUp !== undefined) args.push('-ss', ((wholeMs(a.position) - wholeMs(runUp)) / 1000).toFixed(3));
  const pixels = a.pixels ?? 'rgb24';
  args.push('-vf', onGpu ? gpuFilters(a, pixels) : cpuFilters(a, pixels));
  args.push(a.fpsModeFlag, 'cfr', '-r', String(a.fps), '-f', 'rawvideo', '-pix_fmt', pixels, output);
  return args;
}

function cpuFilters(a: DecodeArgs, pixels: FramePixels['kind']): string {
  // Crop before scaling: one eye of a stereo file costs the scaler no more than a mono file.
  // The resize reads every pixel of the decoded frame, so it costs the same whatever the working
  // size, and on a 4K clip it is most of what we add to decoding. It must average what each working
  // pixel covers (fast_bilinear aliases: 25 dB against an area-averaged view, where we hold 35;
  // test/decode-quality.test.ts). zimg's bilinear widens its kernel to the ratio as it shrinks:
  // 44.4 dB, and ffmpeg used 0.30-0.32 cores for a 30 fps 4K clip against 0.35-0.36 with
  // swscale's `area` (43.3 dB), which stays for builds without zimg. Both resize in the file's own
  // YUV; 4:2:0 frames go out as the resizer leaves them (a 10-bit stream reduced to 8 bits there, or
  // by the converter at the same size). RGB24 comes after, at the working size, in a second
  // scaler that only converts: swscale
  // converting to RGB as it scaled cost a quarter more of ffmpeg's whole time (7.3 against 5.4 CPU
  // seconds for 240 4K frames), for the same picture (bilinear chroma upsampling; fast_bilinear's
  // fell to 34.6 dB). A hardware decoder's NV12 reaches zimg through a conversion ffmpeg inserts:
  // 4K NV12 into zscale cost what it cost into `area`.
  const crop = a.crop ? `crop=${a.crop.width}:${a.crop.height}:${a.crop.x}:${a.crop.y},` : '';
  // A view that wants the file's own detail (mosaic at 4K) gets the frame as it is: zimg copying
  // it to the same size was 8 % of ffmpeg's time for a 3840-wide clip. The converter is still told
  // the size, so a stream whose frames are not the size probed still fills the slots it should.
  const kept = a.crop ?? a.decoded;
  if (kept.width === a.width && kept.height === a.height) return `${crop}scale=${a.width}:${a.height}:flags=bilinear,format=${pixels}`;
  const resize = a.resizer === 'zscale' ? `zscale=w=${a.width}:h=${a.height}:f=bilinear` : `scale=${a.width}:${a.height}:flags=area`;
  return pixels === 'rgb24' ? `${crop}${resize},scale=flags=bilinear,format=rgb24` : `${crop}${resize},format=${pixels}`;
}

/**
 * NVDEC's frames shrink on the GPU and come back at the working size: kept as they come in 4:2:0,
 * or converted to RGB24 by the CPU. hwdownload cannot crop, so one eye of a stereo file is cut after
 * the shrink, from the whole frame shrunk by the eye's ratio.
 */
function gpuFilters(a: DecodeArgs, pixels: FramePixels['kind']): string {
  const c = a.crop;
  const sx = c ? a.width / c.width : 1;
  const sy = c ? a.height / c.height : 1;
  const whole = c ? { width: Math.round(a.decoded.width * sx), height: Math.round(a.decoded.height * sy) } : { width: a.width, height: a.height };
  const crop = c ? `crop=${a.width}:${a.height}:${Math.min(Math.round(c.x * sx), whole.width - a.width)}:${Math.min(Math.round(c.y * sy), whole.height - a.height)},` : '';
  const { filters, format } = cudaSteps(a.decoded, whole);
  // 4:2:0 frames come back as they are kept. A whole frame of odd size (an odd-width side-by-side
  // file) comes back in 4:4:4 and is subsampled after the eye's crop, YUV to YUV with no colour
  // matrix: the RGB24 chain and -pix_fmt's conversion back would apply BT.601 to any stream.
  if (pixels !== 'rgb24') return `${filters},hwdownload,format=${format}${crop ? `,${crop.slice(0, -1)}` : ''}${format === pixels ? '' : `,format=${pixels}`}`;
  return `${filters},hwdownload,format=${format},${crop}scale=flags=bilinear,format=rgb24`;
}

/** The eye to keep, or null when the whole frame is the picture. */
export function cropOf(info: SourceInfo): DecodeArgs['crop'] {
  const c = info.format.crop;
  return c.width === info.width && c.height === info.height ? null : c;
}

/** The longest a frame is held for its moment (a cluster's start-up lead is 0.4 s). */
const MAX_HOLD_MS = 2000;

/**
 * A live run has caught up once a frame comes this many frame intervals after the one before:
 * steady frames are one interval apart, a backlog's as far apart as decoding takes (5 ms for
 * 1024x512 MPEG-2 on the bench machine). A decoder slower than that shows its backlog as before.
 */
const LIVE_EDGE_GAP = 0.75;

/** stderr lines kept for the error message when ffmpeg fails. */
const STDERR_TAIL_LINES = 8;
/**
 * ffmpeg's last words that say only that it stopped, not why: a line before them tells. A source
 * ffmpeg 5.1 could not read over HTTP ended on "Cannot determine format of input stream 0:0 after
 * EOF" and "Error marking filters as finished", after the "Input/output error" that said what was
 * wrong. Judged without the tags newer ffmpeg puts in front (`[vf#0:0 @ 0x…]`).
 */
const GENERIC_LAST_WORDS = /^(Error marking filters as finished|Conversion failed!?|Error while (filtering|decoding|processing)|Nothing was written into output file|Error closing file|Terminating (\w+ )?thread|Task finished with error code|Last message repeated|Cannot determine format of input stream|Exiting normally)/i;

/** The line of `tail` (ffmpeg's last lines) that says why it stopped: the last one not generic, else the last. */
export function tellingLine(tail: readonly string[]): string | undefined {
  for (let i = tail.length - 1; i >= 0; i--) if (!GENERIC_LAST_WORDS.test(untagged(tail[i]!))) return tail[i];
  return tail.at(-1);
}

/**
 * `-ss` for a run that starts at `position`: whole milliseconds, rounded down. ffmpeg keeps only the
 * frames at or after it, so the nearest millisecond, when above the frame's moment, dropped that
 * frame: at 30 fps frame 32 (1.0667 s) asked as 1.067 began the run at frame 33, its picture a frame
 * ahead of its number, and a paused seek onto a file's last frame found none.
 */
export function seekArg(position: number): string {
  return (wholeMs(position) / 1000).toFixed(3);
}

function wholeMs(seconds: number): number {
  return Math.floor(seconds * 1000 + 1e-6);
}

/**
 * The start of the frame shown at `time` on a `fps` grid: where a seek lands. A run started between
 * two frames numbered its frames from half way (round(31.5 + k)), so floating point gave one number
 * twice and skipped the next (61, 61, 63), and a file's last frame came numbered one past it.
 */
export function frameStart(time: number, fps: number): number {
  return Math.floor(time * fps + 1e-6) / fps;
}

/**
 * Where frame `at` seconds into a run (from its start position) lies on the timeline, and its index
 * (§3: the frame's number in the file, from 0), for a file looping every `loop` seconds (0: not
 * looping). A loop holds ⌈loop·fps⌉ frames: a position a rounding short of the end is the next
 * loop's first frame, index 0 (a 20 s loop at 30 fps went 599, 600, 1 once).
 */
export function timelineFrame(at: number, fps: number, loop: number): { position: number; index: number } {
  if (!(loop > 0)) return { position: at, index: Math.round(at * fps) };
  const position = at % loop;
  const index = Math.round(position * fps);
  return index >= Math.max(1, Math.ceil(loop * fps - 1e-6)) ? { position: 0, index: 0 } : { position, index };
}

export interface FfmpegSourceOptions {
  tools: FfmpegTools;
  input: string;
  info: SourceInfo;
  hwaccel: Hwaccel;
  loop: boolean;
  realtime: boolean;
  /** The file's own frame rate (0: unknown); the output rate is `info.fps`. */
  nativeFps: number;
  /** The file's frames are unevenly spaced (a phone's variable rate: ffprobe's base rate is not its average). */
  variableRate?: boolean;
  /** Which video stream is the picture (`0:v:N`; absent: the first). */
  videoStream?: number;
  /** How much of the stream ffmpeg reads before it starts, in µs (absent: its default). */
  analyzeUs?: number;
  /** A live stream read at its sender's pace: each run shows its newest frame first, not a backlog. */
  startAtLiveEdge?: boolean;
  /**
   * The container's `-ss` may land past the keyframe before the moment (MPEG-TS, HLS): how each seek
   * finds it first (keyframe-seek.ts). Absent: ffmpeg's `-ss` finds it.
   */
  runUpLookup?: RunUpLookup;
  /** An HLS playlist of CMAF segments that ffmpeg cannot seek in: runs past its start read a copy from a segment on (cmaf-playlist.ts). */
  cmaf?: CmafPlaylist;
  events: SourceEvents;
  log: Logger;
}

/** What a run reads (the source, or a playlist of its own), its `-protocol_whitelist`, and the moment in it to start at, decoded from `runUpFrom` where that is set. */
interface RunStart {
  input: string;
  protocols: string;
  position: number;
  runUpFrom?: number;
}

/** A one-frame run that found no frame tries this much earlier, at most this many times (exited). */
const ONCE_STEP_S = 1;
const ONCE_STEPS_BACK = 5;

export class FfmpegSource implements FrameSource {
  readonly info: SourceInfo;
  private child: ChildProcess | null = null;
  private hwaccel: Hwaccel;
  /**
   * The accelerator a run failed with before its first frame, while a software run finds out
   * whether it was to blame (null otherwise), and what that failure said. A missing file or a
   * refused URL fails the same way without it: blamed at once, one such failure logged a false
   * `hwaccel.fallback` and turned the accelerator off for good.
   */
  private suspectHwaccel: Hwaccel | null = null;
  private suspectReason = '';
  private readonly stderrTail: string[] = [];
  private ring: FrameRing | null = null;
  /** The run in progress: its byte-to-frame cutter and the socket ffmpeg's output arrives on. */
  private assembler: FrameAssembler | null = null;
  private reader: Socket | null = null;
  /** Bumped by every start and stop, so a launch that finishes late knows it was cancelled. */
  private generation = 0;
  private startPosition = 0;
  private once = false;
  /**
   * A looping file that starts only at its beginning (info.unseekable), or whose runs past it read
   * a copy of its playlist from there (opts.cmaf), loops by starting ffmpeg again: `-stream_loop`
   * seeks back to the start, which such a source cannot do (over http without range requests ffmpeg
   * stalled there for good), or would loop to the copy's first segment. The seconds of earlier
   * passes of this run, so the frames' elapsed time goes on, and the last frame's number in this pass.
   */
  private passElapsed = 0;
  private lastK = -1;
  /** How far back a one-frame run has stepped for a moment with no frame (exited). */
  private onceStepsBack = 0;
  /** Wall-clock ms frame 0 of this run is due (a cluster's pace), or null to pass frames on at once. */
  private dueMs: number | null = null;
  /** Whether dueMs is this source's own schedule (start), not one the playback gave. */
  private ownSchedule = false;
  /**
   * A run that decodes a keyframe's run-up before its first frame is paced from that frame: `-re`
   * would pace the run-up too and show the moment late by as much (up to a picture group).
   */
  private paceFromFirst = false;
  /** Abandons the keyframe lookup of a run that was replaced before it started. */
  private lookup: AbortController | null = null;
  /**
   * A complete frame kept back (`keptSlot` of `keptRing`, frame `keptK` of the run), released by
   * `keptTimer`: held for its moment in a cluster (the decoder's output paused meanwhile, so ffmpeg
   * waits), or waiting for a newer one while a live run catches up. Fields and bound callbacks: in a
   * cluster every frame is held, and nothing is allocated for it.
   */
  private keptTimer: NodeJS.Timeout | null = null;
  private keptRing: FrameRing | null = null;
  private keptSlot = -1;
  private keptK = 0;
  private heldInput: { resume(): unknown } | null = null;
  /** Takes the kept frame back from the fields; its slot is now the caller's. */
  private unkeep(): number {
    const slot = this.keptSlot;
    this.keptTimer = null;
    this.keptRing = null;
    this.keptSlot = -1;
    return slot;
  }
  private readonly releaseHeld = (): void => {
    const slot = this.unkeep();
    this.heldInput?.resume();
    this.heldInput = null;
    this.deliver(slot, this.keptK);
  };
  /** Live sources count frames across restarts, so indices keep increasing. */
  private liveIndex = 0;
  /**
   * A pushed live stream's first frames come in a burst: ffmpeg decodes, as fast as it can, what
   * arrived while it probed and waited for a keyframe (on MPEG-TS over UDP, 1.5 s of picture in a
   * quarter of a second), and viewers saw it as a fast-forward. Until a frame is followed by a gap
   * of most of a frame interval, each one is kept that long and gives way to the next; the picture
   * starts at the newest.
   */
  private catchingUp = false;
  private skipped = 0;
  private readonly releaseNewest = (): void => {
    const slot = this.unkeep();
    this.catchingUp = false;
    if (this.skipped > 0) this.opts.log.info('source.live_edge', { skipped: this.skipped });
    this.deliver(slot, this.keptK);
  };
  /** Frames whose bytes were discarded because every slot was busy, over all runs. */
  private discardedBefore = 0;

  constructor(private readonly opts: FfmpegSourceOptions) {
    this.info = opts.info;
    this.hwaccel = resolveHwaccel(opts.hwaccel, opts.tools);
  }

  /** How the current run decodes and shrinks (/healthz `decoder`). */
  get decoder(): { hwaccel: Hwaccel; resizer: Resizer } {
    return { hwaccel: this.hwaccel, resizer: this.resizer() };
  }

  private resizer(): Resizer {
    return this.hwaccel === 'cuda' && this.opts.tools.cudaResize ? 'scale_cuda' : this.opts.tools.resizer;
  }

  get running(): boolean {
    return this.child !== null || this.launching;
  }

  private launching = false;

  get discarded(): number {
    return this.discardedBefore + (this.assembler?.discarded ?? 0);
  }

  start(position: number, ring: FrameRing, once = false, dueMs?: number): void {
    this.stop();
    const generation = ++this.generation;
    this.ring = ring;
    this.startPosition = this.info.live ? 0 : position;
    this.once = once;
    this.passElapsed = 0;
    this.lastK = -1;
    this.onceStepsBack = 0;
    // A file slower than its output rate (a time-lapse of a frame a second goes out at 10), or slower
    // in stretches (a phone's variable rate), is held to a schedule of its own: under `-re` ffmpeg
    // read a frame a second and wrote its ten copies at once, a burst every second that the
    // drop-oldest queue lost a third of (`/healthz` degraded) and viewers saw as a stall. Held,
    // ffmpeg is paced by back-pressure, as a cluster's runs are; the schedule starts at the run's
    // first frame (paceFromFirst), or ffmpeg's start-up came out as a burst of late frames.
    this.ownSchedule = !once && dueMs === undefined && !this.info.live && this.burstsUnderRe();
    this.dueMs = once ? null : (dueMs ?? null);
    this.catchingUp = this.opts.startAtLiveEdge === true && !once;
    this.paceFromFirst = false;
    this.skipped = 0;
    this.stderrTail.length = 0;
    const assembler = new FrameAssembler(ring, (slot, k) => this.emit(slot, k));
    this.discardedBefore += this.assembler?.discarded ?? 0;
    this.assembler = assembler;
    this.launching = true;
    const runStart = this.findRunStart(this.startPosition);
    // Awaited once the channel is open; a failure before then (a copy not written) is reported there, not unhandled.
    runStart.catch(() => undefined);
    openFrameChannel(() => assembler)
      .then(
        (channel) => channel,
        (error: Error) => {
          if (generation === this.generation) this.opts.log.debug('frame_channel.unavailable', { reason: error.message, using: 'stdout pipe' });
          return null;
        },
      )
      .then(async (channel) => {
        const start = await runStart.catch((error: unknown) => {
          channel?.childEnd.destroy();
          channel?.reader.destroy();
          throw error;
        });
        if (generation !== this.generation) {
          channel?.childEnd.destroy();
          channel?.reader.destroy();
          return;
        }
        this.spawn(generation, channel, start);
      })
      .catch((error: unknown) => {
        if (generation !== this.generation) return;
        this.launching = false;
        this.opts.events.onError(`could not start ffmpeg: ${error instanceof Error ? error.message : String(error)}`);
      });
  }

  /**
   * What a run at `position` reads and where it starts decoding: the source, from the keyframe
   * before the moment where the container's `-ss` cannot be trusted to find it (keyframe-seek.ts),
   * or a CMAF playlist's segments from one holding a keyframe before it (cmaf-playlist.ts).
   */
  private async findRunStart(position: number): Promise<RunStart> {
    const source = { input: this.opts.input, protocols: protocolsFor(this.opts.input), position };
    const cmaf = this.opts.cmaf;
    const plan = this.opts.runUpLookup;
    if ((!cmaf && !plan) || this.info.live || !(position > 0)) return source;
    const lookup = new AbortController();
    this.lookup = lookup;
    try {
      if (cmaf) {
        const cut = await cmaf.pictureFrom(position, lookup.signal);
        if (!cut.aligned && !lookup.signal.aborted) this.opts.log.warn('source.seek_unaligned', { position: position.toFixed(3), reason: 'no segment found to start at with a keyframe before it: the picture may start at the next one' });
        return { input: cut.input, protocols: cut.protocols, position: cut.skip, runUpFrom: 0 };
      }
      if (!plan) return source;
      const from = await findRunUpStart(this.opts.tools, plan, this.opts.input, source.protocols, this.opts.videoStream ?? 0, position, lookup.signal);
      if (from === null && !lookup.signal.aborted) this.opts.log.warn('source.seek_unaligned', { position: position.toFixed(3), reason: 'no keyframe found before it in time: the picture may start at the next one' });
      return from === null ? source : { ...source, runUpFrom: from };
    } finally {
      if (this.lookup === lookup) this.lookup = null;
    }
  }

  /**
   * Starts ffmpeg, its output on `channel` (read in place) or, failing that, on a plain stdout pipe;
   * reading `start` (findRunStart).
   */
  private spawn(generation: number, channel: FrameChannel | null, start: RunStart): void {
    const { runUpFrom } = start;
    this.launching = false;
    const ring = this.ring!;
    const assembler = this.assembler!;
    const args = buildDecodeArgs({
      input: start.input,
      width: ring.width,
      height: ring.height,
      fps: this.info.fps,
      hwaccel: this.hwaccel,
      fpsModeFlag: this.opts.tools.fpsModeFlag,
      resizer: this.resizer(),
      // Frames held to a schedule pace ffmpeg by back-pressure: `-re` would only delay the start
      // (it paces the keyframe run-up before a seek point too) and keep a late decoder from catching up.
      realtime: this.opts.realtime && this.dueMs === null && !this.ownSchedule && runUpFrom === undefined,
      loop: this.opts.loop && !this.restartsToLoop,
      position: start.position,
      runUpFrom,
      protocols: start.protocols,
      decoded: { width: this.info.width, height: this.info.height },
      crop: cropOf(this.info),
      nativeFps: this.opts.nativeFps,
      videoStream: this.opts.videoStream,
      analyzeUs: this.opts.analyzeUs,
      pixels: ring.format.pixels.kind,
    });
    this.paceFromFirst = (this.ownSchedule || runUpFrom !== undefined) && this.opts.realtime && this.dueMs === null && !this.once;
    this.opts.log.debug('ffmpeg.spawn', { args: args.join(' ') });
    const child = spawn(this.opts.tools.ffmpeg, args, { stdio: ['ignore', channel ? channel.childEnd : 'pipe', 'pipe'] });
    this.child = child;
    if (channel) {
      // The child holds its own copy of this end; ours must go so the reader sees the end of stream.
      channel.childEnd.destroy();
      this.reader = channel.reader;
      channel.reader.on('error', () => {
        // A reset when ffmpeg is killed mid-write: the child's exit reports what happened.
      });
    } else {
      child.stdout!.on('data', (chunk: Buffer) => {
        if (this.generation === generation) assembler.consume(chunk);
      });
    }
    let partial = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (text: string) => {
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) this.noteStderr(line);
    });
    child.on('error', (error) => {
      if (this.child !== child) return;
      this.finishRun();
      this.opts.events.onError(`could not run ffmpeg: ${error.message}`);
    });
    child.on('close', (code, signal) => {
      if (partial) this.noteStderr(partial);
      if (this.child !== child) return; // stopped on purpose
      const finish = (): void => {
        if (this.child !== child) return;
        this.finishRun();
        this.exited(code, signal);
      };
      // The last frames may still be in the socket when ffmpeg exits: read them first.
      const reader = this.reader;
      if (!reader || reader.destroyed) {
        finish();
        return;
      }
      // Frames held for their moment (hold) keep the rest waiting in the socket, as many as it
      // buffers: the deadline counts only while no frame comes. Counted from ffmpeg's exit, it cut
      // off the last 0.6 s of a small file played after a seek in MPEG-TS (keyframe-seek.ts); one
      // that looked only at a frame held then cut them off on a loaded machine, between two frames.
      let timer: NodeJS.Timeout;
      let seen = this.lastK;
      const deadline = (): void => {
        timer = setTimeout(() => {
          const moving = this.lastK !== seen || this.heldInput !== null;
          seen = this.lastK;
          if (moving && this.child === child) deadline();
          else finish();
        }, KILL_TIMEOUT_MS);
      };
      deadline();
      reader.once('close', () => {
        clearTimeout(timer);
        finish();
      });
    });
  }

  /** Ends the bookkeeping of a run whose child is gone. */
  private finishRun(): void {
    this.child = null;
    this.reader?.destroy();
    this.reader = null;
    this.assembler?.close();
  }

  private noteStderr(line: string): void {
    const text = line.trim();
    if (!text) return;
    this.opts.log.debug('ffmpeg.stderr', { line: text });
    // `-hwaccel auto` tries each device and says so for each one missing: not a cause of anything.
    if (this.hwaccel === 'auto' && text.startsWith('Device creation failed')) return;
    this.stderrTail.push(text);
    if (this.stderrTail.length > STDERR_TAIL_LINES) this.stderrTail.shift();
  }

  /** Whether the file loops by a new ffmpeg at its start, not by `-stream_loop` (passElapsed). */
  private get restartsToLoop(): boolean {
    // A CMAF run past the start reads a playlist that starts there: `-stream_loop` would loop to it.
    return this.opts.loop && (this.info.unseekable !== undefined || this.opts.cmaf !== undefined);
  }

  private exited(code: number | null, signal: NodeJS.Signals | null): void {
    if (code === 0) {
      if (this.once) {
        // One frame asked for a moment past the picture's last (a paused seek into a tail where only
        // the sound runs on) and none came: a moment before it, as a player shows the last frame.
        // Before, the viewers' view changes rendered nothing until play resumed.
        if (this.startPosition > 0 && this.ring && this.onceStepsBack < ONCE_STEPS_BACK) {
          const steps = this.onceStepsBack + 1;
          this.start(Math.max(0, this.startPosition - ONCE_STEP_S), this.ring, true);
          this.onceStepsBack = steps;
        }
        return;
      }
      if (this.restartsToLoop && this.lastK >= 0 && this.ring) {
        // The next pass, in the same run: its frames' positions start at 0 again, their elapsed time goes on.
        const elapsed = this.passElapsed + (this.lastK + 1) / this.info.fps;
        this.start(0, this.ring);
        this.passElapsed = elapsed;
        return;
      }
      this.opts.events.onEnd();
      return;
    }
    const produced = (this.assembler?.produced ?? 0) > 0;
    if (!produced && this.hwaccel !== 'none') {
      // Tried again in software at once; the accelerator is blamed only if that run shows a frame.
      this.suspectHwaccel = this.hwaccel;
      this.suspectReason = tellingLine(this.stderrTail)?.split(this.opts.input).join(redactedSource(this.opts.input)) ?? `ffmpeg exited with ${code ?? signal}`;
      this.hwaccel = 'none';
      const position = this.startPosition;
      // The same pass again: a later pass of a file looping by restarts keeps its elapsed time.
      const elapsed = this.passElapsed;
      if (this.ring) this.start(position, this.ring, this.once, this.ownSchedule ? undefined : (this.dueMs ?? undefined));
      this.passElapsed = elapsed;
      return;
    }
    if (this.suspectHwaccel !== null && !produced) {
      // Software failed the same way: the source is at fault, not the accelerator, which stays.
      this.hwaccel = this.suspectHwaccel;
      this.suspectHwaccel = null;
    }
    const why = signal ? `killed by ${signal}` : `exited with code ${code}`;
    // Killed from outside, it said nothing about why: its last line is whatever it printed before
    // (with `-hwaccel auto` on a machine without a GPU, a harmless "Device creation failed").
    const detail = signal ? undefined : tellingLine(this.stderrTail);
    const input = this.opts.input;
    this.opts.log.warn('ffmpeg.stopped', { why, detail: detail?.split(input).join(redactedSource(input)) ?? '' });
    // What viewers are told (STATUS:RESTARTING) names the source as they may know it.
    const told = detail === undefined ? undefined : toldOf(detail, input);
    this.opts.events.onError(`video decoder stopped (ffmpeg ${why}${told ? `: ${told}` : ''})`);
  }

  /** A software run showed a frame where the accelerated one could not: software from now on, said once. */
  private blameHwaccel(): void {
    this.opts.log.warn('hwaccel.fallback', { hwaccel: this.suspectHwaccel, reason: this.suspectReason, using: 'software decoding' });
    this.suspectHwaccel = null;
  }

  /**
   * Whether `-re` would bring the output in bursts: the output rate repeats the file's frames (each
   * shown at least twice in three outputs), or the file's frames are unevenly spaced (ffmpeg writes
   * a long frame's copies together).
   */
  private burstsUnderRe(): boolean {
    const native = this.opts.nativeFps;
    return (native > 0 && native * 1.5 <= this.info.fps) || this.opts.variableRate === true;
  }

  private emit(slot: number, k: number): void {
    if (this.paceFromFirst) {
      this.paceFromFirst = false;
      this.ownSchedule = true;
      this.dueMs = Date.now() - (k * 1000) / this.info.fps;
    }
    if (this.catchingUp) {
      this.waitForNewer(slot, k);
      return;
    }
    if (this.dueMs !== null) {
      const wait = this.dueMs + (k * 1000) / this.info.fps - Date.now();
      // Longer than any start-up allowance means the clock stepped back: pass the frame on and let
      // the playback, finding it ahead, restart the run.
      if (wait >= 1 && wait <= MAX_HOLD_MS) {
        this.hold(slot, k, wait);
        return;
      }
    }
    this.deliver(slot, k);
  }

  /**
   * Keeps a frame until its moment. Reading stops meanwhile, so ffmpeg (without `-re` here) blocks
   * on its next write: the hold is its pace, one frame and its slot, never a growing backlog.
   */
  private hold(slot: number, k: number, wait: number): void {
    const input = this.reader ?? this.child?.stdout ?? null;
    input?.pause();
    this.heldInput = input;
    this.keep(slot, k, this.releaseHeld, wait);
  }

  /** While a live run catches up: the frame waits for a newer one, and the one waiting is dropped. */
  private waitForNewer(slot: number, k: number): void {
    if (this.keptTimer) {
      clearTimeout(this.keptTimer);
      this.keptRing!.release(this.unkeep());
      this.skipped++;
    }
    this.keep(slot, k, this.releaseNewest, (LIVE_EDGE_GAP * 1000) / this.info.fps);
  }

  private keep(slot: number, k: number, release: () => void, ms: number): void {
    this.keptRing = this.ring;
    this.keptSlot = slot;
    this.keptK = k;
    // stop() clears the timer and gives the slot back, so a release always belongs to this run.
    this.keptTimer = setTimeout(release, ms);
  }

  private deliver(slot: number, k: number): void {
    if (this.suspectHwaccel !== null) this.blameHwaccel();
    const fps = this.info.fps;
    let position: number;
    let index: number;
    if (this.info.live) {
      index = this.liveIndex++;
      position = index / fps;
    } else {
      ({ position, index } = timelineFrame(this.startPosition + k / fps, fps, this.opts.loop ? this.info.duration : 0));
    }
    const ring = this.ring!;
    this.lastK = k;
    this.opts.events.onFrame({ ring, slot, width: ring.width, height: ring.height, index, position, elapsed: this.passElapsed + k / fps });
    if (this.once) this.stop();
  }

  stop(): void {
    this.generation++;
    this.launching = false;
    this.lookup?.abort();
    this.lookup = null;
    if (this.keptTimer) {
      clearTimeout(this.keptTimer);
      this.keptRing!.release(this.unkeep());
      this.heldInput = null;
    }
    const child = this.child;
    if (!child) {
      // A run not spawned yet: its socket asked for somewhere to read as it connected, which took a
      // slot. Unreleased, every seek or pause pressed before ffmpeg started lost one, until a burst
      // of keys had taken them all and the picture froze for good.
      this.assembler?.close();
      return;
    }
    this.finishRun();
    terminate(child);
  }

  async dispose(): Promise<void> {
    const child = this.child;
    this.stop();
    await terminateAndWait(child);
  }
}
