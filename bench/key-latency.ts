/**
 * Key press → changed cells on the terminal client's screen, through a real pty (issue: speed):
 * `ascii360 play` on a still 4K photo, in the style kitty users get by default (mosaic), runs under `script` (a pty of its
 * own). Its bytes are replayed into @xterm/headless as they arrive; each press of Right asks for a
 * view the client has not seen yet (no cached table). The time taken runs from the press to the
 * arrival of the bytes after which at least half the cells the press changes in the end (once the
 * screen is quiet) differ from the screen before it. Counting bytes instead missed the default
 * style's small first updates (only the cells that changed are written) and timed a later frame.
 * Aim: p95 ≤ 35 ms.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import xterm from '@xterm/headless';
import { fmt } from './stats.js';

const { Terminal } = xterm;
const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const PRESSES = 30;
const COLS = 160;
const ROWS = 46;
/** Picture rows: all but the status line. */
const PICTURE_ROWS = ROWS - 1;
/** Share of the cells a press changes in the end that must have changed for it to count as shown. */
const SHOWN_SHARE = 0.5;
/** No bytes for this long: the screen has settled after a press. */
const QUIET_MS = 200;

export async function benchKeyLatency(dir: string): Promise<string[]> {
  const head = `key press -> changed cells on the screen, through a pty (script), ascii360 play on a 3840x1920 photo, ${COLS}x${PICTURE_ROWS}, mosaic (the default on kitty and the other terminals known to draw sextants), a new view each press:`;
  if (spawnSync('sh', ['-c', 'command -v script']).status !== 0) return [head, '  `script` (util-linux) is not installed: skipped'];
  const photo = join(dir, 'bench-4k.png');
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=3840x1920', '-frames:v', '1', photo]);
  const command = `stty cols ${COLS} rows ${ROWS}; COLORTERM=truecolor TERM=xterm-256color KITTY_WINDOW_ID=1 '${process.execPath}' '${CLI}' play '${photo}' --log-level silent`;
  const child = spawn('script', ['-q', '-f', '-c', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'ignore'] });
  const term = new Terminal({ cols: COLS, rows: ROWS, allowProposedApi: true, scrollback: 0 });
  const cells = COLS * PICTURE_ROWS;
  // Each cell as its code point, foreground and background: the screen before the press, and now.
  const before = new Int32Array(cells * 3);
  const now = new Int32Array(cells * 3);
  const cell = term.buffer.active.getNullCell();
  const read = (into: Int32Array): void => {
    const buf = term.buffer.active;
    for (let y = 0; y < PICTURE_ROWS; y++) {
      const line = buf.getLine(buf.viewportY + y);
      for (let x = 0; x < COLS; x++) {
        const c = line?.getCell(x, cell);
        const i = (y * COLS + x) * 3;
        into[i] = c ? (c.getChars().codePointAt(0) ?? 32) : 0;
        into[i + 1] = c ? c.getFgColor() : 0;
        into[i + 2] = c ? c.getBgColor() : 0;
      }
    }
  };
  /** After each replayed chunk of the bytes since the press: when it arrived, and how many picture cells then differ. */
  let seen: { at: number; changed: number }[] | null = null;
  let total = 0;
  let replaying = 0;
  let lastArrival = 0;
  child.stdout!.on('data', (d: Buffer) => {
    total += d.length;
    replaying++;
    const arrived = performance.now();
    lastArrival = arrived;
    term.write(d, () => {
      replaying--;
      if (!seen) return;
      read(now);
      let changed = 0;
      for (let i = 0; i < cells * 3; i += 3) if (now[i] !== before[i] || now[i + 1] !== before[i + 1] || now[i + 2] !== before[i + 2]) changed++;
      seen.push({ at: arrived, changed });
    });
  });
  const ms: number[] = [];
  const pause = (t: number): Promise<void> => new Promise((r) => setTimeout(r, t));
  const settle = async (): Promise<void> => {
    const until = performance.now() + 2000;
    while ((replaying > 0 || performance.now() - lastArrival < QUIET_MS) && performance.now() < until) await pause(10);
  };
  try {
    // Up and showing the photo, every refinement done.
    const deadline = Date.now() + 20_000;
    while (total < 10_000 && Date.now() < deadline) await pause(100);
    await pause(1500);
    for (let k = 0; k < PRESSES; k++) {
      await settle();
      read(before);
      const press = { since: performance.now(), seen: [] as { at: number; changed: number }[] };
      seen = press.seen;
      child.stdin!.write('\x1b[C'); // Right: every press a view not shown before
      await pause(QUIET_MS);
      await settle();
      seen = null;
      // Shown: the first bytes after which most of what this press changes has changed (a coarse
      // first frame counts; its refinement later changes the same cells again).
      const final = press.seen.at(-1)?.changed ?? 0;
      const shown = press.seen.find((s) => s.changed >= SHOWN_SHARE * final && final > 0);
      ms.push(shown ? shown.at - press.since : 1000);
    }
    child.stdin!.write('q');
  } finally {
    setTimeout(() => child.kill('SIGKILL'), 2000).unref();
    term.dispose();
  }
  ms.sort((a, b) => a - b);
  const p = (q: number): number => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))]!;
  return [head, `  p50 ${fmt(p(0.5), 1)} ms  p95 ${fmt(p(0.95), 1)} ms  max ${fmt(ms.at(-1)!, 1)} ms over ${ms.length} presses   vs the 33.3 ms a 30 fps video frame takes   (aim p95 <= 35 ms)`];
}
