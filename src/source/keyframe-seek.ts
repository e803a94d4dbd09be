/**
 * Seeking in a container whose `-ss` lands on any packet, not a keyframe: MPEG-TS (a camera's
 * .ts/.mts/.m2ts, a DVB capture). Its demuxer seeks by reading timestamps at byte positions and
 * stops at the last packet at or before the moment (libavformat's mpegts_get_dts indexes every
 * packet as a keyframe, "FIXME keyframe?"), so the decoder started mid-picture-group: ffmpeg 5.1
 * dropped everything up to the next keyframe. A seek to 1.5 s of a clip with keyframes every 3 s
 * showed the frame of 3.0 s, and one to 4.2 s showed no frame at all.
 *
 * Here the keyframe before the moment is found by reading packets only (ffprobe, no decoding) in a
 * window before it; ffmpeg then seeks to that keyframe's decode time and drops what comes before
 * the moment itself (`-ss` after `-i`), as a player's exact seek does.
 */
import { runTool, type FfmpegTools } from './ffmpeg-tools.js';

/** ffmpeg's demuxers whose `-ss` lands past the keyframe before the moment. */
const LANDS_ANYWHERE = /^(mpegts|mpegtsraw)$/;

export function seeksPastKeyframes(formatName: string): boolean {
  return LANDS_ANYWHERE.test(formatName);
}

/**
 * Seconds of packets read before the moment, widened once where they hold no keyframe: broadcast
 * and camera streams put one every 0.5 to 2 s, security cameras up to 10 s. Reading 60 s of a
 * 20 Mbit/s stream is 150 MB, still well under a second.
 */
const WINDOWS_S = [10, 60] as const;
/** Reading past the moment by this much, so a keyframe stored just after its decode time is read. */
const READ_PAST_S = 0.5;
/** The read is abandoned after this long: the seek then lands where ffmpeg's own `-ss` does. */
const LOOKUP_TIMEOUT_MS = 5000;
/**
 * The decoder starts this far before the keyframe's decode time: the demuxer's landing is found by
 * timestamps read at byte positions, and a landing a packet past the keyframe would lose it again.
 * The packets before it are decoded and dropped with the rest of the run-up.
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
 * stream `videoStream` in growing windows before it; null where none holds a keyframe, the read
 * fails or `signal` aborts it (the run it was for was replaced).
 */
export async function findRunUpStart(tools: Pick<FfmpegTools, 'ffprobe'>, input: string, protocols: string, videoStream: number, position: number, signal: AbortSignal): Promise<number | null> {
  for (const window of WINDOWS_S) {
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
      probed = JSON.parse((await runTool(tools.ffprobe, args, LOOKUP_TIMEOUT_MS, signal)).stdout) as ProbedPackets;
    } catch {
      return null;
    }
    const at = runUpStart(probed, position);
    if (at !== null) return at;
    if (from === 0) return null;
  }
  return null;
}
