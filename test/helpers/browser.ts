/**
 * Headless Chromium for the browser client's end-to-end tests: Debian's /usr/bin/chromium through
 * playwright-core (it downloads no browser), pages on loopback servers, and the page's
 * `window.ascii360` probe (src/client/browser/page-probe.ts). Every wait is bounded.
 */
import { chromium, type Browser, type Page } from 'playwright-core';
import sharp from 'sharp';
import type { PageProbe, ProbeFrame, ProbeState } from '../../src/client/browser/page-probe.js';

export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
/** Headless anywhere; WebGL2 through SwiftShader where there is no GPU. */
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
  '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--force-color-profile=srgb',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 30_000 });
}

export interface OpenPage {
  page: Page;
  /** Console errors and uncaught exceptions of the page. */
  errors: string[];
}

export interface PageOptions {
  viewport: { width: number; height: number };
  hasTouch?: boolean;
  /** Runs before the page loads (to watch its requests or sockets). */
  setup?: (page: Page) => void;
}

/**
 * A new page at `url`. Its errors are collected, less the line Chromium itself logs for a 404 answer
 * to the sound probe (HEAD /audio) of a server without sound support: the page handles that.
 */
export async function openPage(browser: Browser, url: string, { viewport, hasTouch = false, setup }: PageOptions): Promise<OpenPage> {
  const page = await browser.newPage({ viewport, hasTouch });
  setup?.(page);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !(/status of 404/.test(m.text()) && /\/audio(\?|$)/.test(m.location().url))) errors.push(`console: ${m.text()}`);
  });
  await page.goto(url, { timeout: 15_000 });
  return { page, errors };
}

export function pageState(page: Page): Promise<ProbeState> {
  return page.evaluate(() => (globalThis as unknown as { ascii360: PageProbe }).ascii360.state());
}

export function paintedFrame(page: Page): Promise<ProbeFrame | null> {
  return page.evaluate(() => (globalThis as unknown as { ascii360: PageProbe }).ascii360.frame());
}

/** Polls `probe` every 100 ms until it gives something truthy, for at most `timeoutMs`. */
export async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const value = await probe();
    if (value) return value;
    last = value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The page is showing frames: its INIT arrived and `min` frames were painted. */
export function playing(page: Page, min = 3): Promise<ProbeState> {
  return until('frames painted', async () => {
    const s = await pageState(page);
    return s.link === 'open' && s.init !== null && s.shown >= min ? s : null;
  });
}

/**
 * The page's notices: the banner's text (null while hidden), the toasts' and their lines (a toast
 * that lists several notices, Notices.toastList, gives a line per item; any other toast, its text).
 */
export async function pageNotices(page: Page): Promise<{ banner: string | null; toasts: string[]; lines: string[] }> {
  return page.evaluate(() => {
    const banner = document.getElementById('banner')!;
    const toasts = [...document.querySelectorAll('.toast')];
    return {
      banner: banner.hidden ? null : (document.getElementById('banner-text')!.textContent ?? ''),
      toasts: toasts.map((e) => e.textContent ?? ''),
      lines: toasts.flatMap((e) => {
        const items = [...e.querySelectorAll('li')];
        return items.length > 0 ? items.map((i) => i.textContent ?? '') : [e.textContent ?? ''];
      }),
    };
  });
}

/** A screenshot's pixels. */
export interface Raw {
  width: number;
  height: number;
  channels: number;
  data: Buffer;
}

/** Freezes painting, then returns the frame on the canvas and the canvas as the screen shows it. */
export async function canvasAndFrame(page: Page): Promise<{ frame: ProbeFrame; image: Raw }> {
  await page.evaluate(() => (globalThis as unknown as { ascii360: PageProbe }).ascii360.hold(true));
  // Two animation frames: whatever was painted last has been presented.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const frame = (await paintedFrame(page))!;
  const png = await page.locator('#screen').screenshot({ type: 'png', timeout: 10_000 });
  await page.evaluate(() => (globalThis as unknown as { ascii360: PageProbe }).ascii360.hold(false));
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  return { frame, image: { width: info.width, height: info.height, channels: info.channels, data } };
}

/** The R, G, B of the screenshot's pixel (x, y). */
export function px(image: Raw, x: number, y: number): [number, number, number] {
  const o = (y * image.width + x) * image.channels;
  return [image.data[o]!, image.data[o + 1]!, image.data[o + 2]!];
}
