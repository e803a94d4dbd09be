/**
 * The operator's source argument → a FrameSource factory, after checking it exists and is media.
 * Only the operator names sources: nothing a client sends reaches this file.
 */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ascii360Error } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { DemoSource, demoInfo } from './demo-source.js';
import { readStereoMode, stereoSideData } from './mp4-stereo.js';
import { imageAsPng, ONE_READER, probeMedia, QUICK_PROBE_US, SENDER_PACED, type FfmpegTools, type Hwaccel } from './ffmpeg-tools.js';
import { FfmpegSource } from './ffmpeg-source.js';
import { takesRanges } from './http-ranges.js';
import { runUpLookupFor } from './keyframe-seek.js';
import { CmafPlaylist } from './cmaf-playlist.js';
import type { FrameSource, SourceEvents, SourceInfo } from './frame-source.js';
import { isSourceUrl, redactedSource, unsupportedScheme } from '../shared/source-name.js';
import { resolveFormat, type FormatFlags, type SourceFormat } from './source-format.js';
import { fromSideData, fromXmp, type SphericalMetadata } from './spherical-metadata.js';
import { IMAGE_EXTENSIONS, probeStill, StillSource } from './still-source.js';
import { RGB24 } from '../shared/frame-pixels.js';

export interface OpenOptions {
  /** Output frame rate; absent: the video's own, at most MAX_DEFAULT_FPS (outputRateOf). */
  fps?: number;
  loop: boolean;
  hwaccel: Hwaccel;
  /** Native pace; false decodes as fast as possible (benchmarks). */
  realtime: boolean;
  /** The operator's overrides of the file's layout, stereo mode, eye and lens field of view. */
  format?: FormatFlags;
  /** How long a URL may take to answer its probe (default PROBE_TIMEOUT_MS). */
  openTimeoutMs?: number;
}

export interface OpenedSource {
  info: SourceInfo;
  create(events: SourceEvents): FrameSource;
  /** What ffmpeg opens for this source (its sound too): a file as an absolute path, a URL as given; absent for the demo. */
  input?: string;
  /** An HLS playlist of CMAF segments whose runs past the start read a copy of it (cmaf-playlist.ts). */
  cmaf?: CmafPlaylist;
}

/** The most frames a second a video gets when no --fps names its rate, and the rate of a video whose own is unknown (and the demo's). */
export const MAX_DEFAULT_FPS = 30;

/**
 * The fewest frames a second a video gets by default: the browser's sound follows the picture by
 * its frames and takes a pause of 500 ms between them for a gap (src/client/browser/av-sync.ts),
 * and a loop is told by the position going back more than a second, so a time-lapse of a frame
 * every few seconds still goes out ten times a second (its frames repeated).
 */
export const MIN_DEFAULT_FPS = 10;
/** A whole fraction of a faster video's rate is taken only from this rate up; below, MAX_DEFAULT_FPS (45 fps keeps 2 frames in 3, not 1 in 2). */
const MIN_FRACTION_FPS = 24;

/**
 * The output rate for a video file whose own average rate is `native` (0: unknown): its own,
 * rounded, as a player shows it, so a 24 or 25 fps film neither judders nor costs renders of
 * repeated frames (at 30 a second, 24 fps repeats every fourth frame). A phone's variable rate
 * averaging 30.2 is 30. Faster: the largest whole fraction of it not above 30 where that is at
 * least 24 (50 → 25, 60 → 30, 120 → 30, 48 → 24), so frames are dropped evenly, else 30.
 * Between MIN_DEFAULT_FPS and MAX_DEFAULT_FPS either way.
 */
export function outputRateOf(native: number): number {
  if (!(native > 0) || !Number.isFinite(native)) return MAX_DEFAULT_FPS;
  const rounded = Math.round(native);
  if (rounded <= MAX_DEFAULT_FPS) return Math.max(MIN_DEFAULT_FPS, rounded);
  const fraction = Math.round(native / Math.ceil(native / (MAX_DEFAULT_FPS + 0.5)));
  return fraction >= MIN_FRACTION_FPS && fraction <= MAX_DEFAULT_FPS ? fraction : MAX_DEFAULT_FPS;
}
/**
 * ffmpeg's demuxers of bare elementary streams: no container, so no index and no timestamps to
 * seek by. `-ss` before such an input gives no frame at all, which read as the end of the file.
 */
