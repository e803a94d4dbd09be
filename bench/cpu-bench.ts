/**
 * CPU of whole process trees (issue: speed), side by side in one run on the 4K clip at 160×45:
 * - `ascii360 play` (Node and every child) against `mpv --vo=tct` with `v360` at the same grid,
 *   each in its own tmux pane (a real terminal); aim: ascii360 ≤ 0.8× mpv. Half blocks, what tct
 *   draws, so the two make the same picture.
 * - `ascii360 serve` with one 160×48 viewer against ffmpeg decoding the clip alone at the same pace;
 *   aim ≤ 1.1×.
 * - `serve` with one mosaic viewer and `play` in mosaic (the whole 3840-wide frame), with frames in
 *   the clip's 4:2:0 against RGB24 frames (ASCII360_FRAME_PIXELS=rgb24; shared/frame-pixels.ts).
 * - The floor under both aims: the ffmpeg command `play` and `serve` ran, run again alone with its
 *   output thrown away. What it costs over decoding alone is the anti-aliased shrink the issue asks
 *   to keep; what is left under an aim after it is all Node may use.
 * CPU is read from /proc: user + system time of the root and all its descendants over a window
 * after a warm-up. When mpv is not installed the bench says so and prints ascii360's figure alone.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { CLI, serveCli } from './cli-server.js';
import { clipIn } from './server-bench.js';
import { fmt } from './stats.js';

const WARMUP_MS = 4000;
const WINDOW_MS = 10_000;
const TICKS = 100; // USER_HZ on Linux

function children(): Map<number, number[]> {
  const byParent = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = byParent.get(ppid) ?? [];
      list.push(Number(name));
      byParent.set(ppid, list);
    } catch {
      // gone meanwhile
    }
  }
  return byParent;
}

/** `root` and every process under it. */
function tree(root: number): number[] {
  const byParent = children();
  const all: number[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    all.push(pid);
    stack.push(...(byParent.get(pid) ?? []));
  }
  return all;
}

/** CPU seconds used so far by `root` and its descendants. */
function treeCpu(root: number): number {
  let total = 0;
  for (const pid of tree(root)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(f[11]) + Number(f[12])) / TICKS; // utime, stime
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

/** Cores used by the tree under `root` over `windowMs`, after `warmupMs`. */
export async function cores(root: number, warmupMs = WARMUP_MS, windowMs = WINDOW_MS): Promise<number> {
  await new Promise((r) => setTimeout(r, warmupMs));
  const c0 = treeCpu(root);
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, windowMs));
  return (treeCpu(root) - c0) / ((performance.now() - t0) / 1000);
}

export function has(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
}

/** The arguments of the first ffmpeg among `root`'s descendants, or null when none runs. */
function ffmpegUnder(root: number): string[] | null {
  for (const pid of tree(root).slice(1)) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
      if (argv[0] !== undefined && /(^|\/)ffmpeg$/.test(argv[0])) return argv.slice(1);
    } catch {
      // gone meanwhile
    }
  }
  return null;
}

/** Runs `command` in a detached tmux session of cols×rows and measures its tree; `seen` gets the pane's pid before it ends. */
export async function inTmux(name: string, cols: number, rows: number, command: string, warmupMs = WARMUP_MS, windowMs = WINDOW_MS, seen?: (pane: number) => void): Promise<number> {
  spawnSync('tmux', ['kill-session', '-t', name]);
  execFileSync('tmux', ['new-session', '-d', '-s', name, '-x', String(cols), '-y', String(rows), '-e', 'TERM=xterm-256color', '-e', 'COLORTERM=truecolor', '-e', 'LANG=C.UTF-8', command]);
  try {
    const pane = Number(execFileSync('tmux', ['display-message', '-p', '-t', name, '#{pane_pid}'], { encoding: 'utf8' }).trim());
    const used = await cores(pane, warmupMs, windowMs);
    seen?.(pane);
    return used;
  } finally {
    spawnSync('tmux', ['kill-session', '-t', name]);
  }
}

/** Cores of ffmpeg run alone with `args` (its output thrown away). */
async function aloneCores(args: readonly string[]): Promise<number> {
  const child = spawn('ffmpeg', args, { stdio: 'ignore' });
  try {
    return await cores(child.pid!);
  } finally {
    child.kill('SIGKILL');
  }
}

