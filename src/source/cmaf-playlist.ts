/**
 * Seeking in an HLS VOD playlist of fragmented MP4 (CMAF) segments with an ffmpeg before 8.0, whose
 * hls demuxer cannot (trac #7359: after `-ss` before `-i` it reopens a segment without its
 * `#EXT-X-MAP` init section and gives no frame). What it can do is play such a playlist from its
 * start. So a run that starts at a moment reads a playlist of our own, written to a local file:
 * the same init section and the segments from the one to start at, every URI made absolute. ffmpeg
 * plays it from its start and drops what comes before the moment (`-ss` after `-i`: at most the
 * segments back to a keyframe). The segments keep their own decode times (their `tfdt`), so how much
 * to drop is the moment less the copy's start time, both counted from the playlist's own start
 * (ffprobe's start_time of a copy of its first segment alone, and of the segment started at). Where
 * a segment's start was not read, the `#EXTINF` durations before it stand in for it: RFC 8216 asks
 * them to be accurate enough to add up.
 *
 * Only what this can copy faithfully is taken: one media playlist, or a master playlist of one
 * variant with its sound muxed in, under one init section, unencrypted, without byte ranges or
 * discontinuities, every URI of the playlist's own kind (http(s) for a URL, files for a file: a
 * playlist from a server must not make ffmpeg read local files). Anything else keeps ffmpeg 5.1's
 * limit, said as before (open-source.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Disposable } from '../shared/disposables.js';
import { isSourceUrl, withPublicUrls } from '../shared/source-name.js';
import { runTool, type FfmpegTools } from './ffmpeg-tools.js';

/** Where a run at a moment reads: `input` from its start, dropping the first `skip` seconds. */
export interface SegmentCut {
  input: string;
  /** `-protocol_whitelist` for `input`. */
  protocols: string;
  skip: number;
}

interface Segment {
  /** Seconds from the playlist's start, by the durations before it. */
  start: number;
  duration: number;
  uri: string;
}

/** What ffprobe read of a copy of one segment: whether its first video packet is a keyframe, and the copy's start time. */
interface SegmentProbe {
  keyframe: boolean;
  startTime: number;
}

/** How far back from a moment's segment a keyframe is looked for (segments cut by time, not at keyframes). */
const KEYFRAME_LOOKBACK_S = 10;
/** Each segment is read within this long, and a seek's probes all within SEEK_DEADLINE_MS: past it the run starts at the moment's segment. */
const PROBE_TIMEOUT_MS = 3000;
const SEEK_DEADLINE_MS = 5000;
/** A segment whose reading failed is read again after this long. */
const FAILED_PROBE_KEPT_MS = 30_000;
/** The playlist (and a master's one variant) is fetched within this long. */
const FETCH_TIMEOUT_MS = 10_000;
/**
 * Playlists written and kept: each copy lists every segment from its own to the end, so one per
 * segment ever started at would grow with the square of a long video's length. ffmpeg reads a VOD
 * playlist once, as it opens it, so only the newest are kept.
 */
const COPIES_KEPT = 16;

/** Directories of written playlists, removed when the process exits. */
const written = new Set<string>();
let cleanupHooked = false;

export class CmafPlaylist implements Disposable {
  private dir: string | null = null;
  /** Written playlists by name, oldest first. */
  private readonly copies = new Map<string, string>();
  /** Per segment: what ffprobe read of it (null where that failed, asked again after FAILED_PROBE_KEPT_MS), or its reading under way (the picture's and the sound's runs start together). */
  private readonly probes = new Map<number, Promise<SegmentProbe | null>>();
  private readonly independent: boolean;
  private disposed = false;

  private constructor(
    private readonly header: readonly string[],
    private readonly map: string,
    private readonly segments: readonly Segment[],
    private readonly protocols: string,
    /** ffprobe (none: a playlist parsed, not loaded, whose starts are its durations), and the video stream whose first packet says whether a segment starts at a keyframe (`v:N`). */
    private readonly tools: Pick<FfmpegTools, 'ffprobe'> | null,
    private readonly videoStream: number,
  ) {
    this.independent = header.includes('#EXT-X-INDEPENDENT-SEGMENTS');
  }

