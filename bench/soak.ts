/**
 * `npm run soak -- --minutes N --viewers V [--styles a,b] [--codec c]`: N minutes with V viewers
 * moving their views at random (viewer i in the i-th style of the list, round; absent: no style,
 * plain ASCILINE frames) and 2 audio listeners, on a generated looping clip with sound, against the real CLI in its own
 * process. Prints frames received and dropped per viewer, p50/p95 frame interval, the server's RSS
 * and heap at start and end, and ffmpeg restarts. Exits non-zero when a viewer got stuck.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import WebSocket from 'ws';
import { fmt, median, percentile } from './stats.js';

/** Load before the memory baseline is taken. */
const WARM_UP_MS = 60_000;
const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

interface Soaker {
  frames: number;
  intervals: number[];
  last: number;
  closed: number | null;
  ws: WebSocket;
}

async function health(url: string): Promise<Record<string, any>> {
  const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5000) });
  return (await res.json()) as Record<string, any>;
}

async function main(): Promise<void> {
  const opts = new Command()
    .option('--minutes <n>', 'how long', (v) => Number(v), 10)
    .option('--viewers <n>', 'how many viewers', (v) => Number(v), 32)
    .option('--styles <list>', 'cell styles the viewers ask for, in turn (e.g. mosaic,ramp,sextant)', (v) => v.split(',').filter(Boolean))
    .option('--codec <name>', 'the coded frames the viewers ask for (tagged, adaptive)')
    .parse(process.argv)
    .opts<{ minutes: number; viewers: number; styles?: string[]; codec?: string }>();
  const dir = mkdtempSync(join(tmpdir(), 'ascii360-soak-'));
  const clip = join(dir, 'soak.mp4');
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=1024x512:rate=30:duration=20',
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=20', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', clip]);
  const server = spawn(process.execPath, [CLI, 'serve', clip, '--loop', '--port', '0', '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    server.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = / on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    server.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  console.log(`soak: ${opts.minutes} min, ${opts.viewers} viewers (${opts.styles?.join(', ') ?? 'no style asked'}${opts.codec ? `, codec ${opts.codec}` : ''}) + 2 audio listeners on ${url}`);
  const start = await health(url);
  const soakers: Soaker[] = [];
  for (let i = 0; i < opts.viewers; i++) {
    const style = opts.styles ? `&style=${opts.styles[i % opts.styles.length]}` : '';
    const codec = opts.codec ? `&codec=${opts.codec}` : '';
    const ws = new WebSocket(`${url.replace('http', 'ws')}/ws?cols=${60 + (i % 5) * 20}&rows=${20 + (i % 3) * 8}&yaw=${(i * 360) / opts.viewers - 180}${style}${codec}`);
    const s: Soaker = { frames: 0, intervals: [], last: 0, closed: null, ws };
    ws.on('message', (_d, binary) => {
      if (!binary) return;
      const now = performance.now();
      if (s.last) s.intervals.push(now - s.last);
      s.last = now;
      s.frames++;
    });
    ws.on('close', (code) => (s.closed = code));
    ws.on('error', () => {});
    soakers.push(s);
  }
  let audioBytes = [0, 0];
  const listeners = [0, 1].map((k) => {
    const req = request(`${url}/audio`, (res) => res.on('data', (b: Buffer) => (audioBytes[k]! += b.length)));
    req.on('error', () => {});
    req.end();
    return req;
  });
  // Random look-arounds: every viewer moves every ~200 ms.
  const mover = setInterval(() => {
    for (const s of soakers) {
      if (s.ws.readyState !== WebSocket.OPEN || Math.random() < 0.5) continue;
      s.ws.send(JSON.stringify({ type: 'view', yaw: Math.random() * 360 - 180, pitch: Math.random() * 120 - 60, fov: 40 + Math.random() * 70 }));
    }
  }, 200);
  const endAt = Date.now() + opts.minutes * 60_000;
  // Memory is compared from the end of a warm-up with everyone connected (JIT, caches, buffers
  // reach their working size), not from the idle server before the load.
  await new Promise((r) => setTimeout(r, WARM_UP_MS));
  const warm = await health(url);
  while (Date.now() < endAt) {
    await new Promise((r) => setTimeout(r, Math.min(30_000, endAt - Date.now())));
    const h = await health(url);
    console.log(`  ${new Date().toISOString().slice(11, 19)} rss ${fmt(h['memory'].rss / 2 ** 20, 0)} MiB heap ${fmt(h['memory'].heapUsed / 2 ** 20, 0)} MiB external ${fmt(h['memory'].external / 2 ** 20, 0)} MiB frame memory ${fmt(h['memory'].frames / 2 ** 20, 0)} MiB, tables ${h['tables'].count} (${fmt(h['tables'].bytes / 2 ** 20, 1)} MiB), frames sent ${h['frames'].sent}, viewer drops ${h['frames'].viewerDropped}, restarts ${h['ffmpegRestarts']}, A/V ${h['audio'].offsetMs} ms`);
  }
  clearInterval(mover);
  const end = await health(url);
  const expected = opts.minutes * 60 * 30;
  console.log('\nper viewer: frames received (of ~' + expected + '), p50 / p95 frame interval');
  let stuck = 0;
  for (const [i, s] of soakers.entries()) {
    const ok = s.closed === null && performance.now() - s.last < 2000;
    if (!ok) stuck++;
    console.log(`  viewer ${String(i).padStart(2)}: ${s.frames} frames (${fmt((s.frames / expected) * 100, 1)}%), ${fmt(median(s.intervals), 1)} / ${fmt(percentile(s.intervals, 95), 1)} ms${ok ? '' : '  STUCK'}`);
  }
  const all = soakers.flatMap((s) => s.intervals);
  console.log(`\nall viewers: p50 ${fmt(median(all), 1)} ms, p95 ${fmt(percentile(all, 95), 1)} ms; stuck viewers ${stuck}`);
  console.log(`server frames: decoded ${end['frames'].decoded}, sent ${end['frames'].sent}, dropped in queue ${end['frames'].dropped}, dropped for slow viewers ${end['frames'].viewerDropped}`);
  console.log(`audio listeners received ${audioBytes.map((b) => fmt(b / 1024, 0) + ' KiB').join(', ')}; A/V offset ${end['audio'].offsetMs} ms (max of last 100: ${end['audio'].maxOffsetMs} ms)`);
  const rssGrowth = (end['memory'].rss - warm['memory'].rss) / warm['memory'].rss;
  const mib = (b: number): string => fmt(b / 2 ** 20, 1);
  console.log(`rss idle ${mib(start['memory'].rss)} MiB, after ${WARM_UP_MS / 1000} s of load ${mib(warm['memory'].rss)} MiB, end ${mib(end['memory'].rss)} MiB: growth under load ${fmt(rssGrowth * 100, 1)}%`);
  console.log(`heap idle ${mib(start['memory'].heapUsed)} MiB, after warm-up ${mib(warm['memory'].heapUsed)} MiB, end ${mib(end['memory'].heapUsed)} MiB; ffmpeg restarts ${end['ffmpegRestarts']}`);
  console.log(`frame memory after warm-up ${mib(warm['memory'].frames)} MiB, end ${mib(end['memory'].frames)} MiB; sampling tables after warm-up ${warm['tables'].count} (${mib(warm['tables'].bytes)} MiB), end ${end['tables'].count} (${mib(end['tables'].bytes)} MiB)`);
  for (const s of soakers) s.ws.terminate();
  for (const l of listeners) l.destroy();
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
  process.exit(stuck > 0 ? 1 : 0);
}

main().catch((error: unknown) => {
  console.error(`soak failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
