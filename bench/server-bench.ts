/**
 * Server benchmarks (issue: server):
 * 1. Pipeline frames per second on a generated 4K (3840×1920) H.264 clip decoded unpaced, against
 *    ffmpeg decoding and scaling the same clip alone, alternating runs; the ratio is the figure.
 * 2. CPU milliseconds per viewer per frame for a 160×48 grid with 1, 8 and 32 viewers of different
 *    views, against rebuilding the sampling table every frame (what an implementation without the
 *    table cache does), side by side in the same process.
 */
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startServer } from '../src/app/app.js';
import { chooseWorkWidth } from '../src/app/working-size.js';
import { silentLogger } from '../src/shared/logger.js';
import type { ViewSpec } from '../src/shared/types.js';
import { buildDecodeArgs } from '../src/source/ffmpeg-source.js';
import { findFfmpeg, protocolsFor } from '../src/source/ffmpeg-tools.js';
import { renderDemoBackground } from '../src/source/demo-scene.js';
import { EquirectToFlat } from '../src/projection/equirect-to-flat.js';
import type { RenderTask } from '../src/workers/messages.js';
import { renderTasks } from '../src/workers/render-tasks.js';
import { viewKey, ViewRendererCache } from '../src/workers/view-renderer.js';
import { fmt, median } from './stats.js';

const CLIP_SECONDS = 8;
const CLIP_FPS = 30;
const ROUNDS = 5;

export function make4kClip(dir: string): string {
  const path = join(dir, 'bench-4k.mp4');
  execFileSync('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=3840x1920:rate=${CLIP_FPS}:duration=${CLIP_SECONDS}`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', path,
  ]);
  return path;
}

function spec(yaw: number, pitch: number): ViewSpec {
  return { yaw, pitch, roll: 0, fov: 90, cols: 160, rows: 48, aspect: 0.5, mode: 5, style: 'ramp', palette: 'rgb', codec: 'raw' };
}

/** ffmpeg alone: decode + scale to the pipeline's working size + RGB, output discarded. */
async function baselineFps(clip: string, width: number): Promise<number> {
  const tools = await findFfmpeg();
  const args = buildDecodeArgs({ input: clip, width, height: width / 2, fps: CLIP_FPS, hwaccel: 'none', fpsModeFlag: tools.fpsModeFlag, realtime: false, loop: false, position: 0, protocols: protocolsFor(clip) });
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    const p = spawn(tools.ffmpeg, args, { stdio: ['ignore', 'ignore', 'ignore'] });
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg exited ${code}`))));
  });
  return (CLIP_SECONDS * CLIP_FPS) / ((performance.now() - t0) / 1000);
}

/** The whole server, unpaced: decode → queue → workers → WebSocket to one viewer, until end of stream. */
async function pipelineFps(clip: string): Promise<{ fps: number; delivered: number }> {
  const server = await startServer({ source: clip, host: '127.0.0.1', port: 0, fps: CLIP_FPS, mode: 5, hwaccel: 'none', loop: false, log: silentLogger, realtime: false });
  const t0 = performance.now();
  let received = 0;
  await new Promise<void>((resolve) => {
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws?cols=160&rows=48`);
    ws.on('message', (_d, binary) => {
      if (binary) received++;
    });
    ws.on('close', () => resolve());
  });
  const seconds = (performance.now() - t0) / 1000;
  const decoded = server.health().frames.decoded;
  await server.close();
  return { fps: decoded / seconds, delivered: received / seconds };
}

export async function benchPipeline(dir: string): Promise<string[]> {
  const clip = make4kClip(dir);
  const width = chooseWorkWidth([spec(0, 0)], 3840);
  const base: number[] = [];
  const pipe: number[] = [];
  const delivered: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    base.push(await baselineFps(clip, width));
    const p = await pipelineFps(clip);
    pipe.push(p.fps);
    delivered.push(p.delivered);
  }
  const ratio = median(pipe) / median(base);
  // Each round's pair ran back to back under the same load: the median of their ratios is steadier.
  const paired = median(pipe.map((p, i) => p / base[i]!));
  return [
    `4K pipeline (3840x1920 H.264, ${CLIP_SECONDS * CLIP_FPS} frames, unpaced, working size ${width}x${width / 2}, 1 viewer 160x48, ${ROUNDS} alternating rounds):`,
    `  ffmpeg decode+scale alone   median ${fmt(median(base), 1)} fps   (runs: ${base.map((v) => fmt(v, 1)).join(', ')})`,
    `  ascii360 pipeline           median ${fmt(median(pipe), 1)} fps decoded, ${fmt(median(delivered), 1)} fps delivered   (runs: ${pipe.map((v) => fmt(v, 1)).join(', ')})`,
    `  ratio pipeline/ffmpeg       ${fmt(ratio, 3)} of medians, ${fmt(paired, 3)} median of paired rounds   (aim >= 0.9)`,
  ];
}

/** CPU time of `frames` renders of `views` on the main thread; returns ms per viewer per frame. */
function cpuPerViewerFrame(frame: Uint8Array, w: number, h: number, views: ViewSpec[], frames: number, rebuildTables: boolean): number {
  const projection = new EquirectToFlat();
  let cache = new ViewRendererCache();
  const tasks: RenderTask[] = views.map((s) => ({ key: viewKey(s), spec: s, buffer: null }));
  // Warm-up: JIT and (for the cached variant) the tables.
  renderTasks(cache, frame, w, h, 0, tasks);
  const before = process.cpuUsage();
  for (let f = 0; f < frames; f++) {
    if (rebuildTables) {
      // Without a table cache every frame recomputes every sample's direction.
      cache = new ViewRendererCache();
      for (const s of views) projection.buildTable(s, { cols: s.cols, rows: s.rows, aspect: s.aspect }, w, h);
    }
    const outputs = renderTasks(cache, frame, w, h, f, tasks);
    for (let i = 0; i < outputs.length; i++) tasks[i]!.buffer = outputs[i]!.buffer;
  }
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / frames / views.length;
}

export async function benchViewers(): Promise<string[]> {
  // The working size the server picks for these viewers on a 4K source.
  const w = chooseWorkWidth([spec(0, 0)], 3840);
  const h = w / 2;
  const frame = renderDemoBackground(w, h);
  const lines = [`CPU per viewer per frame, 160x48 grid, ${w}x${h} source, distinct views (median of ${ROUNDS} rounds, main thread):`];
  for (const n of [1, 8, 32]) {
    const views = Array.from({ length: n }, (_, i) => spec(((i * 360) / n) - 180, ((i % 5) - 2) * 15));
    const frames = Math.max(20, Math.round(600 / n));
    const cached: number[] = [];
    const rebuilt: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      cached.push(cpuPerViewerFrame(frame, w, h, views, frames, false));
      rebuilt.push(cpuPerViewerFrame(frame, w, h, views, Math.max(5, frames >> 3), true));
    }
    lines.push(
      `  ${String(n).padStart(2)} viewers: ${fmt(median(cached), 3)} ms (aim <= 0.5)   vs table rebuilt per frame ${fmt(median(rebuilt), 3)} ms   ratio ${fmt(median(cached) / median(rebuilt), 3)}`,
    );
  }
  return lines;
}