/** ffmpeg's demuxers of segment playlists, which seek by fetching another segment. */
const PLAYLISTS = /^(hls|dash)$/;
const RAW_STREAMS = /^(h264|hevc|vvc|evc|av1|obu|vc1|h261|h263|m4v|mpegvideo|cavsvideo|avs2|avs3|dirac|mjpeg)$/;
/**
 * The video sample entries of MP4 (`avc1`, `hvc1`, `av01`, …): a stream tagged so came out of MP4,
 * here the fragmented MP4 (CMAF) segments of an HLS playlist, those under an `#EXT-X-MAP` init
 * section. MPEG-TS segments give their stream type in brackets (`[27][0][0][0]`), or a registration
 * descriptor's letters, which are not these (ffmpeg's own muxer writes `HEVC` for HEVC). ffprobe's
 * format_name is `hls` either way.
 */
export function isMp4SampleEntry(codecTag: string): boolean {
  return /^(avc[1-4]|hvc1|hev1|av01|vp08|vp09|vvc1|vvi1|mp4v|dvh1|dvhe|dva1|dvav|dav1|apch|apcn|apcs|apco|ap4h)$/.test(codecTag);
}
/**
 * Why a VOD HLS playlist of fragmented MP4 segments cannot be started at a moment by ffmpeg itself.
 * ffmpeg 5.1's hls demuxer, seeking in one, reopens a segment under the MP4 demuxer without its init
 * section: no frame at all came after `-ss` before `-i`, even 0.1 s into the first segment ("partial
 * file", "Invalid NAL unit size"), and the keyframe lookup's ffprobe seeks the same way. Trac #7359,
 * fixed in ffmpeg 8.0, where seeks are left to it (FfmpegTools.seeksCmafHls). `-ss` after `-i` alone
 * decodes every segment before the moment, unbounded in a long video, and the hls demuxer starts a
 * finished playlist at its first segment whatever `-live_start_index` or `#EXT-X-START`
 * (`-prefer_x_start`) say. So a run past the start reads a copy of the playlist from a segment on
 * (cmaf-playlist.ts); a playlist that cannot be copied plays from its start only, and says why.
 */
const FMP4_HLS_UNSEEKABLE = 'its HLS segments are fragmented MP4 (CMAF), which ffmpeg before 8.0 cannot start anywhere but at the beginning (ffmpeg trac #7359, fixed in ffmpeg 8.0; MPEG-TS segments seek)';

/** ffprobe's side data, with the stereo mode of an MP4's `st3d` box where ffprobe reported none (mp4-stereo.ts). */
async function withStereoBox(sideData: Record<string, unknown>[], formatName: string, path: string): Promise<Record<string, unknown>[]> {
  if (!/\bmov\b|\bmp4\b/.test(formatName) || sideData.some((d) => d['side_data_type'] === 'Stereo 3D')) return sideData;
  const mode = await readStereoMode(path);
  return mode === null ? sideData : [...sideData, stereoSideData(mode)];
}

