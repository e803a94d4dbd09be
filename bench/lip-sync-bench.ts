/**
 * The price of lip sync in the browser: key press → the turn painted on the canvas, with the sound
 * off, with the page decoding the sound itself (WebCodecs + Web Audio, `audio=pcm`) and through
 * MediaSource (`audio=mse`), side by side in one run in headless Chromium on one server. With the
 * sound on, the page paints a frame when its sound is heard, so a turn waits for the feed's delay.
 *
 * The clip is a still picture with a tone: only a turn changes the cells, so "painted" is the first
 * animation frame whose cells differ from those before the key.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './browser-bench.js';
import { serveCli } from './cli-server.js';
import { has } from './cpu-bench.js';
import { fmt, median, percentile } from './stats.js';

/** What this bench reads of the page's probe (src/client/browser/page-probe.ts, a DOM build of its own). */
interface Probe {
  state(): { audio: string; av: { mode: string; feed: string } };
  frame(): { bytes: Uint8Array } | null;
}
/** The page's globals the watcher uses (this build has no DOM types). */
interface PageGlobals {
  ascii360?: Probe;
  addEventListener(type: string, listener: () => void, options: { capture: boolean; once: boolean }): void;
  requestAnimationFrame(callback: () => void): number;
}

const PRESSES = 16;
const SETTLE_MS = 3000;
const GAP_MS = 400;
const NOT_SHOWN_MS = 3000;

function stillClipWithTone(dir: string): string {
  const clip = join(dir, 'still-tone.mp4');
  execFileSync('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', 'testsrc2=size=2048x1024:rate=30,trim=end_frame=1,loop=loop=-1:size=1,setpts=N/30/TB',
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-t', '10', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', clip,
  ]);
  return clip;
}

export async function benchLipSync(dir: string): Promise<string[]> {
  const lines = ['Browser: key press → the turn painted, headless Chromium, still 2048x1024 clip with a tone, ramp cells:'];
  if (!has(CHROMIUM_PATH)) return [...lines, `  ${CHROMIUM_PATH} is not installed: skipped`];
  const server = await serveCli([stillClipWithTone(dir), '--loop', '--log-level', 'silent']);
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
  const results = new Map<string, number[]>();
  try {
    for (const feed of ['off', 'pcm', 'mse'] as const) {
      const page = await browser.newPage({ viewport: { width: 1100, height: 620 } });
      await page.goto(`${server.url}/?renderer=2d&style=ramp${feed === 'off' ? '' : `&audio=${feed}`}`);
      await page.waitForFunction(() => (globalThis as unknown as PageGlobals).ascii360?.state().audio === 'available', null, { timeout: 15_000 });
      if (feed !== 'off') {
        await page.locator('#sound').click();
        await page.waitForFunction(() => (globalThis as unknown as PageGlobals).ascii360!.state().av.mode === 'on', null, { timeout: 15_000 });
        // A page that fell back to another feed would measure that one under this one's name.
        const playing = await page.evaluate(() => (globalThis as unknown as PageGlobals).ascii360!.state().av.feed);
        if (playing !== feed) throw new Error(`audio=${feed} played through ${playing}`);
      }
      await page.waitForTimeout(SETTLE_MS);
      const took: number[] = [];
      for (let i = 0; i < PRESSES; i++) {
        // The watcher stamps the key in the capture phase (before the page's own handler) and
        // resolves on the first animation frame whose cells differ from the ones before it.
        const shown = page.evaluate((limit) => {
          const page = globalThis as unknown as PageGlobals;
          const probe = page.ascii360!;
          const signature = (): number => {
            const f = probe.frame();
            let h = 0;
            if (f) for (let k = 0; k < f.bytes.length; k += 3) h = (Math.imul(h, 31) + f.bytes[k]!) | 0;
            return h;
          };
          const before = signature();
          return new Promise<number>((resolve) => {
            let pressed = -1;
            page.addEventListener('keydown', () => (pressed = performance.now()), { capture: true, once: true });
            const start = performance.now();
            const watch = (): void => {
              if (pressed >= 0 && signature() !== before) resolve(performance.now() - pressed);
              else if (performance.now() - start > limit) resolve(-1);
              else page.requestAnimationFrame(watch);
            };
            page.requestAnimationFrame(watch);
          });
        }, NOT_SHOWN_MS);
        await page.waitForTimeout(50);
        await page.keyboard.press('ArrowRight');
        took.push(await shown);
        await page.waitForTimeout(GAP_MS);
      }
      results.set(feed, took);
      await page.close();
    }
  } finally {
    await browser.close();
    server.stop();
  }
  const off = results.get('off')!.filter((t) => t >= 0);
  const mse = results.get('mse')!.filter((t) => t >= 0);
  for (const feed of ['off', 'pcm', 'mse'] as const) {
    const all = results.get(feed)!;
    const seen = all.filter((t) => t >= 0).sort((a, b) => a - b);
    const missed = all.length - seen.length;
    const name = { off: 'sound off', pcm: 'sound on, decoded by the page (pcm)', mse: 'sound on, MediaSource (mse)' }[feed];
    const ratio = feed === 'off' || mse.length === 0 ? '' : `   ${fmt(median(seen) / median(mse))}× MediaSource's`;
    lines.push(`  ${name.padEnd(38)} median ${fmt(median(seen), 0)} ms, p95 ${fmt(percentile(seen, 95), 0)} ms${missed ? `, ${missed} of ${all.length} not shown in ${NOT_SHOWN_MS} ms` : ''}${ratio}`);
  }
  if (off.length === 0) lines.push('  no turn was painted with the sound off: the page did not take the key');
  return lines;
}
