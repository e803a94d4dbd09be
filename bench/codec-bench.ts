/**
 * The adaptive codec's bytes and costs (PROTOCOL-NOTES.md §3.2, §3.7), for bench/run.ts.
 *
 * Two clips made from the picture bench's test card (4096×2048, no media committed), H.264 at
 * 30 fps like a real file: a steady pan (the panorama scrolls 2 px a frame, 5.3° a second) and a
 * still scene. Each frame is decoded at the working size the server would choose, rendered by the
 * server's ViewRenderer at 160×48 and coded by its FrameEncoder, once per distinct view as the
 * workers do. Per view, side by side in the same run:
 * - raw: the uncoded frame (4 + cells·unit bytes);
 * - permessage-deflate: the raw frames through one deflate stream with a sync flush per message
 *   and context takeover, as `ws` does with permessage-deflate on (level 6, window 15);
 * - ascii360's codec at balanced (and ASCILINE's codec=adaptive for ramp cells, with its keyframe
 *   every 48 frames).
 * Bytes per cell are over the whole run (total bytes / frames / cells: what a link carries), with
 * the median frame beside it. Encode cost is the encoder's own time per frame per view (the render
 * before it is the server bench's), timed after ffmpeg has finished decoding. The browser's decode is timed in headless Chromium at 200×80
 * mosaic: the page's own FrameDecoder and DecompressionStream on the pan's coded frames.
 *
 * Run alone: `node dist/bench/codec-bench.js`.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { constants, createDeflateRaw, deflateRawSync } from 'node:zlib';
import { chromium, type Browser } from 'playwright-core';
import { QUALITIES, type Codec, type StyleName } from '../protocol/index.js';
import { chooseWorkWidth } from '../src/app/working-size.js';
import type { ViewSpec } from '../src/shared/types.js';
import { payloadCapacity, ViewRenderer } from '../src/workers/view-renderer.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH, servePage } from './browser-bench.js';
import { ffmpeg, makeScenes } from './picture/scenes.js';
import { fmt, median } from './stats.js';

const FPS = 30;
const SECONDS = 4;
/** The pan: 0.05 % of the width a frame, 2 px of 4096. */
const PAN_PER_FRAME = 0.0005;
const COLS = 160;
const ROWS = 48;

interface Case {
  label: string;
  style: StyleName;
  codec: Codec;
  quality: keyof typeof QUALITIES;
}

const CASES: Case[] = [
  { label: 'ramp, codec=adaptive (ASCILINE)', style: 'ramp', codec: 'adaptive', quality: 'balanced' },
  { label: 'ramp, codec=tagged', style: 'ramp', codec: 'tagged', quality: 'balanced' },
  { label: 'ramp, codec=tagged lossless', style: 'ramp', codec: 'tagged', quality: 'lossless' },
  { label: 'mosaic (default), codec=tagged', style: 'mosaic', codec: 'tagged', quality: 'balanced' },
  { label: 'mosaic, codec=tagged lossless', style: 'mosaic', codec: 'tagged', quality: 'lossless' },
];

function specOf(c: Case, cols = COLS, rows = ROWS): ViewSpec {
  return { yaw: 20, pitch: 5, roll: 0, fov: 90, cols, rows, aspect: 0.5, mode: 5, style: c.style, palette: 'rgb', codec: c.codec, quality: c.quality, camera: 'flat' };
}

/** Decodes `clip` at `width`×width/2 RGB24 and hands each frame to `each`, one at a time. */
function eachFrame(clip: string, width: number, each: (frame: Uint8Array, index: number) => void): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const height = width / 2;
    const size = width * height * 3;
    const child = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-i', clip, '-vf', `scale=${width}:${height}:flags=area`, '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const frame = new Uint8Array(size);
    let filled = 0;
    let index = 0;
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      let at = 0;
      while (at < chunk.length) {
        const n = Math.min(size - filled, chunk.length - at);
        frame.set(chunk.subarray(at, at + n), filled);
        filled += n;
        at += n;
        if (filled === size) {
          each(frame, index++);
          filled = 0;
        }
      }
    });
    child.on('close', (code) => (code === 0 ? resolvePromise() : reject(new Error(`ffmpeg decode failed: ${err.trim()}`))));
  });
}

