/** Listening to `/audio` and checking what was heard, with real HTTP and real ffmpeg. */
import { execFileSync, spawnSync } from 'node:child_process';
import { request, type IncomingMessage } from 'node:http';
import { readAdtsHeader } from '../../protocol/adts.js';
import { ffmpegAsync } from './media.js';

export interface Capture {
  res: IncomingMessage;
  chunks: { at: number; bytes: Buffer }[];
  bytes(): Buffer;
  ended: boolean;
  stop(): void;
}

/** Opens `/audio` and records every chunk with its arrival time (performance.now()). */
export function listen(url: string): Promise<Capture> {
  return new Promise((resolve, reject) => {
    const req = request(url, (res) => {
      const capture: Capture = {
        res,
        chunks: [],
        ended: false,
        bytes: () => Buffer.concat(capture.chunks.map((c) => c.bytes)),
        stop: () => req.destroy(),
      };
      res.on('data', (bytes: Buffer) => capture.chunks.push({ at: performance.now(), bytes }));
      res.on('end', () => (capture.ended = true));
      res.on('error', () => {});
      resolve(capture);
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('no answer from /audio')));
    req.end();
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Whether the listener's response ends within `ms` (polled every 50 ms). */
export async function endsWithin(capture: Capture, ms: number): Promise<boolean> {
  for (const deadline = Date.now() + ms; !capture.ended && Date.now() < deadline; ) await sleep(50);
  return capture.ended;
}

/** The longest prefix made of whole ADTS frames (a capture stops mid-frame). */
export function wholeFrames(b: Buffer): Buffer {
  let at = 0;
  for (;;) {
    const h = readAdtsHeader(b, at);
    if (!h || at + h.frameLength > b.length) return b.subarray(0, at);
    at += h.frameLength;
  }
}

/** ffprobe's codec and profile of an AAC file. */
export function probe(path: string): { codec: string; profile: string; sampleRate: number } {
  const out = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name,profile,sample_rate', '-of', 'json', path], { encoding: 'utf8' });
  const s = (JSON.parse(out) as { streams: Record<string, string>[] }).streams[0]!;
  return { codec: s['codec_name']!, profile: s['profile']!, sampleRate: Number(s['sample_rate']) };
}

/** Decodes ADTS bytes with ffmpeg: mono 16-bit PCM at 48 kHz, and whatever ffmpeg complained about. */
export function decode(adts: Buffer): { pcm: Int16Array; errors: string } {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-f', 'aac', '-i', 'pipe:0', '-ac', '1', '-ar', '48000', '-f', 's16le', 'pipe:1'], { input: adts, maxBuffer: 64 << 20 });
  const out = r.stdout;
  return { pcm: new Int16Array(out.buffer, out.byteOffset, Math.floor(out.length / 2)), errors: r.stderr.toString().trim() };
}

/** Power of one frequency in a signal (Goertzel), normalised by length. */
export function tonePower(pcm: Int16Array, hz: number, rate = 48000): number {
  const k = 2 * Math.cos((2 * Math.PI * hz) / rate);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < pcm.length; i++) {
    const s0 = pcm[i]! / 32768 + k * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return (s1 * s1 + s2 * s2 - k * s1 * s2) / Math.max(1, pcm.length);
}

/**
 * A 256×128 clip of `seconds` with pink noise for sound: its encode runs as long as a test (a
 * short one finishes its pass early, the pipe holding seconds of sound ahead of the picture).
 */
export function makeNoisyClip(path: string, seconds: number): string {
  execFileSync('ffmpeg', noisyClipArgs(path, seconds));
  return path;
}

/** makeNoisyClip's clip, made while the caller goes on. */
export function makeNoisyClipAsync(path: string, seconds: number): Promise<string> {
  return ffmpegAsync(noisyClipArgs(path, seconds)).then(() => path);
}

function noisyClipArgs(path: string, seconds: number): string[] {
  return ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=256x128:rate=30:duration=${seconds}`, '-f', 'lavfi', '-i', `anoisesrc=d=${seconds}:c=pink:r=48000:a=0.3`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '128k', '-shortest', path];
}

/** The pids of the sound encoders (ffmpeg writing ADTS) a server process runs now; none: empty. */
export function audioEncoders(serverPid: number): string[] {
  const found = spawnSync('pgrep', ['-P', String(serverPid), '-f', 'adts'], { encoding: 'utf8' });
  return found.stdout.trim().split('\n').filter(Boolean);
}

/** The picture's restarts after a failure, from /healthz: its ffmpegRestarts counts the sound's too. */
export function pictureRestarts(health: Record<string, unknown>): number {
  return (health['ffmpegRestarts'] as number) - (health['audio'] as { restarts: number }).restarts;
}
