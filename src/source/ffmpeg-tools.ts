/**
 * Locating ffmpeg/ffprobe and learning what the installed version supports. Run once at start.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Ascii360Error, EXIT_USAGE } from '../shared/errors.js';
import { isUrlLike, withPublicUrls } from '../shared/source-name.js';
import { pixelsOfStream, type FramePixels } from '../shared/frame-pixels.js';
import { readAnswers, toolsKey, writeAnswers, type ToolAnswers } from './ffmpeg-tools-cache.js';

export const HWACCELS = ['auto', 'none', 'cuda', 'vaapi', 'qsv', 'videotoolbox'] as const;
export type Hwaccel = (typeof HWACCELS)[number];

export interface FfmpegTools {
  ffmpeg: string;
  ffprobe: string;
  version: string;
  /** `-fps_mode` arrived in ffmpeg 5.1; older builds spell it `-vsync`. */
  fpsModeFlag: '-fps_mode' | '-vsync';
  /** Hardware decoders this build knows (`ffmpeg -hwaccels`). */
  hwaccels: string[];
  /**
   * The filter that shrinks each decoded frame to the working size: zimg's `zscale` where this
   * build has it (Debian's, Homebrew's and the static builds do), swscale's `scale` otherwise.
   */
  resizer: CpuResizer;
  /** This build can shrink CUDA frames on the GPU and bring them back (`scale_cuda`, `hwdownload`). */
  cudaResize: boolean;
  /** Its hls demuxer can seek in fragmented MP4 (CMAF) segments: ffmpeg 8.0 and later (trac #7359; open-source.ts). */
  seeksCmafHls: boolean;
}

/** Where each decoded frame shrinks to the working size: ffmpeg's CPU scalers, or beside NVDEC on the GPU. */
export type Resizer = CpuResizer | 'scale_cuda';
export type CpuResizer = 'zscale' | 'scale';

function lists(filterList: string, name: string): boolean {
  return new RegExp(`^\\s*\\S+\\s+${name}\\s`, 'm').test(filterList);
}

/** Whether `ffmpeg -filters` lists zscale (a build without libzimg lacks it). */
export function resizerOf(filterList: string): CpuResizer {
  return lists(filterList, 'zscale') ? 'zscale' : 'scale';
}

/** Whether `ffmpeg -filters` lists what the GPU path needs (a build without CUDA lacks both). */
export function cudaResizeOf(filterList: string): boolean {
  return lists(filterList, 'scale_cuda') && lists(filterList, 'hwdownload');
}

/**
 * The accelerator a run asks ffmpeg for. `auto` where an NVIDIA driver is loaded and this build can
 * resize on the GPU becomes `cuda`: NVDEC's frames then shrink where they were decoded and only the
 * working size crosses to the CPU. ffmpeg's own `auto` downloads each whole frame and shrinks it on
 * the CPU: 0.37 cores for a half-block view of a 30 fps 4K clip, against 0.16 (bench `gpu`).
 * Anywhere else `auto` stays ffmpeg's choice. A run that fails with either falls back to software
 * (FfmpegSource).
 */
export function resolveHwaccel(asked: Hwaccel, tools: Pick<FfmpegTools, 'hwaccels' | 'cudaResize'>, nvidiaDriver = existsSync('/dev/nvidiactl')): Hwaccel {
  return asked === 'auto' && nvidiaDriver && tools.cudaResize && tools.hwaccels.includes('cuda') ? 'cuda' : asked;
}

export const INSTALL_HINT = 'install it: Debian/Ubuntu `sudo apt-get install ffmpeg`, Fedora `sudo dnf install ffmpeg`, macOS `brew install ffmpeg`';

/** ffprobe's words for a host it never talked to (errno texts, and the resolver's). */
const UNREACHED = /Connection refused|Connection timed out|No route to host|Network is unreachable|Name or service not known|Temporary failure in name resolution|Host is unreachable/i;

/** ffprobe and ffmpeg runs that answer a question (the probe of a source: up to 20 s on a slow URL). */
const probes = new Set<ChildProcess>();

/** `child` counted among the probes stopProbes ends, until it is gone. */
function probing(child: ChildProcess): void {
  probes.add(child);
  child.once('close', () => probes.delete(child));
}

/** Runs ffmpeg or ffprobe for an answer on stdout, counted among the probes; `signal` abandons it. */
export function runTool(cmd: string, args: string[], timeoutMs = 10_000, signal?: AbortSignal): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    probing(execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 4 << 20, signal }, (error, stdout, stderr) => {
      if (error) reject(Object.assign(error, { stderr }));
      else resolve({ stdout, stderr });
    }));
  });
}

