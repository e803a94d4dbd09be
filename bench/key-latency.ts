/**
 * Key press → changed cells on the terminal client's screen, through a real pty (issue: speed):
 * `ascii360 play` on a still 4K photo runs under `script` (a pty of its own); the bench types
 * Right and times the first burst of cell output after it (a still photo sends frames only when
 * the view changes, so the burst is the new picture, not the next frame of a video). Aim: p95 ≤ 35 ms.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt } from './stats.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const PRESSES = 30;
/** Output after a key press larger than this is the new picture (the status line alone is under 100 B). */
const PICTURE_BYTES = 1000;

export async function benchKeyLatency(dir: string): Promise<string[]> {
  const head = 'key press -> changed cells on the screen, through a pty (script), ascii360 play on a 3840x1920 photo, 160x45, half blocks:';
  if (spawnSync('sh', ['-c', 'command -v script']).status !== 0) return [head, '  `script` (util-linux) is not installed: skipped'];
  const photo = join(dir, 'bench-4k.png');
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=3840x1920', '-frames:v', '1', photo]);
  const command = `stty cols 160 rows 46; COLORTERM=truecolor TERM=xterm-256color '${process.execPath}' '${CLI}' play '${photo}' --style half --log-level silent`;
  const child = spawn('script', ['-q', '-f', '-c', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'ignore'] });
  let waiting: { since: number; bytes: number; done: (ms: number) => void } | null = null;
  let total = 0;
  child.stdout!.on('data', (d: Buffer) => {
    total += d.length;
    if (!waiting) return;
    waiting.bytes += d.length;
    if (waiting.bytes > PICTURE_BYTES) {
      const w = waiting;
      waiting = null;
      w.done(performance.now() - w.since);
    }
  });
  const ms: number[] = [];
  try {
    // Up and showing the photo.
    const deadline = Date.now() + 20_000;
    while (total < 10_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 1500));
    for (let k = 0; k < PRESSES; k++) {
      await new Promise((r) => setTimeout(r, 250));
      ms.push(await new Promise<number>((resolve) => {
        waiting = { since: performance.now(), bytes: 0, done: resolve };
        child.stdin!.write(k % 2 === 0 ? '\x1b[C' : '\x1b[D'); // Right, Left
        setTimeout(() => {
          if (waiting) {
            waiting = null;
            resolve(1000);
          }
        }, 1000);
      }));
    }
    child.stdin!.write('q');
  } finally {
    setTimeout(() => child.kill('SIGKILL'), 2000).unref();
  }
  ms.sort((a, b) => a - b);
  const p = (q: number): number => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))]!;
  return [head, `  p50 ${fmt(p(0.5), 1)} ms  p95 ${fmt(p(0.95), 1)} ms  max ${fmt(ms.at(-1)!, 1)} ms over ${ms.length} presses   vs the 33.3 ms a 30 fps video frame takes   (aim p95 <= 35 ms)`];
}