/** permessage-deflate's bytes for each message: one raw deflate stream, a sync flush per message. */
class PerMessageDeflate {
  private readonly deflate = createDeflateRaw({ level: 6, windowBits: 15, memLevel: 8 });
  private readonly pending: Buffer[] = [];
  constructor() {
    this.deflate.on('data', (d: Buffer) => this.pending.push(d));
  }
  size(message: Uint8Array): Promise<number> {
    return new Promise((res) => {
      this.deflate.write(message);
      this.deflate.flush(constants.Z_SYNC_FLUSH, () => {
        // RFC 7692 drops the flush's trailing 00 00 FF FF.
        const n = this.pending.reduce((s, b) => s + b.length, 0) - 4;
        this.pending.length = 0;
        res(n);
      });
    });
  }
  close(): void {
    this.deflate.close();
  }
}

interface Measured {
  label: string;
  cells: number;
  raw: number[];
  pmd: number[];
  coded: number[];
  encodeMs: number[];
  /** zlib level 6 of each raw frame, ms: permessage-deflate's cost for the same frames. */
  pmdMs: number[];
  /** The coded frames themselves (kept for the browser's decode). */
  frames: Uint8Array[];
}

async function measureClip(clip: string, cases: Case[], keep: boolean, cols = COLS, rows = ROWS): Promise<Measured[]> {
  const width = chooseWorkWidth(cases.map((c) => specOf(c, cols, rows)), 4096);
  const views = cases.map((c) => {
    const coded = specOf(c, cols, rows);
    const raw = { ...coded, codec: 'raw' as const };
    return {
      c,
      renderer: new ViewRenderer(raw),
      rawOut: new Uint8Array(payloadCapacity(raw)),
      codedOut: new Uint8Array(payloadCapacity(coded)),
      // The server's own encoder for the coded view, in the shape the workers give it.
      encoder: new ViewRenderer(coded).codec!,
      pmd: new PerMessageDeflate(),
      m: { label: c.label, cells: cols * rows, raw: [], pmd: [], coded: [], encodeMs: [], pmdMs: [], frames: [] } as Measured,
    };
  });
  // Rendered first, while ffmpeg decodes; coded after it has finished, so the encoder's time is not
  // shared with a decoder on this 2-core machine (the server's workers do not share theirs either).
  const rendered: Uint8Array[][] = views.map(() => []);
  await eachFrame(clip, width, (frame, index) => {
    const source = { pixels: frame, width, height: width / 2 };
    views.forEach((v, i) => {
      const length = v.renderer.render(source, index, v.rawOut);
      rendered[i]!.push(v.rawOut.slice(0, length));
    });
  });
  // A worker codes frame after frame for as long as the server runs: its encoder's code is warm
  // (optimised for every shape it codes) long before a frame is measured. Throwaway encoders code
  // every view's frames once first, so no view's figure carries the compiler's first pass.
  for (let i = 0; i < views.length; i++) {
    const warm = new ViewRenderer(specOf(views[i]!.c, cols, rows)).codec!;
    for (let index = 0; index < rendered[i]!.length; index++) warm.encode(rendered[i]![index]!.subarray(4), index, 0, views[i]!.codedOut, null);
  }
  for (let i = 0; i < views.length; i++) {
    const v = views[i]!;
    // The encoder in a pass of its own, one frame after another as a worker codes them (the
    // permessage-deflate baseline's thread-pool work would share its cores and caches).
    for (let index = 0; index < rendered[i]!.length; index++) {
      const rawFrame = rendered[i]![index]!;
      const t0 = performance.now();
      const coded = v.encoder.encode(rawFrame.subarray(4), index, 0, v.codedOut, null);
      v.m.encodeMs.push(performance.now() - t0);
      v.m.coded.push(coded.length);
      if (keep) v.m.frames.push(v.codedOut.slice(0, coded.length));
    }
    for (const rawFrame of rendered[i]!) {
      v.m.raw.push(rawFrame.length);
      v.m.pmd.push(await v.pmd.size(rawFrame));
    }
    // The baseline's cost: permessage-deflate's compression of the same frames (level 6, as ws sets it up).
    for (const rawFrame of rendered[i]!) {
      const t0 = performance.now();
      deflateRawSync(rawFrame, { level: 6, windowBits: 15, memLevel: 8 });
      v.m.pmdMs.push(performance.now() - t0);
    }
    v.pmd.close();
  }
  return views.map((v) => v.m);
}