/**
 * The most bytes of PNG a picture ffmpeg converts for sharp may take: a 16000 × 8000 photo at the
 * fastest compression is about 400 MB (execFile holds it twice while it joins the pieces).
 */
const PNG_MAX_BYTES = 1 << 30;
const PNG_TIMEOUT_MS = 30_000;

/**
 * A picture only ffmpeg reads (BMP, PCX, a DPX, …) as PNG bytes, for sharp, which draws every
 * photo (still-source.ts): its first frame, compressed as little as PNG allows (fast, and sharp
 * reads it once per working size).
 */
export function imageAsPng(tools: Pick<FfmpegTools, 'ffmpeg'>, path: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const args = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-i', path, '-frames:v', '1', '-f', 'image2pipe', '-c:v', 'png', '-compression_level', '1', '-'];
    probing(execFile(tools.ffmpeg, args, { encoding: 'buffer', timeout: PNG_TIMEOUT_MS, maxBuffer: PNG_MAX_BYTES }, (error, stdout, stderr) => {
      if (!error) resolve(stdout);
      // In our words where ffmpeg said nothing: execFile's own message repeats the command line.
      else if (error.killed) reject(new Error(`ffmpeg did not convert it within ${PNG_TIMEOUT_MS / 1000} s`));
      else if ((error as { code?: unknown }).code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') reject(new Error(`larger than ${PNG_MAX_BYTES >> 20} MiB as PNG`));
      else reject(new Error(stderr.toString().trim().split('\n').at(-1) || `ffmpeg exited with ${String(error.code)}`));
    }));
  });
}

/** Stops every probe still waiting for an answer (the user quit while a source opened); they are not waited for. */
export function stopProbes(): void {
  for (const child of probes) child.kill('SIGTERM');
  probes.clear();
}

/** `ffmpeg version 5.1.9-0+deb12u1` → [5, 1]; git builds (`N-113000-g…`) count as new. */
export function parseFfmpegVersion(firstLine: string): [number, number] {
  const m = /version\s+n?(\d+)\.(\d+)/.exec(firstLine);
  return m ? [Number(m[1]), Number(m[2])] : [99, 0];
}

/** The filters findFfmpeg asks `ffmpeg -filters` about (resizerOf, cudaResizeOf). */
const FILTERS_ASKED = ['zscale', 'scale_cuda', 'hwdownload'];

export async function findFfmpeg(ffmpeg = process.env['ASCII360_FFMPEG'] ?? 'ffmpeg', ffprobe = process.env['ASCII360_FFPROBE'] ?? 'ffprobe'): Promise<FfmpegTools> {
  const key = toolsKey(ffmpeg, ffprobe);
  let answers = key === null ? null : readAnswers(key);
  if (!answers) {
    answers = await askTools(ffmpeg, ffprobe);
    if (key !== null) writeAnswers(key, answers);
  }
  const { versionLine, hwaccels, filterLines } = answers;
  const filters = filterLines.join('\n');
  const [major, minor] = parseFfmpegVersion(versionLine);
  return {
    ffmpeg,
    ffprobe,
    version: versionLine.replace(/^ffmpeg version\s+/, '').split(' ')[0] ?? 'unknown',
    fpsModeFlag: major > 5 || (major === 5 && minor >= 1) ? '-fps_mode' : '-vsync',
    hwaccels,
    resizer: resizerOf(filters),
    cudaResize: cudaResizeOf(filters),
    seeksCmafHls: major >= 8,
  };
}

/** Runs the binaries for what findFfmpeg needs to know, all four at once (each is mostly the loading of ffmpeg's libraries). */
async function askTools(ffmpeg: string, ffprobe: string): Promise<ToolAnswers> {
  const [version, probeVersion, hwaccels, filters] = await Promise.allSettled([
    runTool(ffmpeg, ['-hide_banner', '-version']),
    runTool(ffprobe, ['-version']),
    // Listing accelerators is informational only; decoding works without it.
    runTool(ffmpeg, ['-hide_banner', '-hwaccels']).then(({ stdout }) => stdout.split('\n').slice(1).map((l) => l.trim()).filter(Boolean), () => [] as string[]),
    runTool(ffmpeg, ['-hide_banner', '-filters']).then(({ stdout }) => stdout, () => ''),
  ]);
  if (version.status === 'rejected') throw new Ascii360Error('FFMPEG_MISSING', `ffmpeg (>= 4.4) was not found on PATH; ${INSTALL_HINT}`, EXIT_USAGE);
  if (probeVersion.status === 'rejected') throw new Ascii360Error('FFMPEG_MISSING', `ffprobe (part of ffmpeg) was not found on PATH; ${INSTALL_HINT}`, EXIT_USAGE);
  const filterList = filters.status === 'fulfilled' ? filters.value : '';
  return {
    versionLine: version.value.stdout.split('\n')[0] ?? '',
    hwaccels: hwaccels.status === 'fulfilled' ? hwaccels.value : [],
    filterLines: filterList.split('\n').filter((line) => FILTERS_ASKED.some((name) => lists(line, name))),
  };
}

