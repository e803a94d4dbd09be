/**
 * Seeking in an HLS VOD playlist of fragmented MP4 (CMAF) segments with an ffmpeg before 8.0, whose
 * hls demuxer cannot (trac #7359: after `-ss` before `-i` it reopens a segment without its
 * `#EXT-X-MAP` init section and gives no frame). What it can do is play such a playlist from its
 * start. So a run that starts at a moment reads a playlist of our own, written to a local file:
 * the same init section and the segments from the one to start at, every URI made absolute. ffmpeg
 * plays it from its start, and drops what comes before the moment (`-ss` after `-i`: at most the
 * segments back to a keyframe). The segments keep their own decode times (their `tfdt`), so the
 * moment is counted from the playlist's start by its `#EXTINF` durations, which RFC 8216 asks to be
 * accurate enough to add up.
 *
 * Only what this can copy faithfully is taken: one media playlist, or a master playlist of one
 * variant with its sound muxed in, under one init section, unencrypted, without byte ranges or
 * discontinuities, every segment over http(s) (a playlist from a server must not make ffmpeg read
 * local files). Anything else keeps ffmpeg 5.1's limit, said as before (open-source.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { protocolsFor, runTool, type FfmpegTools } from './ffmpeg-tools.js';

/** Where a run at a moment reads: `input` from its start, dropping the first `skip` seconds. */
export interface SegmentCut {
  input: string;
  /** `-protocol_whitelist` for `input`: a local playlist of http(s) segments. */
  protocols: string;
  skip: number;
}

interface Segment {
  /** Seconds from the playlist's start, by the durations before it. */
  start: number;
  duration: number;
  uri: string;
}

/** How far back from a moment's segment a keyframe is looked for (segments cut by time, not at keyframes). */
const KEYFRAME_LOOKBACK_S = 10;
/** Each segment's first packet is read within this long; past it the run starts at the moment's segment. */
const PROBE_TIMEOUT_MS = 3000;
/** The playlist (and a master's one variant) is fetched within this long. */
const FETCH_TIMEOUT_MS = 10_000;

/** Directories of written playlists, removed when the process exits. */
const written = new Set<string>();
let cleanupHooked = false;

export class CmafPlaylist {
  private dir: string | null = null;
  private readonly paths = new Map<number, string>();
  /** Per segment: its first video packet is a keyframe (probed once). */
  private readonly keyframeFirst = new Map<number, boolean>();

  private constructor(
    private readonly header: string[],
    private readonly map: string,
    private readonly segments: readonly Segment[],
    private readonly protocols: string,
  ) {}

  /** The playlist at `url`, or why it cannot be copied (one line). */
  static async load(url: string): Promise<CmafPlaylist | string> {
    let text: string;
    let base: string;
    try {
      ({ text, base } = await fetchText(url));
      if (/^#EXT-X-STREAM-INF:/m.test(text)) {
        const variants = uriLines(text, '#EXT-X-STREAM-INF:');
        if (variants.length !== 1) return `its master playlist has ${variants.length} variants`;
        if (/^#EXT-X-MEDIA:.*\bURI=/m.test(text)) return 'its master playlist has renditions of their own (separate sound)';
        ({ text, base } = await fetchText(new URL(variants[0]!, base).href));
      }
    } catch (error) {
      return `its playlist could not be read (${error instanceof Error ? error.message : String(error)})`;
    }
    return CmafPlaylist.parse(text, base);
  }

  /** A media playlist's text, read from `base`; or why it cannot be copied. */
  static parse(text: string, base: string): CmafPlaylist | string {
    const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
    if (lines[0] !== '#EXTM3U') return 'its playlist does not start with #EXTM3U';
    if (!lines.includes('#EXT-X-ENDLIST')) return 'its playlist is not finished (#EXT-X-ENDLIST)';
    const header: string[] = [];
    const segments: Segment[] = [];
    let map: string | null = null;
    let duration: number | null = null;
    let at = 0;
    const absolute = (uri: string): string | null => {
      try {
        const resolved = new URL(uri, base);
        return /^https?:$/.test(resolved.protocol) ? resolved.href : null;
      } catch {
        return null;
      }
    };
    for (const line of lines.slice(1)) {
      if (/^#EXT-X-(BYTERANGE|DISCONTINUITY\b|GAP|PART|PRELOAD-HINT)/.test(line)) return `its playlist uses ${line.split(':')[0]}`;
      if (line.startsWith('#EXT-X-KEY:') && !/METHOD=NONE/.test(line)) return 'its segments are encrypted';
      if (line.startsWith('#EXT-X-MAP:')) {
        if (map !== null) return 'its playlist changes its init section';
        if (/BYTERANGE=/.test(line)) return 'its init section is a byte range';
        const uri = /URI="([^"]*)"/.exec(line)?.[1];
        const resolved = uri === undefined ? null : absolute(uri);
        if (resolved === null) return 'its init section is not an http(s) URI';
        map = resolved;
      } else if (line.startsWith('#EXTINF:')) {
        duration = Number.parseFloat(line.slice('#EXTINF:'.length));
        if (!(duration >= 0)) return `its playlist has a bad duration: ${line}`;
      } else if (/^#EXT-X-(VERSION|TARGETDURATION|INDEPENDENT-SEGMENTS)/.test(line)) {
        header.push(line);
      } else if (!line.startsWith('#')) {
        if (duration === null) return 'its playlist has a segment without #EXTINF';
        const uri = absolute(line);
        if (uri === null) return 'its playlist has a segment that is not an http(s) URI';
        segments.push({ start: at, duration, uri });
        at += duration;
        duration = null;
      }
    }
    if (map === null) return 'its playlist has no init section (#EXT-X-MAP)';
    if (segments.length === 0) return 'its playlist has no segments';
    return new CmafPlaylist(header, map, segments, `file,${protocolsFor(base)}`);
  }

