/**
 * Audio benchmarks (issue: audio): the server's CPU per listener with 1, 10 and 100 listeners,
 * against the same server with none (the picture alone: the encode runs only while someone listens), the
 * encode itself, and the measured A/V offset. Listeners run in a separate process so their own reading
 * does not count as server time.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer } from '../src/app/app.js';
import { silentLogger } from '../src/shared/logger.js';
import { fmt, median } from './stats.js';

const WINDOW_MS = 4000;
const ROUNDS = 3;

function makeClip(dir: string): string {
  const path = join(dir, 'bench-audio.mp4');
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=256x128:rate=30:duration=120',
    '-f', 'lavfi', '-i', 'anoisesrc=d=120:c=pink:r=48000:a=0.3', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '128k', '-shortest', path]);
  return path;
}

/** CPU seconds used so far by a process, from /proc (Linux). */
function procCpu(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** A child process holding `n` listeners on /audio, reading everything. */
function listeners(url: string, n: number): { stop(): void; ready: Promise<void> } {
  const script = `
    const http = require('node:http'); let open = 0;
    for (let i = 0; i < ${n}; i++) http.get(${JSON.stringify(url)}, (res) => { open++; if (open === ${n}) process.send('ready'); res.on('data', () => {}); });
    process.on('message', () => process.exit(0));`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const ready = n === 0 ? Promise.resolve() : new Promise<void>((r) => child.once('message', () => r()));
  return { ready, stop: () => child.kill('SIGKILL') };
}

export async function benchAudio(dir: string): Promise<string[]> {
  const clip = makeClip(dir);
  // Long enough that its one encode runs all through the measurement (no loop restarts).
  const server = await startServer({ source: clip, host: '127.0.0.1', port: 0, fps: 30, mode: 5, hwaccel: 'none', loop: false, log: silentLogger });
  const audioUrl = `${server.url}/audio`;
  // One viewer keeps the picture (and so the pacing clock) running in every case.
  const viewer = listeners(audioUrl, 0);
  const { default: WebSocket } = await import('ws');
  const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws?cols=40&rows=12`);
  ws.on('message', () => {});
  await new Promise((r) => setTimeout(r, 1000));
  const perCount = new Map<number, { server: number[]; encoder: number[] }>();
  const offsets: number[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const n of [0, 1, 10, 100]) {
        const group = listeners(audioUrl, n);
        await group.ready;
        await new Promise((r) => setTimeout(r, 300));
        // Nobody listening: no encode runs (it starts with the first listener). The newest one: the
        // encode the group before stopped may still be exiting.
        const encoderPid = n > 0 && server.health().audio.available ? findEncoder() : undefined;
        const c0 = process.cpuUsage();
        const e0 = procCpu(encoderPid);
        await new Promise((r) => setTimeout(r, WINDOW_MS));
        const used = process.cpuUsage(c0);
        const e1 = procCpu(encoderPid);
        const health = server.health();
        offsets.push(Math.abs(health.audio.offsetMs));
        group.stop();
        const entry = perCount.get(n) ?? { server: [], encoder: [] };
        entry.server.push(((used.user + used.system) / 1000 / WINDOW_MS) * 1000); // ms CPU per second
        entry.encoder.push(((e1 - e0) * 1000 * 1000) / WINDOW_MS);
        perCount.set(n, entry);
        await new Promise((r) => setTimeout(r, 300));
      }
    }
  } finally {
    viewer.stop();
    ws.close();
    await server.close();
  }
  const base = median(perCount.get(0)!.server);
  // The one encode, as a single listener runs it: what each listener's share is compared with.
  const encoder = median(perCount.get(1)!.encoder);
  const lines = [
    `Audio server CPU (pink-noise AAC 128 kbit/s, 1 viewer 40x12 running; ms of CPU per second, median of ${ROUNDS} rounds of ${WINDOW_MS / 1000} s):`,
    `   0 listeners (baseline): server ${fmt(base, 1)} ms/s, and no encode (it runs only while someone listens)`,
  ];
  for (const n of [1, 10, 100]) {
    const s = median(perCount.get(n)!.server);
    lines.push(`  ${String(n).padStart(3)} listeners: server ${fmt(s, 1)} ms/s = ${fmt((s - base) / n, 3)} ms/s per listener (${fmt(((s - base) / n / encoder) * 100, 2)}% of the one encode each); the encode ${fmt(median(perCount.get(n)!.encoder), 1)} ms/s`);
  }
  lines.push(`A/V offset at the server (|audio - picture| of the last released frame): median ${fmt(median(offsets), 1)} ms, max ${fmt(Math.max(...offsets), 1)} ms (aim <= 40 ms)`);
  return lines;

  function findEncoder(): number | undefined {
    try {
      return Number(execFileSync('pgrep', ['-n', '-P', String(process.pid), '-f', 'adts'], { encoding: 'utf8' }).trim()) || undefined;
    } catch {
      return undefined;
    }
  }
}