export async function benchCpu(dir: string): Promise<string[]> {
  const clip = clipIn(dir);
  const lines = [`CPU, whole process trees, 4K clip (3840x1920 H.264, 30 fps, looping) at 160x45, cores over ${WINDOW_MS / 1000} s after ${WARMUP_MS / 1000} s:`];
  if (!has('tmux')) return [...lines, '  tmux is not installed: skipped'];
  let playFfmpeg: string[] | null = null;
  const ours = await inTmux('a360-cpu', 160, 46, `'${process.execPath}' '${CLI}' play '${clip}' --loop --hwaccel none --style half --log-level silent`, WARMUP_MS, WINDOW_MS, (pane) => {
    playFfmpeg = ffmpegUnder(pane);
  });
  let mpv: number | null = null;
  if (has('mpv')) {
    // v360 to the grid's pixels (tct draws two a cell), vertical FOV for square pixels at 160x90.
    const vf = 'v360=input=e:output=flat:h_fov=90:v_fov=58.72:w=160:h=90';
    mpv = await inTmux('a360-mpv', 160, 46, `mpv --really-quiet --no-audio --loop=inf --hwdec=no --vo=tct --vo-tct-width=160 --vo-tct-height=45 --vf=${vf} '${clip}'`);
    lines.push(`  play (half blocks)   ${fmt(ours, 2)} cores   mpv --vo=tct + v360 ${fmt(mpv, 2)} cores   ratio ${fmt(ours / mpv, 2)}   (aim <= 0.8)`);
  } else {
    lines.push(`  play (half blocks)   ${fmt(ours, 2)} cores   (mpv is not installed: no baseline; apt-get install mpv)`);
  }

  // serve with one viewer, against ffmpeg decoding the clip alone at its pace.
  const server = await serveCli([clip, '--loop', '--hwaccel', 'none', '--log-level', 'silent']);
  const url = server.url;
  const viewer = new WebSocket(`${url.replace('http', 'ws')}/ws?cols=160&rows=48&style=half`);
  viewer.on('message', () => {});
  let serve = 0;
  let serveFfmpeg: string[] | null = null;
  try {
    serve = await cores(server.proc.pid!);
    serveFfmpeg = ffmpegUnder(server.proc.pid!);
  } finally {
    viewer.terminate();
    server.proc.kill('SIGTERM');
  }
  const decode = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', clip, '-map', '0:v:0', '-f', 'null', '-'], { stdio: 'ignore' });
  let alone = 0;
  try {
    alone = await cores(decode.pid!);
  } finally {
    decode.kill('SIGKILL');
  }
  lines.push(`  serve, 1 viewer      ${fmt(serve, 2)} cores   ffmpeg decoding alone ${fmt(alone, 2)} cores   ratio ${fmt(serve / alone, 2)}   (aim <= 1.1)`);
  // The floor: the decode and the anti-aliased shrink the server asked of ffmpeg, with no Node at all.
  if (serveFfmpeg) {
    const floor = await aloneCores(serveFfmpeg);
    lines.push(`  floor of serve: its ffmpeg command alone, output discarded, ${fmt(floor, 2)} cores   ratio ${fmt(floor / alone, 2)} to decoding alone   left for Node under the aim ${fmt(1.1 * alone - floor, 3)} cores`);
  }
  if (playFfmpeg) {
    const floor = await aloneCores(playFfmpeg);
    const against = mpv === null ? 'no mpv to compare' : `ratio ${fmt(floor / mpv, 2)} to mpv   left for Node under the aim ${fmt(0.8 * mpv - floor, 3)} cores`;
    lines.push(`  floor of play: its ffmpeg command alone, output discarded, ${fmt(floor, 2)} cores   ${against}`);
  }
  // The default style keeps the whole 3840-wide frame: 4:2:0 frames against RGB24 ones, side by side.
  const mosaic = async (pixels: 'yuv420p' | 'rgb24'): Promise<number> => {
    const env = pixels === 'rgb24' ? { ...process.env, ASCII360_FRAME_PIXELS: 'rgb24' } : process.env;
    const s = await serveCli([clip, '--loop', '--hwaccel', 'none', '--log-level', 'silent'], env);
    const v = new WebSocket(`${s.url.replace('http', 'ws')}/ws?cols=160&rows=48&style=mosaic`);
    v.on('message', () => {});
    try {
      return await cores(s.proc.pid!);
    } finally {
      v.terminate();
      s.proc.kill('SIGTERM');
    }
  };
  const planes = await mosaic('yuv420p');
  const rgb = await mosaic('rgb24');
  lines.push(`  serve, 1 mosaic viewer (working 3840x1920)   4:2:0 frames ${fmt(planes, 2)} cores   RGB24 frames ${fmt(rgb, 2)} cores   ratio ${fmt(planes / rgb, 2)}`);
  // `play` as a kitty or WezTerm user starts it: mosaic, the whole 3840-wide frame.
  const play = (env: string): Promise<number> => inTmux('a360-cpu', 160, 46, `env ${env} '${process.execPath}' '${CLI}' play '${clip}' --loop --hwaccel none --style mosaic --log-level silent`);
  const playPlanes = await play('ASCII360_BENCH=1');
  const playRgb = await play('ASCII360_FRAME_PIXELS=rgb24');
  lines.push(`  play (mosaic)        4:2:0 frames ${fmt(playPlanes, 2)} cores   RGB24 frames ${fmt(playRgb, 2)} cores   ratio ${fmt(playPlanes / playRgb, 2)}`);
  // The frames not compared (source/frame-changes.ts): every cell sampled every frame.
  const playWhole = await play('ASCII360_TILE_CHANGES=0');
  lines.push(`  play (mosaic)        frames compared tile by tile ${fmt(playPlanes, 2)} cores   not compared, every cell sampled every frame ${fmt(playWhole, 2)} cores   ratio ${fmt(playPlanes / playWhole, 2)}`);
  return lines;
}
