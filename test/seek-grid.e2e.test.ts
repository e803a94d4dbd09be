/**
 * A seek lands on the frame grid (src/app/playback.ts, src/source/ffmpeg-source.ts): a viewer is
 * shown the frame a player shows at the moment asked, the one that began at or before it, numbered
 * as that frame (§3: index = round(position × fps)). Real server, real sockets, real ffmpeg.
 */
import { execFile } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFfmpeg } from '../src/source/ffmpeg-tools.js';
import { isMp4SampleEntry } from '../src/source/open-source.js';
import { makeClip, tempDir } from './helpers/media.js';
import { meanCellColour, serverPool, statuses, type TestViewer } from './helpers/server.js';

const SEEKS_CMAF = (await findFfmpeg()).seeksCmafHls;

const tmp = tempDir('ascii360-seek-grid-');
const pool = serverPool();
let clip = '';
let ts = '';
let hls = '';
let dash = '';
let cmaf = '';
let cmafTwo = '';
let cmafFile = '';
let cmafOff = '';
let cmafShort = '';
let http: Server;
const FPS = 30;
/** The MPEG-TS clip's rate: each frame's grey is 4 × its number, so one frame's grey tells it from the next. */
const TS_FPS = 10;

beforeAll(async () => {
  // 4 s at 30 fps: frames 0…119.
  clip = join(tmp.dir, 'clip.mp4');
  // Each frame's grey is 4 × its number; H.264 with B-frames, a keyframe every `gop` frames.
  const grey = ['-f', 'lavfi', '-i', `color=c=black:s=128x64:r=${TS_FPS}:d=6,format=gray,geq=lum='N*4'`];
  const h264 = (gop: number): string[] => ['-c:v', 'libx264', '-preset', 'ultrafast', '-bf', '2', '-g', String(gop), '-sc_threshold', '0', '-pix_fmt', 'yuv420p'];
  // Each a small ffmpeg run of its own: all five at once (one after another they were most of the file's start).
  const encode = (...args: string[]): Promise<unknown> => promisify(execFile)('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...grey, ...args]);
  // A camera's or a DVB capture's kind of file: MPEG-TS, a keyframe every 3 s (frames 0 and 30),
  // 6 s long: frames 0…59, grey 0…236.
  ts = join(tmp.dir, 'capture.ts');
  const encodes = [encode(...h264(30), '-f', 'mpegts', ts)];
  // The same picture as an HLS VOD playlist, a keyframe every 2.5 s (frames 0, 25, 50), its segments
  // cut every 3 s whether a keyframe is there or not (as packagers cutting by time do): the second
  // starts at 3.0 s, between the keyframes of 2.5 and 5.0 s. And as a DASH manifest, whose segments
  // start at keyframes (0-5 s, 5-6 s).
  const hlsDir = join(tmp.dir, 'hls');
  mkdirSync(hlsDir);
  encodes.push(encode(...h264(25), '-f', 'hls', '-hls_time', '3', '-hls_flags', 'split_by_time', '-hls_playlist_type', 'vod', join(hlsDir, 'index.m3u8')));
  encodes.push(encode(...h264(25), '-f', 'dash', '-seg_duration', '3', join(hlsDir, 'index.mpd')));
  // And as HLS of fragmented MP4 (CMAF) segments under an `#EXT-X-MAP` init section, cut alike.
  encodes.push(encode(...h264(25), '-f', 'hls', '-hls_time', '3', '-hls_flags', 'split_by_time', '-hls_segment_type', 'fmp4', '-hls_fmp4_init_filename', 'cmaf-init.mp4', '-hls_segment_filename', join(hlsDir, 'cmaf%d.m4s'), '-hls_playlist_type', 'vod', join(hlsDir, 'cmaf.m3u8')));
  encodes.push(encode(...h264(30), '-f', 'hls', '-hls_time', '3', '-hls_segment_type', 'fmp4', '-hls_fmp4_init_filename', 'keyed-init.mp4', '-hls_segment_filename', join(hlsDir, 'keyed%d.m4s'), '-hls_playlist_type', 'vod', join(hlsDir, 'keyed.m3u8')));
  // makeClip blocks this process while its ffmpeg runs, beside the four above.
  makeClip(clip, { seconds: 4, fps: FPS });
  await Promise.all(encodes);
  // A master playlist of two variants (both the CMAF one): a copy of one would not be what ffmpeg plays.
  // Segments that start at keyframes (every 3 s), under a playlist whose durations do not add up
  // (3.4 s said for each): a seek into the second segment starts there, and goes by its own time.
  writeFileSync(join(hlsDir, 'cmaf-off.m3u8'), readFileSync(join(hlsDir, 'keyed.m3u8'), 'utf8').replace(/#EXTINF:[\d.]+,/g, '#EXTINF:3.400000,'));
  // And durations too short (2.6 s said): by them 2.8 s is in the second segment, which starts at 3.0 s.
  writeFileSync(join(hlsDir, 'cmaf-short.m3u8'), readFileSync(join(hlsDir, 'keyed.m3u8'), 'utf8').replace(/#EXTINF:[\d.]+,/g, '#EXTINF:2.600000,'));
  writeFileSync(join(hlsDir, 'cmaf-two.m3u8'), '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=200000\ncmaf.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=400000\ncmaf.m3u8\n');
  // Served over loopback as a CDN would: whole files.
  http = createServer((req, res) => {
    const file = normalize(join(hlsDir, new URL(req.url ?? '/', 'http://x').pathname));
    if (!file.startsWith(hlsDir) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  hls = `${base}/index.m3u8`;
  dash = `${base}/index.mpd`;
  cmaf = `${base}/cmaf.m3u8`;
  cmafTwo = `${base}/cmaf-two.m3u8`;
  cmafFile = join(hlsDir, 'cmaf.m3u8');
  cmafOff = `${base}/cmaf-off.m3u8`;
  cmafShort = `${base}/cmaf-short.m3u8`;
});

afterAll(async () => {
  await pool.close();
  await new Promise((r) => http.close(r));
  tmp.cleanup();
});

const index = (frame: Buffer): number => frame.readUInt32BE(0);
/** The frame number the MPEG-TS clip's grey says (4 × its number). */
const greyFrame = (frame: Buffer): number => meanCellColour(frame)[0] / 4;

/** The one frame a paused seek to `time` sends. */
async function pausedSeek(v: TestViewer, time: number): Promise<Buffer> {
  const before = v.frames.length;
  v.send({ type: 'seek', time });
  await v.until(() => v.frames.length > before, `the frame of a paused seek to ${time}`);
  // Nothing else follows it while paused.
  await new Promise((r) => setTimeout(r, 300));
  expect(v.frames.length, `one frame for the paused seek to ${time}`).toBe(before + 1);
  return v.frames.at(-1)!;
}

/** A viewer of `media` with `query`, its first frames in and the timeline paused. */
async function pausedViewer(media: string, query: string): Promise<TestViewer> {
  const s = await pool.serve([media]);
  const v = pool.viewer(s, query);
  await v.until(() => v.frames.length >= 1, 'frames');
  v.send({ type: 'pause', paused: true });
  await v.until(() => statuses(v).some((t) => t.startsWith('STATUS:PAUSED')), 'PAUSED');
  await new Promise((r) => setTimeout(r, 300));
  return v;
}

/** The frames after the STATUS:SEEKED that starts with `said`, with when each came; none found: -1 as `seeked`. */
function framesAfter(v: TestViewer, said: string): { seeked: number; after: { frame: Buffer; at: number }[] } {
  const seeked = v.messages.findIndex((m) => !m.binary && m.text.startsWith(said));
  const after = v.messages.slice(seeked + 1).flatMap((m, i) => (m.binary ? [{ frame: m.data, at: v.times[seeked + 1 + i]! }] : []));
  return { seeked, after };
}

/**
 * A seek to 4.2 s while `media` (10 fps, 6 s, its frames numbered) plays: SEEKED, then frames
 * 42…59 in order, each the picture of its moment, the first promptly and the rest at their pace.
 */
async function playingSeekToEnd(media: string): Promise<void> {
  const s = await pool.serve([media]);
  const v = pool.viewer(s, 'cols=16&rows=6&camera=equirect&fov=360');
  await v.until(() => v.frames.length >= 1, 'frames');
  const sentAt = performance.now();
  v.send({ type: 'seek', time: 4.2 });
  await v.until(() => v.closeCode !== null, 'the end', 15_000);
  const { seeked, after } = framesAfter(v, 'STATUS:SEEKED:4.2');
  expect(seeked).toBeGreaterThanOrEqual(0);
  // Frames 42…59: a run that waited on its frames' moments lost the last six when ffmpeg had
  // exited a second before they were read; an HLS run that started at the next keyframe skipped 42…49.
  expect(after.map((f) => index(f.frame))).toEqual(Array.from({ length: 18 }, (_, i) => 42 + i));
  expect(after.map((f) => Math.round(greyFrame(f.frame)))).toEqual(Array.from({ length: 18 }, (_, i) => 42 + i));
  expect(after[0]!.at - sentAt, 'ms to the first frame').toBeLessThan(3000);
  // At 10 fps: 17 frame intervals are about 1.7 s, not a fast-forward through a backlog.
  expect(after.at(-1)!.at - after[0]!.at, 'ms from the first frame to the last').toBeGreaterThan(1300);
}

describe('a seek lands on the frame shown at its moment', () => {
  it('paused seeks anywhere within a frame show that frame, numbered as it; within the last, the last', async () => {
    // The whole sphere, so the next frame's picture differs from this one's.
    const v = await pausedViewer(clip, 'cols=64&rows=16&style=half&camera=equirect&fov=360');
    // Frame 32 begins at 1.0667 s, which ffmpeg's -ss rounded to the nearest millisecond (1.067)
    // passed: the run began at frame 33 and showed its picture numbered 32.
    const at = await pausedSeek(v, 32 / FPS);
    const within = await pausedSeek(v, 32 / FPS + 0.02);
    const next = await pausedSeek(v, 33 / FPS);
    expect([index(at), index(within), index(next)]).toEqual([32, 32, 33]);
    expect(at.equals(within), 'a moment within frame 32 shows frame 32').toBe(true);
    expect(at.equals(next), 'frame 32 is not frame 33').toBe(false);
    // Within the last frame (3.967–4 s): the last frame, where a second before it was shown.
    expect(index(await pausedSeek(v, 3.99))).toBe(119);
  });

  it('frames after a seek between two frames are numbered one by one, never twice, never past the last', async () => {
    const s = await pool.serve([clip]);
    const v = pool.viewer(s, 'cols=20&rows=6');
    await v.until(() => v.frames.length >= 2, 'frames');
    // 1.05 s is half way through frame 31: numbered from 31.5, frames came 61, 61, …, 119, 120.
    v.send({ type: 'seek', time: 1.05 });
    await v.until(() => v.closeCode !== null, 'the end', 15_000);
    const after = framesAfter(v, 'STATUS:SEEKED:').after.map((f) => index(f.frame));
    expect(after.length).toBeGreaterThan(30);
    for (let i = 1; i < after.length; i++) expect(after[i]!, `frame ${i} after the seek: ${after.join(',')}`).toBeGreaterThan(after[i - 1]!);
    expect(Math.max(...after)).toBeLessThanOrEqual(4 * FPS - 1);
  });
});

describe('a seek in an MPEG-TS file lands on its moment', () => {
  // ffmpeg's -ss on MPEG-TS lands on any packet, past the keyframe before the moment (ffmpeg 5.1):
  // 1.5 s showed the frame of 3.0 s, and 0.3 s too; 4.2 s showed no frame at all (keyframe-seek.ts).
  it('paused seeks within a picture group show the frame of the moment, numbered as it', async () => {
    const v = await pausedViewer(ts, 'cols=16&rows=6&camera=equirect&fov=360');
    for (const time of [1.5, 4.2, 0.3, 2.9]) {
      const frame = await pausedSeek(v, time);
      const k = Math.round(time * TS_FPS);
      expect(index(frame), `the number of the frame at ${time} s`).toBe(k);
      expect(greyFrame(frame), `the picture of the frame at ${time} s`).toBeCloseTo(k, 0);
    }
  });

  it('a seek while playing shows the moment first, promptly, then every frame to the end at its pace', () => playingSeekToEnd(ts));
});

describe('a seek in an HLS VOD playlist (or a DASH manifest) lands on its moment', () => {
  // ffmpeg's hls demuxer started at the segment holding the moment and skipped to its first keyframe:
  // 4.2 s showed the frame of 5.0 s numbered as 4.2, and a playing seek there skipped 4.2 to 5.0 s
  // (keyframe-seek.ts). DASH starts at a segment's keyframe itself, and is checked unchanged.
  it.each([
    ['HLS', () => hls],
    ['DASH', () => dash],
  ])('%s: paused seeks show the frame of the moment, numbered as it, and SEEKED says where it landed', async (_, url) => {
    const v = await pausedViewer(url(), 'cols=16&rows=6&camera=equirect&fov=360');
    for (const time of [1.5, 4.2, 0.3, 2.4, 5.5]) {
      const frame = await pausedSeek(v, time);
      const k = Math.round(time * TS_FPS);
      expect(statuses(v).at(-1), `SEEKED for ${time} s`).toBe(`STATUS:SEEKED:${(k / TS_FPS).toFixed(3)}`);
      expect(index(frame), `the number of the frame at ${time} s`).toBe(k);
      expect(greyFrame(frame), `the picture of the frame at ${time} s`).toBeCloseTo(k, 0);
    }
  });

  it('HLS: a seek while playing shows the moment first, promptly, then every frame to the end at its pace', () => playingSeekToEnd(hls));

  // ffmpeg 5.1 gives no frame after `-ss` in HLS of fMP4 segments (trac #7359): a paused seek to
  // 4.2 s showed the frame numbered 22 and a playing one stopped the picture, so seek and pause were
  // refused. Now a run past the start reads a copy of the playlist from a segment on
  // (cmaf-playlist.ts); with ffmpeg 8.0 and later the seek is ffmpeg's own (FfmpegTools.seeksCmafHls).
  // Its segments are cut by time (3 s) between keyframes (2.5 s): 4.2 s is decoded from segment 0.
  const CMAF_SEEKS = [1.5, 4.2, 0.3, 2.4, 5.5, 3.1, 2.8];
  it.each([
    ['over http', () => cmaf, CMAF_SEEKS],
    ['a local file', () => cmafFile, CMAF_SEEKS],
    ['its durations 0.4 s long a segment', () => cmafOff, CMAF_SEEKS],
    // Its duration is theirs too (5.2 s): 5.5 is past its end.
    ['its durations 0.4 s short a segment', () => cmafShort, CMAF_SEEKS.filter((t) => t < 5.2)],
  ])('HLS of fMP4 (CMAF) segments, %s: paused seeks show the frame of the moment, numbered as it', async (_, media, seeks) => {
    const v = await pausedViewer(media(), 'cols=16&rows=6&camera=equirect&fov=360');
    for (const time of seeks) {
      const frame = await pausedSeek(v, time);
      const k = Math.round(time * TS_FPS);
      expect(statuses(v).at(-1), `SEEKED for ${time} s`).toBe(`STATUS:SEEKED:${(k / TS_FPS).toFixed(3)}`);
      expect(index(frame), `the number of the frame at ${time} s`).toBe(k);
      expect(greyFrame(frame), `the picture of the frame at ${time} s`).toBeCloseTo(k, 0);
    }
    expect(v.texts.filter((t) => t.startsWith('Error: '))).toEqual([]);
  });

  it('HLS of fMP4 (CMAF) segments: a seek while playing shows the moment first, promptly, then every frame to the end at its pace', () => playingSeekToEnd(cmaf));

  // One that cannot be copied faithfully keeps ffmpeg 5.1's limit: seek and pause refused in one
  // line each, saying why, and the picture plays on from its start, every frame.
  it.skipIf(SEEKS_CMAF)('HLS of fMP4 (CMAF) segments that cannot be copied (two variants) refuses seek and pause, saying why, and plays on', async () => {
    const s = await pool.serve([cmafTwo]);
    const v = pool.viewer(s, 'cols=16&rows=6&camera=equirect&fov=360');
    await v.until(() => v.frames.length >= 1, 'frames');
    v.send({ type: 'seek', time: 4.2 });
    v.send({ type: 'pause', paused: true });
    await v.until(() => v.closeCode !== null, 'the end', 15_000);
    expect(v.texts.filter((t) => t.startsWith('Error: '))).toEqual([
      expect.stringMatching(/^Error: seek is not possible in this file: its HLS segments are fragmented MP4 \(CMAF\), which ffmpeg before 8\.0 cannot start .*, and its master playlist has 2 variants$/),
      expect.stringMatching(/^Error: pause is not possible in this file: its HLS segments are fragmented MP4 .*, and its master playlist has 2 variants$/),
    ]);
    expect(v.frames.map((f) => Math.round(greyFrame(f)))).toEqual(Array.from({ length: 60 }, (_, i) => i));
  });
});

describe('which HLS segments are fragmented MP4', () => {
  it('an MP4 sample entry is, an MPEG-TS stream type or registration descriptor is not', () => {
    for (const tag of ['avc1', 'avc3', 'hvc1', 'hev1', 'av01', 'vp09']) expect(isMp4SampleEntry(tag), tag).toBe(true);
    // H.264 in MPEG-TS; HEVC in MPEG-TS as ffmpeg's muxer writes its registration descriptor; none.
    for (const tag of ['[27][0][0][0]', 'HEVC', 'AVC1', '', 'h264']) expect(isMp4SampleEntry(tag), tag).toBe(false);
  });
});
