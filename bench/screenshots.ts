/**
 * README screenshots of the browser client: one PNG per cell style of the built-in demo scene,
 * docs/screenshots/browser-<style>.png, 640×360 (the picture area of the page, without the toolbar).
 *
 *   npm run build && node dist/bench/screenshots.js [--out docs/screenshots] [--renderer 2d|webgl2]
 *
 * It starts the real CLI (`ascii360 serve`, no source: the demo scene) on a free loopback port and
 * loads the page in headless Chromium (Debian's /usr/bin/chromium, or CHROMIUM_PATH), once per
 * style with `?style=NAME`, and takes each picture once the page has painted a few frames of that
 * style. Every wait is bounded.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { STYLE_NAMES } from '../protocol/index.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './browser-bench.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const PICTURE = { width: 640, height: 360 };
/** A view with sky, the horizon's ticks and a compass letter, and the chequered ground. */
const VIEW = 'yaw=15&pitch=-4&fov=100';
const START_TIMEOUT_MS = 20_000;
const PAINT_TIMEOUT_MS = 15_000;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

/** `ascii360 serve --port 0`: resolves with its URL and a stop function. */
function serveDemo(): Promise<{ url: string; stop(): void }> {
  return new Promise((resolveServer, reject) => {
    const proc = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`ascii360 serve did not start in ${START_TIMEOUT_MS} ms`));
    }, START_TIMEOUT_MS);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`ascii360 serve exited with ${code}`));
    });
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = / on (http:\/\/[^\s)]+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      resolveServer({ url: m[1]!, stop: () => proc.kill('SIGTERM') });
    });
  });
}

/** Waits until the page shows frames of `style` (the page probe, src/client/browser/page-probe.ts). */
async function paintedIn(page: Page, style: string): Promise<void> {
  // The probe is read by name: this file is compiled without the DOM types.
  const probe = `(() => { const p = window.ascii360; if (!p) return null; const s = p.state(); const f = p.frame();
    return s.link === 'open' && s.init && s.init.style === ${JSON.stringify(style)} && f && f.style === ${JSON.stringify(style)} && s.shown >= 5; })()`;
  await page.waitForFunction(probe, undefined, { timeout: PAINT_TIMEOUT_MS, polling: 100 });
}

async function main(): Promise<void> {
  const outDir = resolve(arg('out', join('docs', 'screenshots')));
  const renderer = arg('renderer', '2d');
  mkdirSync(outDir, { recursive: true });
  const server = await serveDemo();
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS, timeout: 30_000 });
  try {
    // The toolbar's height is the page's; the picture area gets exactly PICTURE.
    const page = await browser.newPage({ viewport: { width: PICTURE.width, height: PICTURE.height + 40 } });
    await page.goto(`${server.url}/?renderer=${renderer}`, { timeout: 15_000 });
    const bar = await page.locator('#bar').boundingBox();
    await page.setViewportSize({ width: PICTURE.width, height: PICTURE.height + Math.round(bar?.height ?? 40) });
    for (const style of STYLE_NAMES) {
      await page.goto(`${server.url}/?renderer=${renderer}&style=${style}&${VIEW}`, { timeout: 15_000 });
      await paintedIn(page, style);
      const path = join(outDir, `browser-${style}.png`);
      await page.locator('#stage').screenshot({ path, type: 'png', timeout: 10_000 });
      console.log(path);
    }
  } finally {
    await browser.close();
    server.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