export async function openSource(input: string | undefined, opts: OpenOptions, tools: FfmpegTools, log: Logger): Promise<OpenedSource> {
  if (input === undefined || input === '') {
    const info = demoInfo(opts.fps ?? MAX_DEFAULT_FPS);
    return { info, create: (events) => new DemoSource(info, events, opts.realtime) };
  }
  // A file: URL (a browser's address bar, a file manager's copy) is the file it names.
  if (/^file:/i.test(input)) {
    try {
      input = fileURLToPath(input);
    } catch (error) {
      throw new Ascii360Error('SOURCE_NOT_FOUND', `source is not a local file: ${input} (${(error as Error).message})`);
    }
  }
  // The frames are decoded afresh after a seek, a resize or a loop: a pipe could be read only once.
  if (input === '-') throw new Ascii360Error('SOURCE_NOT_FOUND', 'reading the source from standard input is not supported: give a file or a URL');
  const refused = unsupportedScheme(input);
  if (refused) throw new Ascii360Error('SOURCE_NOT_FOUND', refused);
  const isUrl = isSourceUrl(input);
  if (!isUrl) {
    let isFile = false;
    try {
      isFile = (await stat(input)).isFile();
    } catch {
      throw new Ascii360Error('SOURCE_NOT_FOUND', `source not found: ${input}`);
    }
    if (!isFile) throw new Ascii360Error('SOURCE_NOT_FOUND', `source is not a file: ${input}`);
    try {
      await access(input, constants.R_OK);
    } catch {
      throw new Ascii360Error('SOURCE_UNREADABLE', `source is not readable (permission denied): ${input}`);
    }
    if ((await stat(input)).size === 0) throw new Ascii360Error('SOURCE_NOT_MEDIA', `${input} is empty (0 bytes)`);
  }
  // A photo's name, sharp cannot read it: a video named like a photo (a download saved as .jpg) is
  // still a video, which was refused as "not an image"; anything else keeps sharp's word for it.
  let notStill: unknown = null;
  if (!isUrl && IMAGE_EXTENSIONS.test(input)) {
    try {
      return await openStill(input, opts, log);
    } catch (error) {
      if (!(error instanceof Ascii360Error && error.code === 'SOURCE_NOT_MEDIA')) throw error;
      notStill = error;
    }
  }
  // ffmpeg reads a name as options or a protocol before it reads it as a file: `clip:1.mp4` was
  // "Protocol not found" and `-dash.mp4` a missing option's argument. An absolute path is a file.
  const path = isUrl ? input : resolve(input);
  const media = await probeMedia(tools, path, redactedSource(input), opts.openTimeoutMs).catch((error: unknown) => {
    throw notStill ?? error;
  });
  if (notStill !== null && (media.isImage || media.undecodable !== null)) throw notStill;
  if (media.isImage && !isUrl) return openStill(input, opts, log, tools);
  if (media.undecodable !== null) throw new Ascii360Error('SOURCE_NOT_MEDIA', media.undecodable);
  const sideData = isUrl ? media.sideData : await withStereoBox(media.sideData, media.formatName, path);
  const format = formatOf(fromSideData(sideData, media.width, media.height), opts, media.width, media.height, log, media.pixelAspect);
  const live = isUrl && media.duration === 0;
  const raw = RAW_STREAMS.exec(media.formatName)?.[0];
  // A file over http(s), not a playlist of segments, whose server sends only whole files.
  const wholeOnly = isUrl && !live && /^https?:/i.test(input) && !PLAYLISTS.test(media.formatName) && !(await takesRanges(path));
  const cmafHls = !live && !tools.seeksCmafHls && media.formatName === 'hls' && isMp4SampleEntry(media.codecTag);
  // Seeks read a copy of the playlist from a segment on, where it can be copied (cmaf-playlist.ts).
  const cmaf = cmafHls ? await CmafPlaylist.load(path, tools, media.videoStream) : null;
  const cmafUnseekable = typeof cmaf === 'string' ? `${FMP4_HLS_UNSEEKABLE}, and ${cmaf}` : null;
  if (cmafUnseekable) log.warn('source.unseekable', { reason: `${cmafUnseekable}: it plays from its start only, without pause or seek` });
  const cmafPlaylist = cmaf instanceof CmafPlaylist ? cmaf : undefined;
  if (wholeOnly) log.warn('source.no_ranges', { reason: 'its server does not answer range requests: it plays from its start only, without pause or seek' });
  // The sound is a second ffmpeg on the same input: where one process alone can read it, the picture keeps it.
  const soundShut = media.hasAudio && ONE_READER.test(input);
  if (soundShut) log.warn('audio.unavailable', { reason: 'this stream can be read by one process only, and the picture reads it: /audio answers 204' });
  const info: SourceInfo = {
    ...(raw && !live ? { unseekable: `a raw ${raw.toUpperCase()} stream has no index to start from but its beginning (remux it: ffmpeg -i IN -c copy OUT.mp4)` } : {}),
    ...(cmafUnseekable ? { unseekable: cmafUnseekable } : {}),
    ...(wholeOnly ? { unseekable: 'its server sends only the whole file (no range requests), so it plays from its start (download it, or serve it from a server that answers range requests)' } : {}),
    label: redactedSource(input),
    kind: 'video',
    // A live stream's rate comes from a probe of a second, and the stream may come back at another:
    // it keeps the fixed default.
    fps: opts.fps ?? (live ? MAX_DEFAULT_FPS : outputRateOf(media.fps)),
    duration: live ? 0 : media.duration,
    live,
    hasAudio: media.hasAudio && !soundShut,
    width: media.width,
    height: media.height,
    format,
    pixels: media.pixels,
  };
  // A live stream its sender paces is read as it comes, without `-re` (ffmpeg's docs warn against
  // it on live input): on top of the sender's pace it kept the seconds buffered while ffmpeg
  // probed as a lag behind live, for good (5 s on MPEG-TS over UDP). It starts at its first
  // keyframe, so a short probe only brings the first picture sooner, and at its newest frame: what
  // ffmpeg decoded meanwhile is skipped, not fast-forwarded (FfmpegSource). Live HLS or DASH over
  // http(s) hands out seconds of stream at a time, and keeps `-re` to play them at their pace
  // instead of in bursts.
  const senderPaced = live && SENDER_PACED.test(input);
  return {
    info,
    input: path,
    cmaf: cmafPlaylist,
    create: (events) =>
      new FfmpegSource({
        tools, input: path, info, hwaccel: opts.hwaccel, loop: opts.loop && !live,
        realtime: opts.realtime && !senderPaced, analyzeUs: senderPaced ? QUICK_PROBE_US : undefined, startAtLiveEdge: senderPaced,
        nativeFps: media.fps, variableRate: media.variableRate, videoStream: media.videoStream, runUpLookup: live ? undefined : runUpLookupFor(media.formatName), cmaf: cmafPlaylist, events, log,
      }),
  };
}