  /**
   * The playlist at `input` (a URL, or a file's path), read for video stream `videoStream` with
   * `tools`' ffprobe; or why it cannot be copied (one line, its URLs as viewers may see them).
   */
  static async load(input: string, tools: Pick<FfmpegTools, 'ffprobe'>, videoStream = 0): Promise<CmafPlaylist | string> {
    let playlist: { text: string; base: string };
    try {
      playlist = await readPlaylist(isSourceUrl(input) ? input : pathToFileURL(resolve(input)).href);
      if (/^#EXT-X-STREAM-INF:/m.test(playlist.text)) {
        const variants = uriLines(playlist.text, '#EXT-X-STREAM-INF:');
        if (variants.length !== 1) return `its master playlist has ${variants.length} variants`;
        if (/^#EXT-X-MEDIA:(?=.*\bTYPE=(?:AUDIO|VIDEO)\b).*\bURI=/m.test(playlist.text)) return 'its master playlist has renditions of their own (separate sound)';
        playlist = await readPlaylist(new URL(variants[0]!, playlist.base).href);
      }
    } catch (error) {
      return withPublicUrls(`its playlist could not be read (${error instanceof Error ? error.message : String(error)})`);
    }
    return CmafPlaylist.parse(playlist.text, playlist.base, tools, videoStream);
  }

  /** A media playlist's text, read from `base` (a URL; file: for a local one); or why it cannot be copied. Without `tools`, its segments' starts are its durations'. */
  static parse(text: string, base: string, tools: Pick<FfmpegTools, 'ffprobe'> | null = null, videoStream = 0): CmafPlaylist | string {
    const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
    if (lines[0] !== '#EXTM3U') return 'its playlist does not start with #EXTM3U';
    if (!lines.includes('#EXT-X-ENDLIST')) return 'its playlist is not finished (#EXT-X-ENDLIST)';
    const local = base.startsWith('file:');
    // A URI of the playlist's own kind, absolute, that the line written cannot be broken by.
    const absolute = (uri: string): string | null => {
      try {
        const resolved = new URL(uri, base);
        if (local ? resolved.protocol !== 'file:' : !/^https?:$/.test(resolved.protocol)) return null;
        const href = local ? fileURLToPath(resolved) : resolved.href;
        return /["\p{Cc}]/u.test(href) ? null : href;
      } catch {
        return null;
      }
    };
    const kind = local ? 'a file' : 'an http(s) URI';
    const header: string[] = [];
    const segments: Segment[] = [];
    let map: string | null = null;
    let duration: number | null = null;
    let at = 0;
    for (const line of lines.slice(1)) {
      if (/^#EXT-X-(?:BYTERANGE|DISCONTINUITY|GAP|PART|PRELOAD-HINT)(?::|$)/.test(line)) return `its playlist uses ${line.split(':')[0]}`;
      if (line.startsWith('#EXT-X-KEY:') && !/METHOD=NONE/.test(line)) return 'its segments are encrypted';
      if (line.startsWith('#EXT-X-MAP:')) {
        if (map !== null) return 'its playlist changes its init section';
        if (/BYTERANGE=/.test(line)) return 'its init section is a byte range';
        const uri = /URI="([^"]*)"/.exec(line)?.[1];
        const resolved = uri === undefined ? null : absolute(uri);
        if (resolved === null) return `its init section is not ${kind}`;
        map = resolved;
      } else if (line.startsWith('#EXTINF:')) {
        duration = Number.parseFloat(line.slice('#EXTINF:'.length));
        if (!(duration >= 0)) return `its playlist has a bad duration: ${line}`;
      } else if (/^#EXT-X-(?:VERSION|TARGETDURATION|INDEPENDENT-SEGMENTS)\b/.test(line)) {
        header.push(line);
      } else if (!line.startsWith('#')) {
        if (duration === null) return 'its playlist has a segment without #EXTINF';
        const uri = absolute(line);
        if (uri === null) return `its playlist has a segment that is not ${kind}`;
        segments.push({ start: at, duration, uri });
        at += duration;
        duration = null;
      }
    }
    if (map === null) return 'its playlist has no init section (#EXT-X-MAP)';
    if (segments.length === 0) return 'its playlist has no segments';
    // Only what the copy's URIs need: no hls, crypto, data or streaming protocols beside local files.
    return new CmafPlaylist(header, map, segments, local ? 'file' : 'file,http,https,tcp,tls', tools, videoStream);
  }

  /**
   * Where a run of the picture at `position` reads: from the last segment at or before the moment
   * whose first video packet is a keyframe, up to KEYFRAME_LOOKBACK_S back (a segment cut by time
   * starts mid picture group, and the decoder would drop up to the next keyframe, past the moment);
   * a playlist that says its segments are independent, from the moment's. `aligned` is false where
   * no such segment was found in time (the picture may then start at the next keyframe). `signal`
   * stops the search between segments (the run was replaced).
   */
  async pictureFrom(position: number, signal: AbortSignal): Promise<SegmentCut & { aligned: boolean }> {
    const deadline = Date.now() + SEEK_DEADLINE_MS;
    const origin = await this.probe(0);
    const k = await this.segmentHolding(position, origin);
    for (let j = k; j >= 0 && this.segments[j]!.start >= position - KEYFRAME_LOOKBACK_S && Date.now() < deadline && !signal.aborted; j--) {
      const probed = await this.probe(j);
      if (probed?.keyframe || (this.independent && j === k)) return { ...this.cut(j, position, origin, probed), aligned: true };
      if (this.independent) break;
    }
    return { ...this.cut(k, position, origin, await this.probe(k)), aligned: false };
  }

  /** Where the sound of a run at `position` reads: the moment's segment (every AAC frame starts anew), counted from its own start time as the picture's is. */
  async soundFrom(position: number): Promise<SegmentCut> {
    const origin = await this.probe(0);
    const k = await this.segmentHolding(position, origin);
    return this.cut(k, position, origin, await this.probe(k));
  }

  /**
   * The segment holding `position` by the segments' own start times where they were read: the
   * durations pick one, and where its start time says they drifted (a duration rounded to whole
   * seconds, 6 for 6.006, is 3 s off after 500 segments), the pick moves by the drift and is read
   * again, at most a few times. A segment that starts after the moment would start the run late.
   */
  private async segmentHolding(position: number, origin: SegmentProbe | null): Promise<number> {
    let k = this.segmentAt(position);
    if (!origin) return k;
    /** The latest segment read to start at or before the moment (segment 0 does, by definition). */
    let best = 0;
    for (let step = 0; step < 4; step++) {
      const probed = await this.probe(k);
      if (!probed) return Math.max(best, k);
      const start = probed.startTime - origin.startTime;
      // The durations' error at k, carried to the moment: the segment they then pick.
      const next = this.segmentAt(position - (start - this.segments[k]!.start));
      if (start > position + 1e-3) {
        // Starts after the moment: one before it at least.
        if (k === 0) return 0;
        k = Math.min(k - 1, Math.max(best, next));
        continue;
      }
      best = Math.max(best, k);
      // Holds the moment by its own start and duration, or the drift points to none later.
      if (next <= k || start + this.segments[k]!.duration > position) return k;
      k = next;
    }
    return best;
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

  /** Segments j… for a run at `position`: the skip by the start times read, else by the durations. */
  private cut(j: number, position: number, origin: SegmentProbe | null, from: SegmentProbe | null): SegmentCut {
    const start = origin && from ? from.startTime - origin.startTime : this.segments[j]!.start;
    return { input: this.write(`from-${j}`, j, this.segments.length), protocols: this.protocols, skip: Math.max(0, position - start) };
  }

  /**
   * ffprobe's reading of a copy of segment j alone, once per segment (failures too). Not abandoned
   * with the run that asked (it is bounded by PROBE_TIMEOUT_MS): the sound's run, or the next seek,
   * may be waiting on the same reading. Without tools (a playlist parsed, not loaded): none.
   */
  private probe(j: number): Promise<SegmentProbe | null> {
    const known = this.probes.get(j);
    if (known) return known;
    const tools = this.tools;
    if (!tools || this.disposed) return Promise.resolve(null);
    const reading = this.readSegment(tools, j);
    this.probes.set(j, reading);
    void reading.then((probed) => {
      // A failure (a slow moment of the server) is asked again after a while, not for the server's life.
      if (probed === null) setTimeout(() => this.probes.get(j) === reading && this.probes.delete(j), FAILED_PROBE_KEPT_MS).unref();
    });
    return reading;
  }

  private async readSegment(tools: Pick<FfmpegTools, 'ffprobe'>, j: number): Promise<SegmentProbe | null> {
    // A copy of the segment alone, so ffprobe's analysis reads no further; gone once read.
    const path = join(this.directory(), `probe-${j}.m3u8`);
    try {
      writeFileSync(path, this.playlistOf(j, j + 1));
      const args = ['-v', 'error', '-protocol_whitelist', this.protocols, '-select_streams', `v:${this.videoStream}`, '-read_intervals', '%+#1', '-show_entries', 'packet=flags:format=start_time', '-of', 'json', path];
      const out = JSON.parse((await runTool(tools.ffprobe, args, PROBE_TIMEOUT_MS)).stdout) as { packets?: { flags?: string }[]; format?: { start_time?: string } };
      const startTime = Number(out.format?.start_time);
      return Number.isFinite(startTime) ? { keyframe: out.packets?.[0]?.flags?.startsWith('K') ?? false, startTime } : null;
    } catch {
      // Not read (a slow or failing server, a full disk): the durations stand in for its start, and it is not taken as a keyframe.
      return null;
    } finally {
      rmSync(path, { force: true });
    }
  }

  /** Writes (or finds) the playlist of segments from … to − 1, under `name`; the oldest beyond COPIES_KEPT go. */
  private write(name: string, from: number, to: number): string {
    const kept = this.copies.get(name);
    if (kept !== undefined) {
      this.copies.delete(name);
      this.copies.set(name, kept);
      return kept;
    }
    const path = join(this.directory(), `${name}.m3u8`);
    writeFileSync(path, this.playlistOf(from, to));
    this.copies.set(name, path);
    for (const [old, oldPath] of this.copies) {
      if (this.copies.size <= COPIES_KEPT) break;
      rmSync(oldPath, { force: true });
      this.copies.delete(old);
    }
    return path;
  }

  /** The playlist of segments from … to − 1. */
  private playlistOf(from: number, to: number): string {
    const lines = ['#EXTM3U', ...this.header, '#EXT-X-PLAYLIST-TYPE:VOD', `#EXT-X-MEDIA-SEQUENCE:${from}`, `#EXT-X-MAP:URI="${this.map}"`];
    for (const segment of this.segments.slice(from, to)) lines.push(`#EXTINF:${segment.duration.toFixed(6)},`, segment.uri);
    lines.push('#EXT-X-ENDLIST', '');
    return lines.join('\n');
  }

  private directory(): string {
    if (this.disposed) throw new Error('the server is closing');
    if (this.dir !== null) return this.dir;
    this.dir = mkdtempSync(join(tmpdir(), 'ascii360-hls-'));
    written.add(this.dir);
    if (!cleanupHooked) {
      cleanupHooked = true;
      process.once('exit', () => {
        for (const dir of written) rmSync(dir, { recursive: true, force: true });
      });
    }
    return this.dir;
  }

  /** Removes the playlists written (the server is closing). */
  dispose(): void {
    this.disposed = true;
    if (this.dir === null) return;
    rmSync(this.dir, { recursive: true, force: true });
    written.delete(this.dir);
    this.dir = null;
    this.copies.clear();
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

/** A playlist's text and the address its relative URIs resolve against, from a file: URL or over http(s) (fetchText). */
async function readPlaylist(address: string): Promise<{ text: string; base: string }> {
  return address.startsWith('file:') ? { text: await readFile(new URL(address), 'utf8'), base: address } : fetchText(address);
}

/**
 * A playlist's text, and the address its relative URIs resolve against: the URL as given (with its
 * user and password, which ffmpeg then sends for every segment), or where a redirect led. fetch
 * refuses a URL with credentials: they go as a Basic Authorization header.
 */
async function fetchText(url: string): Promise<{ text: string; base: string }> {
  const target = new URL(url);
  const headers: Record<string, string> = {};
  if (target.username || target.password) {
    headers['authorization'] = `Basic ${Buffer.from(`${decodeURIComponent(target.username)}:${decodeURIComponent(target.password)}`).toString('base64')}`;
    target.username = '';
    target.password = '';
  }
  const response = await fetch(target, { headers, signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: 'follow' });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return { text: await response.text(), base: response.redirected ? response.url : url };
}