async function makeClips(dir: string): Promise<{ pan: string; still: string }> {
  const [scene] = await makeScenes(dir, ['testcard']);
  if (!scene) throw new Error('codec bench: no test card scene');
  const pan = join(dir, 'pan.mp4');
  const still = join(dir, 'still.mp4');
  const encode = ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20', '-pix_fmt', 'yuv420p', '-r', String(FPS), '-t', String(SECONDS)];
  await ffmpeg(['-loglevel', 'error', '-y', '-loop', '1', '-framerate', String(FPS), '-i', scene.path, '-vf', `scroll=horizontal=${PAN_PER_FRAME}`, ...encode, pan]);
  await ffmpeg(['-loglevel', 'error', '-y', '-loop', '1', '-framerate', String(FPS), '-i', scene.path, ...encode, still]);
  return { pan, still };
}

const PAGE = `<!doctype html><meta charset="utf-8"><title>ascii360 codec bench</title><link rel="icon" href="data:,">
<script type="module">
import { FrameDecoder } from '/app/protocol/index.js';
import { inflateFrame } from '/app/src/client/browser/inflate.js';
window.decodeRun = async (b64frames, units, unitBytes) => {
  const frames = b64frames.map((s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0)));
  // One at a time: each frame's wall time from arrival to its picture (inflate's hops included).
  const latency = [];
  // Together, as the client decodes a burst (one frame after another, in arrival order): the page's cost per frame.
  const cost = [];
  const inflate = [];
  for (let round = 0; round < 4; round++) {
    // Each frame handed back once the next replaces it, as the clients do (FrameDecoder.recycle).
    let decoder = new FrameDecoder(inflateFrame);
    let onScreen = null;
    for (const f of frames) {
      const t0 = performance.now();
      const shown = await decoder.decode(f[4], f.subarray(5), units, unitBytes);
      if (round > 0) latency.push(performance.now() - t0);
      if (onScreen) decoder.recycle(onScreen);
      onScreen = shown;
    }
    decoder = new FrameDecoder(inflateFrame);
    onScreen = null;
    const t0 = performance.now();
    await Promise.all(frames.map((f) => Promise.resolve(decoder.decode(f[4], f.subarray(5), units, unitBytes)).then((shown) => {
      if (onScreen) decoder.recycle(onScreen);
      onScreen = shown;
    })));
    if (round > 0) cost.push((performance.now() - t0) / frames.length);
    // The floor: DecompressionStream alone on the same bodies, as a burst.
    const t1 = performance.now();
    await Promise.all(frames.map((f) => (f[4] === 0 ? null : inflateFrame(f.subarray(5), units * (4 + unitBytes)))));
    if (round > 0) inflate.push((performance.now() - t1) / frames.length);
  }
  return { latency, cost, inflate };
};
window.benchReady = true;
</script>`;

/** ms per frame for the page's decoder on `frames`: one at a time (latency), and a burst's cost per frame. */
async function browserDecode(frames: Uint8Array[], units: number, unitBytes: number): Promise<{ latency: number[]; cost: number[]; inflate: number[] }> {
  const server = await servePage(PAGE);
  let browser: Browser | null = null;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS, timeout: 30_000 });
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, { timeout: 15_000 });
    await page.waitForFunction('window.benchReady === true', undefined, { timeout: 15_000 });
    const args = JSON.stringify([frames.map((f) => Buffer.from(f).toString('base64')), units, unitBytes]);
    const times = (await page.evaluate(`window.decodeRun(...${args})`)) as { latency: number[]; cost: number[]; inflate: number[] };
    if (errors.length > 0) throw new Error(`codec bench page: ${errors.join('; ')}`);
    return times;
  } finally {
    await browser?.close();
    await new Promise<void>((res) => server.close(() => res()));
  }
}

const perCell = (bytes: number[], cells: number): number => bytes.reduce((s, b) => s + b, 0) / bytes.length / cells;