/** The file's metadata and the flags → the format, each warning logged once (`source.format`). */
function formatOf(meta: SphericalMetadata | null, opts: OpenOptions, width: number, height: number, log: Logger, pixelAspect = 1): SourceFormat {
  const format = resolveFormat(meta, opts.format ?? {}, width, height, (message) => log.warn('source.format', { note: message }), pixelAspect);
  log.info('source.layout', {
    layout: format.picture.layout,
    stereo: format.stereo,
    eye: format.eye,
    metadata: format.metadata ?? 'none',
    from: Object.entries(format.from).map(([k, v]) => `${k}:${v}`).join(' '),
  });
  return format;
}

/**
 * A photo, drawn by sharp. `tools`: ffmpeg says the file is a picture (no known extension), so one
 * sharp does not read (a BMP) is converted to PNG by ffmpeg first.
 */
async function openStill(path: string, opts: OpenOptions, log: Logger, tools?: FfmpegTools): Promise<OpenedSource> {
  let picture: string | Buffer = path;
  let probed: { width: number; height: number; xmp: string | null; frames: number };
  try {
    probed = await probeStill(path);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    if (!tools) throw new Ascii360Error('SOURCE_NOT_MEDIA', `${path} is not an image that can be read (${why})`);
    try {
      picture = await imageAsPng(tools, resolve(path));
      probed = await probeStill(picture);
    } catch (again) {
      throw new Ascii360Error('SOURCE_NOT_MEDIA', `${path} is not an image that can be read (${again instanceof Error ? again.message : String(again)})`);
    }
  }
  const { width, height } = probed;
  let format = formatOf(probed.xmp ? fromXmp(probed.xmp, width, height) : null, opts, width, height, log);
  if (probed.frames > 1) {
    // Shown still without a word, an animated WebP looked like a photo. ffmpeg 5.1 cannot decode
    // one (it skips the ANIM chunk); a GIF it plays as a video. First among the notes: `play` shows the first.
    const note = `an animation of ${probed.frames} frames: only its first is shown (save it as a video or a GIF to play it)`;
    log.warn('source.format', { note });
    format = { ...format, notes: [note, ...format.notes] };
  }
  const info: SourceInfo = { label: path, kind: 'still', fps: 1, duration: 0, live: false, hasAudio: false, width, height, format, pixels: RGB24 };
  return { info, create: (events) => new StillSource(picture, info, events, log) };
}
