/**
 * The page on a phone turned sideways (bar-away.ts): the picture takes the whole height, the bar
 * lies over it and steps away while the picture plays, as a web video player's controls do there.
 * Real Chromium with touch, driven by taps and a finger's drag through the DevTools protocol.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BAR_IDLE_MS } from '../src/client/browser/bar-away.js';
import { launchChromium, openPage, pageState, playing, until } from './helpers/browser.js';
import { startCli, type CliServer } from './helpers/server.js';

const PORTRAIT = { width: 390, height: 844 };
const LANDSCAPE = { width: 844, height: 390 };

let browser: Browser;
let demo: CliServer;
const pages: Page[] = [];

beforeAll(async () => {
  [browser, demo] = await Promise.all([launchChromium(), startCli(['--log-level', 'warn'])]);
});

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
});

afterEach(async () => {
  for (const p of pages.splice(0)) await p.close();
});

async function open(viewport: { width: number; height: number }, hasTouch: boolean): Promise<{ page: Page; errors: string[] }> {
  const opened = await openPage(browser, `${demo.url}/?renderer=2d`, { viewport, hasTouch });
  pages.push(opened.page);
  return opened;
}

/** Where the stage and the bar are, and whether the bar is away. */
function layoutOf(page: Page): Promise<{ stage: DOMRect; bar: DOMRect; away: boolean; opacity: string; innerHeight: number }> {
  return page.evaluate(() => {
    const bar = document.getElementById('bar')!;
    return {
      stage: document.getElementById('stage')!.getBoundingClientRect().toJSON() as DOMRect,
      bar: bar.getBoundingClientRect().toJSON() as DOMRect,
      away: document.body.classList.contains('bar-away'),
      opacity: getComputedStyle(bar).opacity,
      innerHeight: window.innerHeight,
    };
  });
}

const away = async (page: Page): Promise<boolean> => (await layoutOf(page)).away;
const waking = (page: Page): Promise<boolean> => page.evaluate(() => document.body.classList.contains('bar-waking'));

describe('a phone turned sideways', () => {
  it('the picture takes the whole height; the bar lies over it, steps away while it plays, and a tap brings it back or sends it away; a drag does neither', async () => {
    const { page, errors } = await open(LANDSCAPE, true);
    await playing(page);
    const first = await layoutOf(page);
    // Before, the bar's two lines took 93 px of the 390 under the picture.
    expect(first.stage.height).toBe(LANDSCAPE.height);
    expect(first.bar.bottom).toBeCloseTo(LANDSCAPE.height, 0);
    expect(first.bar.top).toBeGreaterThan(LANDSCAPE.height / 2);
    // The grid fills the taller picture: its canvas is more than the height left beside the bar.
    expect(await page.evaluate(() => document.getElementById('screen')!.getBoundingClientRect().height)).toBeGreaterThan(LANDSCAPE.height - 60);

    await until('the bar away', () => away(page), BAR_IDLE_MS + 3000);
    await until('the bar faded', async () => (await layoutOf(page)).opacity === '0', 2000);

    // A finger's drag looks around and leaves the bar away (looking around is not asking for it).
    const yaw = (await pageState(page)).view.yaw;
    const cdp = await page.context().newCDPSession(page);
    const touch = (type: 'touchStart' | 'touchMove' | 'touchEnd', touchPoints: { x: number; y: number; id: number }[]): Promise<unknown> => cdp.send('Input.dispatchTouchEvent', { type, touchPoints });
    await touch('touchStart', [{ x: 300, y: 150, id: 1 }]);
    for (let dx = 20; dx <= 160; dx += 20) await touch('touchMove', [{ x: 300 + dx, y: 150, id: 1 }]);
    await touch('touchEnd', []);
    await cdp.detach();
    await until('the view turned', async () => Math.abs((await pageState(page)).view.yaw - yaw) > 5, 3000);
    expect(await away(page)).toBe(true);

    // A tap where the play button is reaches the picture, not the hidden button: the bar comes back,
    // and the picture plays on (before the mend, the tap's click then pressed the button it showed).
    const playBox = (await page.locator('#play').boundingBox())!;
    await page.touchscreen.tap(playBox.x + playBox.width / 2, playBox.y + playBox.height / 2);
    await until('the bar back', async () => !(await away(page)) && !(await waking(page)), 2000);
    expect((await pageState(page)).paused).toBe(false);

    // A tap on the picture while the bar shows sends it away at once (its idle time has just begun), and the next brings it back.
    await page.touchscreen.tap(LANDSCAPE.width / 2, LANDSCAPE.height / 3);
    await until('the bar sent away', () => away(page), 1000);
    await page.touchscreen.tap(LANDSCAPE.width / 2, LANDSCAPE.height / 3);
    await until('the bar back again', async () => !(await away(page)), 1000);

    // Paused (Space, a keyboard on a tablet), the bar stays, however long nobody touches it.
    await page.keyboard.press(' ');
    await until('paused', async () => (await pageState(page)).paused, 3000);
    await new Promise((r) => setTimeout(r, BAR_IDLE_MS + 1000));
    expect(await away(page)).toBe(false);
    // The demo's timeline is every page's: played again for the next test.
    await page.keyboard.press(' ');
    await until('playing again', async () => !(await pageState(page)).paused, 3000);
    expect(errors).toEqual([]);
  }, 60_000);

  it('upright, and with a mouse, the bar keeps its place under the picture and stays', async () => {
    const upright = await open(PORTRAIT, true);
    await playing(upright.page);
    const desk = await open(LANDSCAPE, false);
    await playing(desk.page);
    await new Promise((r) => setTimeout(r, BAR_IDLE_MS + 1000));
    for (const [what, page, viewport] of [['upright', upright.page, PORTRAIT], ['mouse', desk.page, LANDSCAPE]] as const) {
      const l = await layoutOf(page);
      // Playing all the while: paused, the bar would stay anyway.
      expect((await pageState(page)).timeline, what).toBe('PLAYING');
      expect(l.away, what).toBe(false);
      // The stage ends where the bar begins: the bar is under the picture, not over it.
      expect(l.stage.bottom, what).toBeCloseTo(l.bar.top, 0);
      expect(l.bar.bottom, what).toBeCloseTo(viewport.height, 0);
    }
    expect([...upright.errors, ...desk.errors]).toEqual([]);
  }, 60_000);
});
