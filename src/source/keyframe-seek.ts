/**
 * Where a seek starts decoding, in a container whose `-ss` lands past the keyframe before the
 * moment. The decoder then starts mid-picture-group, and ffmpeg 5.1 drops everything up to the next
 * keyframe: the picture of a later moment is shown as the one asked for, or none at all.
 *
 * - MPEG-TS (a camera's .ts/.mts/.m2ts, a DVB capture): its demuxer seeks by reading timestamps at
 *   byte positions and stops at the last packet at or before the moment (libavformat's
 *   mpegts_get_dts indexes every packet as a keyframe, "FIXME keyframe?"). A seek to 1.5 s of a
 *   clip with keyframes every 3 s showed the frame of 3.0 s, and one to 4.2 s showed no frame.
 * - An HLS playlist whose segments do not each start at a keyframe (cut by time, as some packagers
 *   do): ffmpeg's hls demuxer starts at the segment holding the moment and skips to its first
 *   keyframe. With keyframes 2.5 s apart and segments cut every 3 s, a seek to 4.2 s showed the
 *   frame of 5.0 s. Segments that each start at a keyframe (ffmpeg's own, most packagers') landed
 *   right before and still do: the lookup finds the keyframe the demuxer would have started at.
 *   DASH needs none: a segment starts with a keyframe (startWithSAP), where dashdec starts.
 *
 * Here the keyframe before the moment is found by reading packets only (ffprobe, no decoding) in a
 * window before it; ffmpeg then seeks to that keyframe's decode time and drops what comes before
 * the moment itself (`-ss` after `-i`), as a player's exact seek does.
 */
import { runTool, type FfmpegTools } from './ffmpeg-tools.js';

/** How the keyframe before a seek's moment is looked up in one kind of container. */
export interface RunUpLookup {
  /** Seconds of packets read before the moment, each window tried where the one before held no keyframe. */
  windowsS: readonly number[];
  /** Each read is abandoned after this long: the seek then lands where ffmpeg's own `-ss` does. */
  timeoutMs: number;
}

/**
 * MPEG-TS is read from where it is (a file, or a URL of one): broadcast and camera streams put a
 * keyframe every 0.5 to 2 s, security cameras up to 10 s, so the window widens once. Reading 60 s
 * of a 20 Mbit/s stream is 150 MB, still well under a second from a disk.
 */
const MPEGTS_LOOKUP: RunUpLookup = { windowsS: [10, 60], timeoutMs: 5000 };
/**
 * An HLS playlist is mostly a CDN's, whose segments come over the network (10 s of a 4K stream is
 * 25 MB): one window, which holds several keyframes where the playlist follows Apple's authoring
 * guide (one at least every 2 s, segments of 6 s), and a deadline short enough that a slow link
 * delays a seek by little before it lands as it did.
 */
const PLAYLIST_LOOKUP: RunUpLookup = { windowsS: [10], timeoutMs: 3000 };

/** ffmpeg's demuxers whose `-ss` may land past the keyframe before the moment, by ffprobe's format_name. */
const LOOKUPS: readonly [RegExp, RunUpLookup][] = [
  [/^(mpegts|mpegtsraw)$/, MPEGTS_LOOKUP],
  [/^hls$/, PLAYLIST_LOOKUP],
];

/** How a seek in a container of `formatName` finds its keyframe; undefined where ffmpeg's `-ss` does. */
export function runUpLookupFor(formatName: string): RunUpLookup | undefined {
  return LOOKUPS.find(([format]) => format.test(formatName))?.[1];
}

/** Reading past the moment by this much, so a keyframe stored just after its decode time is read. */
const READ_PAST_S = 0.5;
/**
 * The decoder starts this far before the keyframe's decode time: MPEG-TS's demuxer finds its landing
 * by timestamps read at byte positions, HLS's by the durations its playlist states, and a landing a
 * packet past the keyframe would lose it again. The packets before it are decoded and dropped with
 * the rest of the run-up.
 */
const BEFORE_KEYFRAME_S = 0.1;

interface ProbedPackets {
  packets?: { pts_time?: string; dts_time?: string; flags?: string }[];
  format?: { start_time?: string };
}

/**
 * Where ffmpeg should start decoding (seconds from the file's start, as `-ss` counts) to show the
 * moment `position` whole, from ffprobe's JSON of the packets read before it: the decode time of
 * the last keyframe shown at or before the moment, less a margin, at least 0; null where the
 * packets hold no such keyframe.
 */
export function runUpStart(probed: ProbedPackets, position: number): number | null {
  const start = Number(probed.format?.start_time ?? 0);
  const origin = Number.isFinite(start) ? start : 0;
  let decodeAt: number | null = null;
  for (const p of probed.packets ?? []) {
    if (!p.flags?.startsWith('K')) continue;
    const pts = Number(p.pts_time);
    const dts = Number(p.dts_time ?? p.pts_time);
    // A millisecond's leeway: `position` is rounded down to one (seekArg).
    if (!Number.isFinite(pts) || pts - origin > position + 1e-3) continue;
    decodeAt = Number.isFinite(dts) ? Math.min(dts, pts) - origin : pts - origin;
  }
  return decodeAt === null ? null : Math.max(0, decodeAt - BEFORE_KEYFRAME_S);
}

/**
 * The run-up start for a seek to `position` in `input` (runUpStart), reading the packets of video
 * stream `videoStream` in the windows of `lookup` before it; null where none holds a keyframe, a
 * read fails or outlasts the lookup's deadline, or `signal` aborts it (the run it was for was
 * replaced).
 */
export async function findRunUpStart(tools: Pick<FfmpegTools, 'ffprobe'>, lookup: RunUpLookup, input: string, protocols: string, videoStream: number, position: number, signal: AbortSignal): Promise<number | null> {
  for (const window of lookup.windowsS) {
    const from = Math.max(0, position - window);
    const args = [
      '-v', 'error', '-protocol_whitelist', protocols, '-select_streams', `v:${videoStream}`,
      // `+` counts from the file's start time, as `-ss` does. From 0 it reads from the start: a seek
      // there lands past the first keyframe as ffmpeg's does.
      '-read_intervals', `${from > 0 ? `+${from.toFixed(3)}` : ''}%+${(position - from + READ_PAST_S).toFixed(3)}`,
      '-show_entries', 'packet=pts_time,dts_time,flags:format=start_time', '-of', 'json', input,
    ];
    let probed: ProbedPackets;
    try {
      probed = JSON.parse((await runTool(tools.ffprobe, args, lookup.timeoutMs, signal)).stdout) as ProbedPackets;
    } catch {
      return null;
    }
    const at = runUpStart(probed, position);
    if (at !== null) return at;
    if (from === 0) return null;
  }
  return null;
}