export async function benchCodec(): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'ascii360-codec-'));
  try {
    const { pan, still } = await makeClips(dir);
    const lines = [
      `Adaptive codec, ${COLS}×${ROWS} cells, quality balanced unless named, test card at 4096×2048 H.264 ${FPS} fps, ${SECONDS} s each`,
      `  bytes per cell over the run (median frame's in brackets); encode = the encoder's ms per frame per distinct view, median,`,
      `  against permessage-deflate's compression of the same raw frames (zlib level 6, no context)`,
      `  ${'clip / view'.padEnd(42)}${'raw'.padEnd(16)}${'permessage-deflate'.padEnd(22)}${'coded'.padEnd(22)}${'coded / raw'.padEnd(14)}${'encode ms'.padEnd(12)}pmd ms`,
    ];
    const results: Record<string, Measured[]> = {};
    for (const [name, clip] of (process.env['PAN_ONLY'] ? [['pan', pan]] : [['pan', pan], ['still', still]]) as [string, string][]) {
      const measured = await measureClip(clip, CASES, false);
      results[name] = measured;
      for (const m of measured) {
        const cell = (b: number[]): string => `${fmt(perCell(b, m.cells), 3)} (${fmt(median(b) / m.cells, 3)})`;
        lines.push(`  ${`${name}: ${m.label}`.padEnd(42)}${cell(m.raw).padEnd(16)}${cell(m.pmd).padEnd(22)}${cell(m.coded).padEnd(22)}${fmt(perCell(m.coded, 1) / perCell(m.raw, 1), 4).padEnd(14)}${fmt(median(m.encodeMs), 3).padEnd(12)}${fmt(median(m.pmdMs), 3)}`);
      }
    }
    if (process.env['PAN_ONLY']) return lines;
    const find = (clip: string, label: string): Measured => results[clip]!.find((m) => m.label === label)!;
    const rampPan = perCell(find('pan', 'ramp, codec=tagged').coded, COLS * ROWS);
    const rampPanAsciline = perCell(find('pan', 'ramp, codec=adaptive (ASCILINE)').coded, COLS * ROWS);
    // A viewer pays one keyframe when it joins; a still scene's cost is what follows it.
    const stillTagged = perCell(find('still', 'ramp, codec=tagged').coded.slice(1), COLS * ROWS);
    const stillAsciline = perCell(find('still', 'ramp, codec=adaptive (ASCILINE)').coded.slice(1), COLS * ROWS);
    const stillFitted = perCell(find('still', 'mosaic (default), codec=tagged').coded.slice(1), COLS * ROWS);
    const joinKey = find('still', 'ramp, codec=tagged').coded[0]!;
    const fittedPan = perCell(find('pan', 'mosaic (default), codec=tagged').coded, COLS * ROWS);
    const encodeMedian = Math.max(...['ramp, codec=tagged', 'mosaic (default), codec=tagged'].map((l) => median(find('pan', l).encodeMs)));
    const verdict = (ok: boolean): string => (ok ? 'met' : 'NOT met');
    lines.push(`  aim: pan, ramp cells <= 1.0 B/cell: ${fmt(rampPan, 3)} with codec=tagged, our clients' default (${verdict(rampPan <= 1)}); ${fmt(rampPanAsciline, 3)} with ASCILINE's tags (codec=adaptive)`);
    lines.push(`  aim: still, ramp cells <= 0.01 B/cell after the join's keyframe (${joinKey} bytes): ${fmt(stillTagged, 4)} tagged (${verdict(stillTagged <= 0.01)}), mosaic ${fmt(stillFitted, 4)}; ${fmt(stillAsciline, 4)} with ASCILINE's keyframe every 48 frames`);
    lines.push(`  aim: pan, fitted cells (mosaic) <= 2.0 B/cell: ${fmt(fittedPan, 3)} (${verdict(fittedPan <= 2)})`);
    const pmdMedian = Math.max(...['ramp, codec=tagged', 'mosaic (default), codec=tagged'].map((l) => median(find('pan', l).pmdMs)));
    lines.push(`  aim: encode <= 0.3 ms per frame per distinct view: ${fmt(encodeMedian, 3)} ms, the slower of ramp and mosaic on the pan (${verdict(encodeMedian <= 0.3)}); permessage-deflate on the same frames ${fmt(pmdMedian, 3)} ms, ratio ${fmt(encodeMedian / pmdMedian, 2)}`);
    if (!existsSync(CHROMIUM_PATH)) {
      lines.push(`  browser decode: skipped, no Chromium at ${CHROMIUM_PATH}`);
    } else {
      const big = await measureClip(pan, [CASES[3]!], true, 200, 80);
      const frames = big[0]!.frames.slice(0, 60);
      const { latency, cost, inflate } = await browserDecode(frames, 200 * 80, 7);
      const m = median(cost);
      lines.push(`  aim: browser decode <= 1 ms per frame at 200×80 mosaic (pan, ${frames.length} frames, Chromium's DecompressionStream): ${fmt(m, 3)} ms a frame decoding a burst as the client does, median of 3 rounds (${verdict(m <= 1)}); one frame at a time, arrival to picture: median ${fmt(median(latency), 3)} ms; DecompressionStream alone on the same frames: ${fmt(median(inflate), 3)} ms a frame`);
    }
    return lines;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(resolve(process.argv[1] ?? '')).href) {
  benchCodec().then(
    (lines) => console.log(lines.join('\n')),
    (error: unknown) => {
      console.error(`codec bench failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