  /**
   * Where a run of the picture at `position` reads: from the last segment at or before the moment
   * whose first video packet is a keyframe, up to KEYFRAME_LOOKBACK_S back (a segment cut by time
   * starts mid picture group, and the decoder would drop up to the next keyframe, past the
   * moment); else the moment's own segment. `signal` abandons the probes (the run was replaced).
   */
  async pictureFrom(tools: Pick<FfmpegTools, 'ffprobe'>, position: number, videoStream: number, signal: AbortSignal): Promise<SegmentCut> {
    const k = this.segmentAt(position);
    for (let j = k; j >= 0 && this.segments[j]!.start >= position - KEYFRAME_LOOKBACK_S; j--) {
      if (signal.aborted) break;
      if (await this.startsWithKeyframe(tools, j, videoStream, signal)) return this.cut(j, position);
    }
    return this.cut(k, position);
  }

  /** Where the sound of a run at `position` reads: the moment's segment (every AAC frame starts anew). */
  soundFrom(position: number): SegmentCut {
    return this.cut(this.segmentAt(position), position);
  }

  /** The segment holding `position` (the last one starting at or before it). */
  private segmentAt(position: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.segments[mid]!.start <= position + 1e-6) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private cut(j: number, position: number): SegmentCut {
    return { input: this.pathFrom(j), protocols: this.protocols, skip: Math.max(0, position - this.segments[j]!.start) };
  }

  private async startsWithKeyframe(tools: Pick<FfmpegTools, 'ffprobe'>, j: number, videoStream: number, signal: AbortSignal): Promise<boolean> {
    const known = this.keyframeFirst.get(j);
    if (known !== undefined) return known;
    const args = ['-v', 'error', '-protocol_whitelist', this.protocols, '-select_streams', `v:${videoStream}`, '-read_intervals', '%+#1', '-show_entries', 'packet=flags', '-of', 'csv=p=0', this.pathFrom(j)];
    try {
      const { stdout } = await runTool(tools.ffprobe, args, PROBE_TIMEOUT_MS, signal);
      const key = stdout.trim().startsWith('K');
      this.keyframeFirst.set(j, key);
      return key;
    } catch {
      return false;
    }
  }

  /** The local playlist of segments j… (written once). */
  private pathFrom(j: number): string {
    let path = this.paths.get(j);
    if (path !== undefined) return path;
    if (this.dir === null) {
      this.dir = mkdtempSync(join(tmpdir(), 'ascii360-hls-'));
      written.add(this.dir);
      if (!cleanupHooked) {
        cleanupHooked = true;
        process.once('exit', () => {
          for (const dir of written) rmSync(dir, { recursive: true, force: true });
        });
      }
    }
    const lines = ['#EXTM3U', ...this.header, '#EXT-X-PLAYLIST-TYPE:VOD', `#EXT-X-MEDIA-SEQUENCE:${j}`, `#EXT-X-MAP:URI="${this.map}"`];
    for (const segment of this.segments.slice(j)) lines.push(`#EXTINF:${segment.duration.toFixed(6)},`, segment.uri);
    lines.push('#EXT-X-ENDLIST', '');
    path = join(this.dir, `from-${j}.m3u8`);
    writeFileSync(path, lines.join('\n'));
    this.paths.set(j, path);
    return path;
  }

  /** Removes the playlists written (the source is closed). */
  dispose(): void {
    if (this.dir === null) return;
    rmSync(this.dir, { recursive: true, force: true });
    written.delete(this.dir);
    this.dir = null;
    this.paths.clear();
  }
}

/** The URI lines that follow each tag line starting with `tag`. */
function uriLines(text: string, tag: string): string[] {
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]!.startsWith(tag)) continue;
    const uri = lines.slice(i + 1).find((l) => l !== '' && !l.startsWith('#'));
    if (uri !== undefined) out.push(uri);
  }
  return out;
}

/** A playlist's text, and the address it came from after redirects (its relative URIs' base). */
async function fetchText(url: string): Promise<{ text: string; base: string }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: 'follow' });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return { text: await response.text(), base: response.url || url };
}
