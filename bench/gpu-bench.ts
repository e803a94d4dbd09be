/**
 * NVDEC end to end (issue: speed), side by side in one run on the 4K clip, where an NVIDIA driver
 * is loaded and ffmpeg has CUDA (otherwise skipped, saying why). Cores of whole process trees:
 * - decoding alone: software against NVDEC (frames brought back to memory, as a program gets them);
 * - our decode for a 160×48 view at its working size (1280 wide for half blocks, the source's width
 *   for mosaic): software, NVDEC with the CPU shrink (each frame downloaded whole), NVDEC with the
 *   GPU shrink (scale_cuda, what `--hwaccel cuda` and `auto` use);
 * - `serve` with one viewer, software against `--hwaccel cuda`, and what /healthz says `auto` chose;
 * - `play` in a tmux pane at 160×45, software against `--hwaccel cuda`;
 * - the GPU shrink's anti-aliasing: a view of a detailed frame against the area-averaged view, as
 *   test/decode-quality.test.ts holds the CPU path (aim ≥ 35 dB), software's beside it.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { StyleName } from '../protocol/index.js';
import { chooseWorkWidth } from '../src/app/working-size.js';
import type { ViewSpec } from '../src/shared/types.js';
import { buildDecodeArgs } from '../src/source/ffmpeg-source.js';
import { findFfmpeg, protocolsFor, type FfmpegTools, type Hwaccel, type Resizer } from '../src/source/ffmpeg-tools.js';
import { CLI, serveCli } from './cli-server.js';
import { cores, has, inTmux } from './cpu-bench.js';
import { areaReferenceArgs, DETAIL_VIEW, detailFrameArgs, psnr, viewOfFrame } from './decode-view.js';
import { CLIP_FPS, CLIP_SIZE, clipIn } from './server-bench.js';
import { fmt } from './stats.js';

const WARMUP_MS = 3000;
const WINDOW_MS = 6000;

/** The detail view (bench/decode-view.ts) in `style`. */
function view(style: StyleName): ViewSpec {
  return { ...DETAIL_VIEW, style };
}

/**
 * Cores of `ffmpeg args` at its own pace, output discarded. Each run is gone before the next starts:
 * one GPU context still tearing down while the next decodes can make the newcomer wait on the GPU,
 * and the driver's wait may spin.
 */