/**
 * Protocols ffmpeg and ffprobe may open for a source: only files for a path, only network ones for a
 * URL, so a crafted playlist can never make them read a local file.
 */
export function protocolsFor(input: string): string {
  // Every scheme open-source.ts takes as a URL must be listed, with what it runs over: an rtmp://
  // or srt:// source was accepted and then refused by ffprobe ("Invalid argument"), never played.
  return isUrlLike(input) ? 'http,https,tcp,tls,crypto,hls,data,rtmp,rtmps,srt,rtp,udp' : 'file,pipe';
}

/**
 * Sources whose sender delivers the stream as it happens (a camera, an encoder pushing to us, or us
 * pulling from a live server): rtmp(s), rtsp, srt, udp, tcp, rtp. They are probed briefly first
 * (probeMedia), and read without `-re` when live (open-source.ts).
 */
export const SENDER_PACED = /^(rtmps?|rtsp|srt|udp|tcp|rtp):\/\//i;
/**
 * Streams sent to this machine that one process alone can read: a UDP or RTP port, a TCP one
 * listening (`tcp://…?listen`), an SRT listener (`mode=listener`). A second ffmpeg for the sound
 * could not bind it, or took the port from the picture's decoder (which then failed five times and
 * was given up).
 */
export const ONE_READER = /^(udp|rtp):\/\/|^tcp:\/\/[^?#]*\?([^#]*&)?listen(=1)?(&|#|$)|^srt:\/\/[^?#]*\?([^#]*&)?mode=listener(&|#|$)/i;

/**
 * How much of a pushed stream ffprobe (and the decoder of a live one) reads before starting, in
 * µs. The default, 5 s, is spent waiting on a stream that said all it had to say in its first
 * keyframe: MPEG-TS over UDP took 4.5 s to probe, 1.4 s with this, and the decoder as long again.
 * A stream whose keyframes are further apart gives ffprobe no picture size by then and is probed
 * again with the default; the decoder shows its first picture at its first keyframe either way.
 */
export const QUICK_PROBE_US = 1_000_000;

export interface MediaInfo {
  width: number;
  height: number;
  /** Source frame rate (average), 0 if unknown. */
  fps: number;
  /**
   * The frames are unevenly spaced: the base rate that represents every timestamp (`r_frame_rate`)
   * is not the average (a phone's recording slowing in the dark, a screen recording). Also an
   * interlaced stream counted in fields (50 against 25), harmlessly.
   */
  variableRate: boolean;
  /** Seconds; 0 when unknown (live streams). */
  duration: number;
  hasAudio: boolean;
  /** ffmpeg sees a single still picture (an image format). */
  isImage: boolean;
  formatName: string;
  /** The video stream's side data as ffprobe reports it (spherical mapping, stereo 3D, …). */
  sideData: Record<string, unknown>[];
  /** How working frames of this stream are stored: its own 4:2:0, or RGB24 (frame-pixels.ts). */
  pixels: FramePixels;
  /** A stored pixel's width over its height as shown (the sample aspect ratio, turned with the picture); 1 when square or unstated. */
  pixelAspect: number;
  /** Which of the file's video streams is the picture (ffmpeg's `0:v:N`): not a cover picture attached to it. */
  videoStream: number;
  /**
   * The picture stream's codec tag as ffprobe writes it: an MP4 sample entry's four letters
   * (`avc1`, `hvc1`) where the container is MP4, even inside a playlist's segments; MPEG-TS's
   * stream type in brackets (`[27][0][0][0]`). Empty where ffprobe gave none.
   */
  codecTag: string;
  /**
   * Why ffmpeg cannot decode the video (ffprobe found no pixel format: it decoded none of it), in
   * one line for the user; null where it can. The caller refuses a video so; a photo goes to sharp.
   */
  undecodable: string | null;
}

/**
 * ffprobe's `sample_aspect_ratio` ("2:1") as a number; 1 where it is missing, unknown ("0:1") or
 * square. An anamorphic 360° file (1024x1024 stored, each pixel twice as wide as tall) shows 2:1.
 */
export function parsePixelAspect(sar: unknown): number {
  if (typeof sar !== 'string') return 1;
  const [n, d] = sar.split(':').map(Number);
  return n && d && n > 0 && d > 0 ? n / d : 1;
}

function parseRate(rate: unknown): number {
  if (typeof rate !== 'string') return 0;
  const [n, d] = rate.split('/').map(Number);
  return n && d ? n / d : n && !d ? n : 0;
}

/** Containers of pictures: one frame (or no length) is a photo; a GIF of many frames plays as a video. */
/** Degrees the display matrix turns the picture (side data; ffmpeg before 5 also gave a `rotate` tag), 0 when none. */
function rotationOf(stream: Record<string, unknown>): number {
  const sideData = Array.isArray(stream['side_data_list']) ? (stream['side_data_list'] as Record<string, unknown>[]) : [];
  const matrix = sideData.find((d) => typeof d['rotation'] === 'number');
  if (matrix) return matrix['rotation'] as number;
  const tag = Number((stream['tags'] as Record<string, unknown> | undefined)?.['rotate'] ?? 0);
  return Number.isFinite(tag) ? tag : 0;
}

const IMAGE_FORMATS = /image2|_pipe|png|mjpeg|webp|avif|gif/;

/** A base rate this far from the average is a variable rate (an average of 29.97 against 30 is not). */
const VARIABLE_RATE_TOLERANCE = 0.05;

/** How long ffprobe may take to read a source's streams (a URL that accepts and never answers) unless `--open-timeout` says. */
export const PROBE_TIMEOUT_MS = 20_000;

/** ffprobe the source, giving up after `timeoutMs`; throws a one-line Ascii360Error when it is not media ffmpeg can read. */
export async function probeMedia(tools: FfmpegTools, input: string, label: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<MediaInfo> {
  if (SENDER_PACED.test(input)) {
    const startedAt = Date.now();
    try {
      const quick = await probeOnce(tools, input, label, QUICK_PROBE_US, timeoutMs);
      // A second of a stream may not hold a whole picture: the full probe says whether it decodes.
      if (quick.undecodable === null) return quick;
    } catch (error) {
      // A stream that never answered is not asked twice; any other failure (no picture size
      // yet) is probed again in full, which reports what is wrong.
      if (Date.now() - startedAt >= timeoutMs) throw error;
    }
  }
  return probeOnce(tools, input, label, 0, timeoutMs);
}

/** One ffprobe run reading up to `analyzeUs` of the stream (0: ffprobe's default). */
async function probeOnce(tools: FfmpegTools, input: string, label: string, analyzeUs: number, timeoutMs: number): Promise<MediaInfo> {
  let json: { streams?: Record<string, unknown>[]; format?: Record<string, unknown> };
  let warnings = '';
  try {
    const { stdout, stderr } = await runTool(
      tools.ffprobe,
      ['-v', 'error', '-protocol_whitelist', protocolsFor(input), ...(analyzeUs > 0 ? ['-analyzeduration', String(analyzeUs)] : []), '-print_format', 'json', '-show_format', '-show_streams', input],
      timeoutMs,
    );
    json = JSON.parse(stdout) as typeof json;
    warnings = stderr;
  } catch (error) {
    if ((error as { killed?: boolean }).killed) throw new Ascii360Error('SOURCE_NOT_MEDIA', `${label} did not answer within ${timeoutMs / 1000} s`);
    const stderr = String((error as { stderr?: string }).stderr ?? '').trim().split('\n').pop() ?? '';
    // ffprobe says "<input>: <reason>". A URL's own colons are not that separator: cutting at the
    // first one left `//user:password@host/…?signature` (or a stream's key) in the message.
    const reason = withPublicUrls(stderr.split(input).join('')).replace(/^.*?:\s*/, '') || 'ffprobe could not read it';
    // A URL never reached, or answered with an HTTP error, may well be a video: say what happened to it.
    if (isUrlLike(input) && UNREACHED.test(reason)) throw new Ascii360Error('SOURCE_UNREACHABLE', `cannot reach ${label} (${reason})`);
    if (isUrlLike(input) && /^Server returned/i.test(reason)) throw new Ascii360Error('SOURCE_UNREACHABLE', `cannot fetch ${label} (${reason})`);
    throw new Ascii360Error('SOURCE_NOT_MEDIA', `${label} is not a video or image ffmpeg can read (${reason})`);
  }
  const streams = json.streams ?? [];
  // A cover picture attached to a song (or a video's thumbnail) is a video stream of one frame: an
  // mp3 with cover art played one frame and ended, where its sound is 4 s long.
  const videos = streams.filter((s) => s['codec_type'] === 'video');
  const videoStream = videos.findIndex((s) => (s['disposition'] as Record<string, unknown> | undefined)?.['attached_pic'] !== 1);
  const video = videos[videoStream];
  if (!video) throw new Ascii360Error('SOURCE_NO_VIDEO', `${label} has no video stream${videos.length > 0 ? ' (only a cover picture)' : ''}`);
  const formatName = String(json.format?.['format_name'] ?? '');
  // The picture's own length where the file states it: sound that runs on past the last frame
  // (common in phone and edited files) is not more of the video.
  const pictureLength = Number(video['duration']);
  const duration = Number.isFinite(pictureLength) && pictureLength > 0 ? pictureLength : Number(json.format?.['duration'] ?? 0);
  // ffmpeg turns the picture as its display matrix says (a phone's portrait recording): a quarter
  // turn shows the stored height as the width. Unswapped, a 1024x2048 file shown 2048x1024 was
  // warned of as stretched and decoded at half its detail.
  const turned = Math.abs(rotationOf(video)) % 180 === 90;
  const width = Number(video[turned ? 'height' : 'width'] ?? 0);
  const height = Number(video[turned ? 'width' : 'height'] ?? 0);
  if (!(width > 0 && height > 0)) throw new Ascii360Error('SOURCE_NOT_MEDIA', `${label} has a video stream with no picture size`);
  const pixFmt = video['pix_fmt'];
  const decodes = typeof pixFmt === 'string' && pixFmt !== '' && pixFmt !== 'unknown';
  const frames = Number(video['nb_frames'] ?? 0);
  const averageRate = parseRate(video['avg_frame_rate']);
  const baseRate = parseRate(video['r_frame_rate']);
  return {
    width,
    height,
    fps: averageRate || baseRate,
    variableRate: averageRate > 0 && baseRate > 0 && Math.abs(baseRate / averageRate - 1) > VARIABLE_RATE_TOLERANCE,
    duration: Number.isFinite(duration) && duration > 0 ? duration : 0,
    hasAudio: streams.some((s) => s['codec_type'] === 'audio'),
    isImage: IMAGE_FORMATS.test(formatName) && (frames <= 1 || !(duration > 0)),
    formatName,
    sideData: Array.isArray(video['side_data_list']) ? (video['side_data_list'] as Record<string, unknown>[]) : [],
    pixels: pixelsOfStream(video['pix_fmt'], video['color_space'], video['color_range']),
    pixelAspect: turned ? 1 / parsePixelAspect(video['sample_aspect_ratio']) : parsePixelAspect(video['sample_aspect_ratio']),
    videoStream,
    codecTag: typeof video['codec_tag_string'] === 'string' ? video['codec_tag_string'] : '',
    undecodable: decodes ? null : undecodableReason(label, input, warnings),
  };
}

/** An ffmpeg log line without the `[mov,mp4,… @ 0x…]`-like tags in front of its words. */
export function untagged(line: string): string {
  return line.replace(/^(\[[^\]]*\]\s*)+/, '');
}

/**
 * No pixel format: ffprobe decoded none of the picture, and ffmpeg will not either (it failed five
 * times over, on "Error marking filters as finished"). An MP4 whose index is at its end, from a
 * server without range requests, reads as a "partial file": said at the start, in ffprobe's words.
 */
function undecodableReason(label: string, input: string, warnings: string): string {
  const lines = warnings.split('\n').map((l) => untagged(l).trim()).filter(Boolean);
  // The line that names the trouble, rather than a decoder's passing complaint before it.
  const said = lines.find((l) => /partial file|Invalid data/i.test(l)) ?? lines.at(-1);
  const reason = said ? withPublicUrls(said.split(input).join('')).replace(/^:\s*/, '') : 'its pixel format is unknown';
  const hint = /partial file/.test(warnings) && /^https?:/i.test(input) ? '; an MP4 over HTTP needs its index first (ffmpeg -movflags +faststart) or a server that answers range requests' : '';
  return `${label}: its picture cannot be decoded (${reason})${hint}`;
}