async function ffmpegCores(tools: FfmpegTools, args: string[]): Promise<number> {
  const child = spawn(tools.ffmpeg, args, { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    return await cores(child.pid!, WARMUP_MS, WINDOW_MS);
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
}

/** The decode a server runs; `pixels`: the clip's 4:2:0 as the server keeps it (frame-pixels.ts), or RGB24 for the picture check. */
function decodeArgs(tools: FfmpegTools, input: string, size: { width: number; height: number }, width: number, hwaccel: Hwaccel, resizer: Resizer, live: boolean, pixels: 'yuv420p' | 'rgb24' = 'yuv420p'): string[] {
  return buildDecodeArgs({
    input, width, height: width / 2, fps: CLIP_FPS, hwaccel, fpsModeFlag: tools.fpsModeFlag, resizer,
    realtime: live, loop: live, position: 0, protocols: protocolsFor(input), decoded: size, crop: null, pixels,
  });
}

/** `serve` with one viewer in `style`: its cores, the frames a second the viewer got, and /healthz's decoder. */
async function serveOne(clip: string, hwaccel: Hwaccel, style: StyleName): Promise<{ cores: number; fps: number; decoder: string }> {
  const server = await serveCli([clip, '--loop', '--hwaccel', hwaccel, '--log-level', 'silent']);
  const viewer = new WebSocket(`${server.url.replace('http', 'ws')}/ws?cols=160&rows=48&style=${style}&yaw=20&pitch=10`);
  let frames = 0;
  viewer.on('message', (_d, binary) => {
    if (binary) frames++;
  });
  try {
    const used = cores(server.proc.pid!, WARMUP_MS, WINDOW_MS);
    await new Promise((r) => setTimeout(r, WARMUP_MS));
    const counted = frames;
    const c = await used;
    const fps = (frames - counted) / (WINDOW_MS / 1000);
    const health = (await (await fetch(`${server.url}/healthz`)).json()) as { decoder: { hwaccel: string; resizer: string; pixels: string } };
    return { cores: c, fps, decoder: `${health.decoder.hwaccel}/${health.decoder.resizer} (${health.decoder.pixels})` };
  } finally {
    viewer.terminate();
    const gone = new Promise((resolve) => server.proc.once('exit', resolve));
    server.stop();
    await gone;
    // Its ffmpeg, orphaned, stops at its next write to the closed socket: a frame interval.
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** The detail frame of bench/decode-view.ts at width×height, 4:2:0 for NVDEC (made once per bench dir). */
function detailClip(dir: string, width: number, height: number): string {
  const path = join(dir, `detail-${width}.mp4`);
  if (!existsSync(path)) execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', ...detailFrameArgs(width, height, 'yuv420p', 1, path)]);
  return path;
}

/** PSNR of the detail view made from the frame our way (decoded with `hwaccel`/`resizer`) against v360's area-averaged view. */
function viewPsnr(tools: FfmpegTools, clip: string, size: { width: number; height: number }, hwaccel: Hwaccel, resizer: Resizer): number {
  const w = chooseWorkWidth([DETAIL_VIEW], size.width);
  const args = decodeArgs(tools, clip, size, w, hwaccel, resizer, false, 'rgb24');
  const run = spawnSync(tools.ffmpeg, [...args.slice(0, -1), '-frames:v', '1', 'pipe:1'], { maxBuffer: 256 << 20 });
  if (run.status !== 0) throw new Error(`ffmpeg failed: ${run.stderr.toString().trim().split('\n').pop()}`);
  const reference = execFileSync(tools.ffmpeg, ['-hide_banner', '-v', 'error', ...areaReferenceArgs(clip, DETAIL_VIEW)], { maxBuffer: 64 << 20 });
  return psnr(viewOfFrame(DETAIL_VIEW, new Uint8Array(run.stdout), w, w / 2), new Uint8Array(reference));
}

export async function benchGpu(dir: string): Promise<string[]> {
  const head = `GPU decoding (NVDEC, ffmpeg -hwaccel cuda), 4K clip (${CLIP_SIZE.width}x${CLIP_SIZE.height} H.264, ${CLIP_FPS} fps, looping), cores of whole process trees over ${WINDOW_MS / 1000} s after ${WARMUP_MS / 1000} s:`;
  if (!existsSync('/dev/nvidiactl')) return [head, '  no NVIDIA driver here (/dev/nvidiactl): skipped'];
  const tools = await findFfmpeg();
  if (!tools.hwaccels.includes('cuda')) return [head, `  this ffmpeg (${tools.version}) has no cuda hwaccel: skipped`];
  const lines = [head];
  const clip = clipIn(dir);
  const input = ['-re', '-stream_loop', '-1', '-i', clip, '-map', '0:v:0', '-f', 'null', '-'];
  const soft = await ffmpegCores(tools, ['-hide_banner', '-loglevel', 'error', ...input]);
  const nvdec = await ffmpegCores(tools, ['-hide_banner', '-loglevel', 'error', '-hwaccel', 'cuda', ...input]);
  lines.push(`  decoding alone                 software ${fmt(soft, 2)}   NVDEC ${fmt(nvdec, 2)}   ratio ${fmt(nvdec / soft, 2)}`);

  for (const style of ['half', 'mosaic'] as const) {
    const width = chooseWorkWidth([view(style)], CLIP_SIZE.width);
    const sw = await ffmpegCores(tools, decodeArgs(tools, clip, CLIP_SIZE, width, 'none', tools.resizer, true));
    const cpuShrink = await ffmpegCores(tools, decodeArgs(tools, clip, CLIP_SIZE, width, 'cuda', tools.resizer, true));
    const gpuShrink = tools.cudaResize ? await ffmpegCores(tools, decodeArgs(tools, clip, CLIP_SIZE, width, 'cuda', 'scale_cuda', true)) : NaN;
    lines.push(`  decode for a ${style} view (${width}x${width / 2})   software ${fmt(sw, 2)}   NVDEC + CPU shrink ${fmt(cpuShrink, 2)}   NVDEC + GPU shrink ${tools.cudaResize ? fmt(gpuShrink, 2) : 'n/a (no scale_cuda)'}   ratio ${fmt(gpuShrink / sw, 2)}`);
  }

  for (const style of ['half', 'mosaic'] as const) {
    const sw = await serveOne(clip, 'none', style);
    const hw = await serveOne(clip, 'cuda', style);
    lines.push(`  serve, 1 ${style} viewer          software ${fmt(sw.cores, 2)} (${fmt(sw.fps, 1)} fps)   --hwaccel cuda ${fmt(hw.cores, 2)} (${fmt(hw.fps, 1)} fps, decoder ${hw.decoder})   ratio ${fmt(hw.cores / sw.cores, 2)}   against software decoding alone ${fmt(hw.cores / soft, 2)} (aim <= 1.1)`);
  }
  for (const style of ['half', 'mosaic'] as const) {
    if (!has('tmux')) break;
    const play = (hwaccel: Hwaccel): Promise<number> =>
      inTmux('a360-gpu', 160, 46, `'${process.execPath}' '${CLI}' play '${clip}' --loop --hwaccel ${hwaccel} --style ${style} --log-level silent`, WARMUP_MS, WINDOW_MS);
    const sw = await play('none');
    const hw = await play('cuda');
    lines.push(`  play, ${style} at 160x45          software ${fmt(sw, 2)}   --hwaccel cuda ${fmt(hw, 2)}   ratio ${fmt(hw / sw, 2)}   against software decoding alone ${fmt(hw / soft, 2)}`);
  }
  const auto = await serveOne(clip, 'auto', 'half');
  lines.push(`  --hwaccel auto (the default)   decoder ${auto.decoder}, ${fmt(auto.fps, 1)} fps`);

  const quality: string[] = [];
  for (const size of [CLIP_SIZE, { width: 4096, height: 2048 }]) {
    const clipPath = detailClip(dir, size.width, size.height);
    const sw = viewPsnr(tools, clipPath, size, 'none', tools.resizer);
    const hw = tools.cudaResize ? fmt(viewPsnr(tools, clipPath, size, 'cuda', 'scale_cuda'), 2) : 'n/a';
    quality.push(`${size.width}→1280: GPU ${hw} dB, software ${fmt(sw, 2)}`);
  }
  // The 35 dB aim is held on a 4:4:4 frame (test/decode-quality.test.ts); NVDEC decodes H.264 in 4:2:0 only, whose chroma costs both paths alike.
  lines.push(`  anti-aliasing of a 160x48 view of a 4:2:0 frame against the area-averaged view   ${quality.join(';  ')}   (software is the reference here)`);
  return lines;
}
