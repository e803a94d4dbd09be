/**
 * The browser page's own behaviour around the picture, end to end: real servers (the CLI, the demo
 * scene or a clip ffmpeg makes here), headless Chromium (test/helpers/browser.ts), the page's
 * `window.ascii360` probe and its DOM.
 *
 * - What the URL leaves out is the server's: its `--camera` (adopted, with its FOV, so the selector
 *   and `c` go on from it) and its `--quality` (never overridden).
 * - A URL value the page cannot use gets a notice, and the page goes on without it.
 * - A server that refuses the token is said once, not retried for ever; a full server and a
 *   restarting source are said by the banner, not by a toast per retry.
 * - The bar: the seek bar takes the room the readouts would; on a large screen the cells grow to
 *   fill it when the sample cap cuts the grid; a new devicePixelRatio is followed.
 * - Space and Enter on a focused button press it.
 * - A page left at the end of a file joins another page's replay.
 * - After a reconnect the time is where the server's STATUS says, before the first frame comes.
 * - A source not shaped as a 360° panorama (16:9) is said in one notice.
 * - A sound the server gave up is shown failed, in the server's words, not as a source without sound.
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { encodeInit, encodeStatus, Limits, sampleCount } from '../protocol/index.js';
import { launchChromium, openPage, paintedFrame, pageNotices, pageState, playing, until, type OpenPage } from './helpers/browser.js';
import { audioEncoders, makeNoisyClipAsync, pictureRestarts } from './helpers/audio.js';
import { makeClipAsync, mediaQueue, tempDir } from './helpers/media.js';
import { getJson, newestView, startCli, stopProcess, TestViewer, type CliServer } from './helpers/server.js';

const VIEWPORT = { width: 900, height: 500 };

const tmp = tempDir('ascii360-page-');
let browser: Browser;
/** The demo scene, with a camera and a quality of the server's choosing. */
let demo: CliServer;
const servers: CliServer[] = [];
const pages: Page[] = [];

const media = mediaQueue();

/**
 * The clips the tests play, in the order they play them: made in the background while the first
 * tests run on the demo (inside their tests they took 3–4 s of the file's time).
 */
function makeClips() {
  const clip = (name: string, o: Parameters<typeof makeClipAsync>[1]): Promise<string> => media.add(() => makeClipAsync(join(tmp.dir, name), o));
  return {
    loop: clip('loop.mp4', { seconds: 4 }),
    killedTone: clip('killed-tone.mp4', { seconds: 6, toneHz: 440 }),
    noisy: media.add(() => makeNoisyClipAsync(join(tmp.dir, 'soundless-soon.mp4'), 60)),
    end: clip('end.mp4', { seconds: 4 }),
    scrub: clip('scrub.mp4', { seconds: 6 }),
    clock: clip('clock.mp4', { seconds: 6 }),
    wide: clip('wide.mp4', { width: 320, height: 180, seconds: 4 }),
  };
}
let clips: ReturnType<typeof makeClips>;

beforeAll(async () => {
  [browser, demo] = await Promise.all([launchChromium(), startCli(['--camera', 'stereographic', '--quality', 'low', '--log-level', 'warn'])]);
  clips = makeClips();
});

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
  await media.settled();
  tmp.cleanup();
});

afterEach(async () => {
  for (const p of pages.splice(0)) await p.close();
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function open(server: CliServer, query: string, viewport = VIEWPORT, setup?: (page: Page) => void): Promise<OpenPage> {
  const opened = await openPage(browser, `${server.url}/${query}`, { viewport, setup });
  pages.push(opened.page);
  return opened;
}

/** Closes a page before the test ends (a loop's pages, which would otherwise all play at once). */
async function close(page: Page): Promise<void> {
  pages.splice(pages.indexOf(page), 1);
  await page.close();
}

async function serve(args: string[]): Promise<CliServer> {
  const server = await startCli([...args, '--log-level', 'warn']);
  servers.push(server);
  return server;
}

/** The page's /ws URLs, in the order it opened them. */
function socketsOf(urls: string[]): (page: Page) => void {
  return (page) => page.on('websocket', (ws) => {
    if (new URL(ws.url()).pathname === '/ws') urls.push(ws.url());
  });
}

describe('what the URL leaves to the server', () => {
  it('the server\'s camera (serve --camera) is the page\'s when the URL names none: selector, readout, FOV, and c goes on from it', async () => {
    const urls: string[] = [];
    const { page, errors } = await open(demo, '?renderer=2d', VIEWPORT, socketsOf(urls));
    const s = await playing(page);
    expect(s.init?.camera).toBe('stereographic');
    expect(s.view.fov).toBe(s.init?.view?.fov);
    expect(await page.locator('#camera').inputValue()).toBe('stereographic');
    await until('the readout', async () => / stereographic · /.test((await page.locator('#view').textContent()) ?? ''));
    // Neither the camera nor the quality was named: the server's apply (its quality is not reported back; the query shows none was sent).
    const asked = new URL(urls[0]!).searchParams;
    expect(asked.has('camera')).toBe(false);
    expect(asked.has('quality')).toBe(false);
    await page.keyboard.press('c');
    await until('the next camera at the server', async () => (await newestView(demo))?.camera === 'fisheye');
    await until('the selector', async () => (await page.locator('#camera').inputValue()) === 'fisheye');
    expect(errors).toEqual([]);
  });

  it('a camera and a quality the URL names are asked for, flat included', async () => {
    const urls: string[] = [];
    const { page, errors } = await open(demo, '?renderer=2d&camera=flat&quality=high', VIEWPORT, socketsOf(urls));
    const s = await playing(page);
    expect(s.init?.camera).toBe('flat');
    const asked = new URL(urls[0]!).searchParams;
    expect([asked.get('camera'), asked.get('quality')]).toEqual(['flat', 'high']);
    expect(await page.locator('#camera').inputValue()).toBe('flat');
    expect(errors).toEqual([]);
  });
});

describe('URL values the page cannot use', () => {
  it('fov=abc is ignored with a notice (not zoomed all the way in), fov= is absent as on the server; yaw=720 is yaw 0', async () => {
    for (const query of ['?renderer=2d&camera=flat&fov=abc&yaw=720', '?renderer=2d&camera=flat&fov=']) {
      const { page, errors } = await open(demo, query);
      const s = await playing(page);
      expect(s.view.fov, query).toBe(90);
      expect((await newestView(demo))?.fov, query).toBe(90);
      expect((await pageNotices(page)).toasts.some((t) => /^fov="abc" is not a number; ignored$/.test(t)), query).toBe(query.includes('abc'));
      if (query.includes('yaw')) {
        expect(s.view.yaw).toBe(0);
        await until('the readout', async () => /^yaw 0 /.test((await page.locator('#view').textContent()) ?? ''));
      }
      expect(errors).toEqual([]);
      await close(page);
    }
  });

  it('mode, codec, renderer, font, pitch and FOV get a notice each, and the page plays on', async () => {
    // One value alone is a toast of its own; the others together are lines of one toast, each in
    // the words it has alone. Two pages, not one a value: nine pages one after another took 20 s.
    const alone = await open(demo, '?font=abc');
    await playing(alone.page);
    expect((await pageNotices(alone.page)).toasts).toEqual([expect.stringMatching(/^font="abc" is not a number; ignored$/)]);
    expect(alone.errors).toEqual([]);
    await close(alone.page);
    const cases: [string, RegExp][] = [
      ['mode=9', /^unknown mode 9; modes: 1, 2, 3, 4, 5/],
      ['codec=zzz', /^codec "zzz" is not one this page reads/],
      ['renderer=foo', /^unknown renderer "foo"/],
      ['font=100', /^font=100 is outside 6–48 px; using 48$/],
      ['autorotate=yes', /^autorotate="yes" is not 1 or 0; left off$/],
      ['audio=xyz', /^audio="xyz" is not one this page plays by/],
      ['pitch=200', /^pitch=200 is outside -90–90°; using 90$/],
      ['camera=flat&fov=500', /^fov=500 is outside 30–120°; using 120$/],
    ];
    const { page, errors } = await open(demo, `?${cases.map(([query]) => query).join('&')}`);
    await playing(page);
    const { lines } = await pageNotices(page);
    for (const [query, notice] of cases) expect(lines.some((l) => notice.test(l)), query).toBe(true);
    expect(errors).toEqual([]);
  }, 60_000);

  it('several bad values: one notice lists every one of them (none pushed out by the others), and the page plays on without them', async () => {
    const urls: string[] = [];
    // Told in the URL's order, whatever order the page reads them in.
    const query = '?fov=abc&yaw=east&style=ss&mode=9&codec=cc&quality=qq&camera=zz&renderer=foo&font=x';
    const { page, errors } = await open(demo, query, VIEWPORT, socketsOf(urls));
    const s = await playing(page);
    const seen = await pageNotices(page);
    // One toast, so that the cap on toasts (a burst of server errors must not fill the screen) keeps it whole.
    expect(seen.toasts).toHaveLength(1);
    expect(seen.toasts[0]).toMatch(/^the page's address has 9 values it cannot use:/);
    const expected = [
      /^fov="abc" is not a number; ignored$/,
      /^yaw="east" is not a number; ignored$/,
      /^unknown style "ss"; styles: .*; showing mosaic$/,
      /^unknown mode 9; modes: 1, 2, 3, 4, 5; using the server's$/,
      /^codec "cc" is not one this page reads \(tagged, raw\); using tagged$/,
      /^unknown quality "qq"; qualities: .*; using the server's quality$/,
      /^unknown camera "zz"; cameras: .*; showing the server's camera$/,
      /^unknown renderer "foo"; renderers: webgl2, 2d; choosing by itself$/,
      /^font="x" is not a number; ignored$/,
    ];
    expect(seen.lines).toHaveLength(expected.length);
    expected.forEach((line, i) => expect(seen.lines[i], String(line)).toMatch(line));
    // Each left out: the server's camera and quality, the page's own style, codec and renderer.
    expect(s.init?.camera).toBe('stereographic');
    expect(s.style).toBe('mosaic');
    const asked = new URL(urls[0]!).searchParams;
    expect([asked.get('codec'), asked.has('quality'), asked.has('camera'), asked.has('mode')]).toEqual(['tagged', false, false, false]);
    expect(errors).toEqual([]);
  });
});

describe('refusals and repeated notices', () => {
  it('a server that refuses the token: one clear notice, no endless retries; the right token plays', async () => {
    const server = await serve(['--token', 's3cret']);
    // The three pages at once: each waits on its own (the 2 s below), one after another took 12 s.
    const refused = async ([query, said]: readonly [string, string]): Promise<void> => {
      const urls: string[] = [];
      const { page } = await open(server, `?renderer=2d${query}`, VIEWPORT, socketsOf(urls));
      await until(`the refusal (${said})`, async () => (await pageState(page)).link === 'refused');
      expect((await pageNotices(page)).banner).toMatch(new RegExp(`^refused: ${said} token`));
      // The server has sound; it refused the token, and the sound button says so.
      await until(`the sound probe (${said})`, async () => (await pageState(page)).audio !== 'checking');
      expect((await pageState(page)).audio, said).toBe('refused');
      expect(await page.locator('#sound').textContent(), said).toBe('audio refused');
      // The backoff would have tried again within 0.25 s, then 0.5 s: it does not.
      await page.waitForTimeout(2000);
      expect(urls.length, said).toBe(1);
      expect((await pageState(page)).link, said).toBe('refused');
    };
    const right = async (): Promise<void> => {
      const { page, errors } = await open(server, '?renderer=2d&token=s3cret');
      await playing(page);
      expect(errors).toEqual([]);
    };
    await Promise.all([refused(['', 'missing']), refused(['&token=nope', 'wrong']), right()]);
  });

  it('a full server: the banner says so, with the server\'s words, and no toast repeats it on every retry', async () => {
    const server = await serve(['--max-clients', '1']);
    const first = new TestViewer(`${server.wsUrl}?cols=20&rows=6`);
    try {
      await first.until(() => first.frames.length > 0, 'the first viewer\'s frames');
      const urls: string[] = [];
      const { page } = await open(server, '?renderer=2d', VIEWPORT, socketsOf(urls));
      await until('three tries', async () => urls.length >= 3, 10_000);
      // The server's own words, not only the page's "reconnecting…", which the banner says while a
      // try is under way.
      const seen = await until('the server\'s words in the banner', async () => {
        const now = await pageNotices(page);
        return /server full \(at most 1 client\)/.test(now.banner ?? '') ? now : null;
      }, 10_000);
      expect(seen.toasts).toEqual([]);
      // No INIT yet: the play button cannot be pressed, and the style selector shows the page's style.
      expect(await page.locator('#play').isDisabled()).toBe(true);
      expect(await page.locator('#style').inputValue()).toBe('mosaic');
      first.close();
      await playing(page);
      expect(await page.locator('#play').isDisabled()).toBe(false);
    } finally {
      first.close();
    }
  });

  it('a source that keeps restarting: the banner gives the reason, no toast repeats it', async () => {
    const server = await serve([await clips.loop, '--loop']);
    const { page, errors } = await open(server, '?renderer=2d');
    await playing(page);
    for (let round = 0; round < 2; round++) {
      const decoders = execFileSync('pgrep', ['-P', String(server.proc.pid), 'ffmpeg']).toString().trim().split('\n');
      for (const pid of decoders) process.kill(Number(pid), 'SIGKILL');
      const seen = await until('the restarting banner', async () => {
        const n = await pageNotices(page);
        return n.banner?.startsWith('the source stopped: ') ? n : null;
      });
      expect(seen.banner).toMatch(/decoder stopped/);
      expect(seen.toasts.filter((t) => t.includes('decoder stopped'))).toEqual([]);
      await until('playing again', async () => (await pageState(page)).timeline === 'PLAYING', 15_000);
    }
    expect(errors).toEqual([]);
  });
});

describe('the sound', () => {
  // Nothing here is timed beyond generous bounds: it runs beside other files, not with browser.e2e's lip sync.
  it('sound on through a server killed and back: the button says the sound was lost, not blocked, and it plays again with the connection', async () => {
    const args = [await clips.killedTone, '--loop', '--log-level', 'warn'];
    let server = await startCli(args);
    try {
      const { page, errors } = await open(server, '?renderer=2d');
      await playing(page);
      await until('sound available', async () => (await pageState(page)).audio === 'available');
      await page.locator('#sound').click();
      await until('the sound playing', async () => (await pageState(page)).av.mode === 'on', 15_000);
      const port = new URL(server.url).port;
      // Killed, as a crash or a failed-over server goes: the sound's stream breaks, and its retries
      // (1 + 2 + 4 s) find nothing listening.
      await stopProcess(server.proc, 'SIGKILL');
      const button = async (): Promise<string> => (await page.locator('#sound').textContent()) ?? '';
      await until('the sound given up', async () => /^sound (lost|blocked)$/.test(await button()), 20_000);
      expect(await button()).toBe('sound lost');
      server = await startCli([...args, '--port', port]);
      await until('reconnected', async () => (await pageState(page)).link === 'open', 15_000);
      await until('the sound on again', async () => (await button()) === 'sound on', 5000);
      await until('the sound playing again', async () => (await pageState(page)).av.mode === 'on', 15_000);
      // Chromium logs the broken stream and each refused try itself.
      expect(errors.filter((e) => !/WebSocket connection to .* failed|Failed to load resource: net::ERR_(CONNECTION_REFUSED|INCOMPLETE_CHUNKED_ENCODING)/.test(e))).toEqual([]);
    } finally {
      await server.stop();
    }
  }, 90_000);

  it('a sound the server gave up: the button says it failed, with the server\'s line, on a page playing it and on one opened after; the picture plays', async () => {
    const noisy = await clips.noisy;
    const server = await serve([noisy]);
    const { page } = await open(server, '?renderer=2d');
    await playing(page);
    await until('sound available', async () => (await pageState(page)).audio === 'available');
    // The picture settled at the page's working size first (a resize restarts its decoder, 1 s
    // after a viewer comes): restarted on the missing file, the source itself would fail.
    await new Promise((r) => setTimeout(r, 1500));
    const decoderRuns = pictureRestarts(await getJson(`${server.url}/healthz`));
    await page.locator('#sound').click();
    const encoder = await until('the sound encoding', async () => audioEncoders(server.proc.pid!)[0] ?? null);
    // As in audio.e2e.test.ts: the file goes and the encoder crashes, so every restart of the sound
    // fails while the picture's decoder reads on from the file it holds open; the fifth gives it up.
    rmSync(noisy);
    process.kill(Number(encoder), 'SIGKILL');
    const said = /^the sound failed: audio encoder stopped \(ffmpeg exited with code \d+: soundless-soon\.mp4: No such file or directory\)$/;
    await until('the playing page\'s sound failed', async () => (await pageState(page)).audio === 'failed', 20_000);
    expect(await page.locator('#sound').textContent()).toBe('sound failed');
    expect(await page.locator('#sound').getAttribute('title')).toMatch(said);
    expect(await page.locator('#sound').isDisabled()).toBe(true);
    // A page opened now is told the same by its first probe, and plays.
    const later = await open(server, '?renderer=2d');
    await playing(later.page);
    await until('the later page\'s probe', async () => (await pageState(later.page)).audio !== 'checking');
    expect((await pageState(later.page)).audio).toBe('failed');
    expect(await later.page.locator('#sound').textContent()).toBe('sound failed');
    expect(await later.page.locator('#sound').getAttribute('title')).toMatch(said);
    // The first page's picture went on through it all.
    const { shown } = await pageState(page);
    await until('the picture plays on', async () => (await pageState(page)).shown > shown + 10);
    expect(pictureRestarts(await getJson(`${server.url}/healthz`)), 'the picture\'s decoder was not started again on the missing file').toBe(decoderRuns);
  }, 60_000);
});

describe('layout', () => {
  it('the seek bar takes the room before the readouts do, and every control stays whole on screen', async () => {
    const { page, errors } = await open(demo, '?renderer=2d', { width: 1280, height: 720 });
    await playing(page);
    for (const width of [1280, 1000, 800, 375]) {
      await page.setViewportSize({ width, height: 720 });
      const bar = await page.evaluate(() => {
        const shown = [...document.querySelectorAll<HTMLElement>('#bar > button, #bar > select')].filter((e) => getComputedStyle(e).display !== 'none');
        return {
          seek: document.getElementById('seek')!.getBoundingClientRect().width,
          cut: shown.filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5 || e.getBoundingClientRect().bottom > window.innerHeight + 0.5).map((e) => e.id),
        };
      });
      // A phone gives it a line of its own.
      expect(bar.seek, `width ${width}`).toBeGreaterThanOrEqual(width <= 600 ? 0.8 * width : 0.15 * width);
      expect(bar.cut, `width ${width}`).toEqual([]);
    }
    expect(errors).toEqual([]);
  });

  it('from 1920 down to 700 px the menus and buttons show whole (none squeezed), each readout whole or not at all, on one line from 1000 px and two at 700', async () => {
    const { page, errors } = await open(demo, '?renderer=2d', { width: 1920, height: 720 });
    await playing(page);
    await until('the readouts', async () => ((await page.locator('#view').textContent()) ?? '').length > 0 && ((await page.locator('#stats').textContent()) ?? '').length > 0);
    for (const [width, lines] of [[1920, 1], [1200, 1], [1100, 1], [1000, 1], [700, 2]] as const) {
      await page.setViewportSize({ width, height: 720 });
      const bar = await page.evaluate(() => {
        const shown = (e: Element): boolean => getComputedStyle(e).display !== 'none';
        const controls = [...document.querySelectorAll<HTMLElement>('#bar button, #bar select')].filter(shown);
        const boxes = controls.map((e) => {
          const box = e.getBoundingClientRect();
          // Its own width, out of the bar's flow: what it needs to show its label or choice whole.
          const before = e.style.position;
          e.style.position = 'absolute';
          const needs = e.getBoundingClientRect().width;
          e.style.position = before;
          return { id: e.id, left: box.left, right: box.right, top: box.top, bottom: box.bottom, width: box.width, needs };
        });
        const overlapping = boxes.filter((a) => boxes.some((b) => a !== b && a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5)).map((a) => a.id);
        // A readout on show is wholly inside the boxes that clip it; one out of sight is wholly outside them.
        const readouts = ['stats', 'view'].map((id) => {
          const e = document.getElementById(id)!;
          const box = e.getBoundingClientRect();
          if (!shown(e) || box.width === 0) return `${id} hidden`;
          let clip = document.getElementById('bar')!.getBoundingClientRect();
          for (let p = e.parentElement; p && p.id !== 'bar'; p = p.parentElement) {
            const r = p.getBoundingClientRect();
            clip = new DOMRect(Math.max(clip.left, r.left), Math.max(clip.top, r.top), Math.min(clip.right, r.right) - Math.max(clip.left, r.left), Math.min(clip.bottom, r.bottom) - Math.max(clip.top, r.top));
          }
          const inside = box.left >= clip.left - 0.5 && box.right <= clip.right + 0.5 && box.top >= clip.top - 0.5 && box.bottom <= clip.bottom + 0.5 && e.scrollWidth <= e.clientWidth + 1;
          const outside = box.left >= clip.right - 0.5 || box.right <= clip.left + 0.5 || box.top >= clip.bottom - 0.5 || box.bottom <= clip.top + 0.5;
          return `${id} ${inside ? 'whole' : outside ? 'hidden' : 'cut'}`;
        });
        return {
          squeezed: boxes.filter((b) => b.width < b.needs - 0.5).map((b) => `${b.id} ${b.width.toFixed(0)} < ${b.needs.toFixed(0)}`),
          off: boxes.filter((b) => b.left < -0.5 || b.right > window.innerWidth + 0.5 || b.bottom > window.innerHeight + 0.5).map((b) => b.id),
          overlapping,
          readouts,
          // Controls of a line are centred on it: a new line wherever the centres jump.
          lines: boxes.map((b) => (b.top + b.bottom) / 2).sort((a, b) => a - b).filter((y, i, ys) => i === 0 || y - ys[i - 1]! > 8).length,
          seek: document.getElementById('seek')!.getBoundingClientRect().width,
        };
      });
      expect(bar.squeezed, `width ${width}`).toEqual([]);
      expect(bar.off, `width ${width}`).toEqual([]);
      expect(bar.overlapping, `width ${width}`).toEqual([]);
      expect(bar.readouts.filter((r) => r.endsWith(' cut')), `width ${width}`).toEqual([]);
      expect(bar.lines, `width ${width}`).toBe(lines);
      expect(bar.seek, `width ${width}`).toBeGreaterThanOrEqual(0.15 * width);
      // Where there is room, the readouts show.
      if (width === 1920) expect(bar.readouts).toEqual(['stats whole', 'view whole']);
    }
    expect(errors).toEqual([]);
  });

  it('at 2560×1440 the sample cap cuts the mosaic grid, and larger cells fill the window', async () => {
    const { page, errors } = await open(demo, '?renderer=2d', { width: 2560, height: 1440 });
    const s = await until('the grid at the server', async () => {
      const st = await pageState(page);
      return st.init && st.init.cols === st.grid.cols && st.init.rows === st.grid.rows && st.shown > 0 ? st : null;
    });
    expect(s.style).toBe('mosaic');
    expect(sampleCount(s.grid.cols, s.grid.rows, 'mosaic')).toBeLessThanOrEqual(Limits.SAMPLES_MAX);
    const fill = await page.evaluate(() => {
      const canvas = document.getElementById('screen')!.getBoundingClientRect();
      const stage = document.getElementById('stage')!.getBoundingClientRect();
      return { width: canvas.width / stage.width, height: canvas.height / stage.height };
    });
    expect(fill.width).toBeGreaterThan(0.95);
    expect(fill.height).toBeGreaterThan(0.95);
    expect(fill.width).toBeLessThanOrEqual(1);
    expect(fill.height).toBeLessThanOrEqual(1);
    expect(errors).toEqual([]);
  });

  it('a new devicePixelRatio mid-session (a HiDPI screen) gets cells built for it', async () => {
    const { page, errors } = await open(demo, '?renderer=2d');
    const before = await playing(page);
    expect(before.cell.dpr).toBe(1);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Emulation.setDeviceMetricsOverride', { width: VIEWPORT.width, height: VIEWPORT.height, deviceScaleFactor: 2, mobile: false });
    const after = await until('cells for 2 device pixels a pixel, painted', async () => {
      const s = await pageState(page);
      return s.cell.dpr === 2 && (await paintedFrame(page))?.cols === s.grid.cols && s.init?.cols === s.grid.cols ? s : null;
    });
    expect(after.cell.height).toBeGreaterThanOrEqual(2 * before.cell.height - 1);
    // The backing store is the grid in device pixels: sharp cells on the new screen.
    const backing = await page.evaluate(() => (document.getElementById('screen') as HTMLCanvasElement).width);
    expect(backing).toBe(after.grid.cols * after.cell.width);
    expect(errors).toEqual([]);
  });
});

describe('a phone', () => {
  const PORTRAIT = { width: 390, height: 844 };
  const LANDSCAPE = { width: 844, height: 390 };

  async function openTouch(server: CliServer, query: string, viewport: { width: number; height: number }): Promise<OpenPage> {
    const opened = await openPage(browser, `${server.url}/${query}`, { viewport, hasTouch: true });
    pages.push(opened.page);
    return opened;
  }

  it('on a touch screen every control on the bar is a finger wide and high (32 px), whole and apart, upright and turned', async () => {
    const { page, errors } = await openTouch(demo, '?renderer=2d', PORTRAIT);
    await playing(page);
    for (const viewport of [PORTRAIT, LANDSCAPE]) {
      await page.setViewportSize(viewport);
      const bar = await page.evaluate(() => {
        const shown = [...document.querySelectorAll<HTMLElement>('#bar > button, #bar > select, #seek')].filter((e) => getComputedStyle(e).display !== 'none');
        const boxes = shown.map((e) => ({ id: e.id, r: e.getBoundingClientRect() }));
        return {
          small: boxes.filter(({ r }) => r.width < 32 || r.height < 32).map(({ id, r }) => `${id} ${Math.round(r.width)}×${Math.round(r.height)}`),
          cut: boxes.filter(({ r }) => r.left < 0 || r.right > window.innerWidth + 0.5 || r.bottom > window.innerHeight + 0.5).map(({ id }) => id),
          overlapping: boxes.flatMap((a, i) => boxes.slice(i + 1).filter((b) => a.r.left < b.r.right - 0.5 && b.r.left < a.r.right - 0.5 && a.r.top < b.r.bottom - 0.5 && b.r.top < a.r.bottom - 0.5).map((b) => `${a.id}/${b.id}`)),
          picture: document.getElementById('stage')!.getBoundingClientRect().height / window.innerHeight,
        };
      });
      const at = `${viewport.width}×${viewport.height}`;
      expect(bar.small, at).toEqual([]);
      expect(bar.cut, at).toEqual([]);
      expect(bar.overlapping, at).toEqual([]);
      // The picture keeps most of the screen, turned too.
      expect(bar.picture, at).toBeGreaterThan(0.6);
    }
    expect(errors).toEqual([]);
  });

  it('the help on a phone turned sideways scrolls under a finger, and a tap closes it', async () => {
    const { page, errors } = await openTouch(demo, '?renderer=2d', LANDSCAPE);
    await playing(page);
    const help = page.locator('#help');
    await page.tap('#help-button');
    expect(await help.isVisible()).toBe(true);
    expect(await help.evaluate((el) => el.scrollHeight > el.clientHeight)).toBe(true);
    const box = (await help.boundingBox())!;
    const cdp = await page.context().newCDPSession(page);
    const touch = (type: 'touchStart' | 'touchMove' | 'touchEnd', touchPoints: { x: number; y: number; id: number }[]): Promise<unknown> => cdp.send('Input.dispatchTouchEvent', { type, touchPoints });
    const x = box.x + box.width / 2;
    const y = box.y + box.height * 0.8;
    const view = (await pageState(page)).view;
    await touch('touchStart', [{ x, y, id: 1 }]);
    for (let d = 20; d <= 160; d += 20) await touch('touchMove', [{ x, y: y - d, id: 1 }]);
    await touch('touchEnd', []);
    await cdp.detach();
    // By 20 px, or to its end where less is hidden (the picture, and the help over it, take the whole height sideways: bar-away.ts).
    await until('the help scrolled', () => help.evaluate((el) => el.scrollTop >= Math.min(20, el.scrollHeight - el.clientHeight) - 1), 3000);
    // Still open, and the finger scrolled the help, not the view behind it.
    expect(await help.isVisible()).toBe(true);
    expect((await pageState(page)).view.pitch).toBeCloseTo(view.pitch, 3);
    await page.touchscreen.tap(x, box.y + box.height / 2);
    await until('the help closed', async () => !(await help.isVisible()), 3000);
    expect(errors).toEqual([]);
  });

  it('a mouse pressed on the help closes it and drags the view, as anywhere on the picture', async () => {
    const { page, errors } = await open(demo, '?renderer=2d');
    await playing(page);
    const help = page.locator('#help');
    await page.click('#help-button');
    expect(await help.isVisible()).toBe(true);
    const box = (await help.boundingBox())!;
    const yaw = (await pageState(page)).view.yaw;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    expect(await help.isVisible()).toBe(false);
    for (let dx = 40; dx <= 200; dx += 40) await page.mouse.move(box.x + box.width / 2 + dx, box.y + box.height / 2);
    await page.mouse.up();
    await until('the view turned', async () => Math.abs((await pageState(page)).view.yaw - yaw) > 5, 3000);
    expect(errors).toEqual([]);
  });

  it('on a narrow screen the banner is as wide as its words need, up to the screen, not squeezed into half of it', async () => {
    const server = await serve(['--token', 's3cret']);
    const { page } = await openTouch(server, '?renderer=2d', PORTRAIT);
    await until('the refusal', async () => (await pageState(page)).link === 'refused');
    const box = (await page.locator('#banner').boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(PORTRAIT.width);
    expect(box.width).toBeGreaterThan(0.8 * PORTRAIT.width);
  });
});

describe('the end of a file, watched together', () => {
  it('a page left at the end joins when another page replays the file: no "ended" banner or replay button over a timeline that plays', async () => {
    // Both pages join at once, so a short clip (4 s) still has them both watching before its end (one
    // joining after it would replay the file: the test would still pass, a pass of the clip later).
    const clip = await clips.end;
    const server = await serve([clip]);
    const [a, b] = await Promise.all([open(server, '?renderer=2d'), open(server, '?renderer=2d')]);
    const ended = async (p: Page): Promise<boolean> => (await pageState(p)).link === 'ended';
    await until('both pages at the end', async () => ((await ended(a.page)) && (await ended(b.page)) ? true : null), 20_000);
    await a.page.locator('#play').click();
    await playing(a.page);
    const s = await until('the other page playing again', async () => {
      const state = await pageState(b.page);
      return state.link === 'open' && state.timeline === 'PLAYING' ? state : null;
    }, 8000);
    expect(s.inits).toBe(2);
    expect((await pageNotices(b.page)).banner).toBeNull();
    expect(await b.page.locator('#play').textContent()).toBe('pause');
    expect(a.errors).toEqual([]);
    expect(b.errors).toEqual([]);
  }, 60_000);
});

describe('keys', () => {
  it('Space and Enter on a button reached with Tab press it, and do not pause the picture', async () => {
    const { page, errors } = await open(demo, '?renderer=2d');
    await playing(page);
    await until('sound available', async () => (await pageState(page)).audio === 'available');
    await page.focus('#sound'); // as Tab leaves it: focused, not clicked
    await page.keyboard.press(' ');
    await until('the sound on', async () => (await page.locator('#sound').getAttribute('aria-pressed')) === 'true');
    await page.focus('#sound');
    await page.keyboard.press('Enter');
    await until('the sound off', async () => (await page.locator('#sound').getAttribute('aria-pressed')) === 'false');
    expect((await getJson(`${demo.url}/healthz`))['paused']).toBe(false);
    expect((await pageState(page)).paused).toBe(false);
    expect(errors).toEqual([]);
  });
});

describe('the seek bar', () => {
  it('a click on the thumb that moves nothing gives the keys back to the page: Space pauses', async () => {
    const { page, errors } = await open(demo, '?renderer=2d');
    await playing(page);
    const box = (await page.locator('#seek').boundingBox())!;
    const bar = await page.locator('#seek').evaluate((el: HTMLInputElement) => ({ value: Number(el.value), max: Number(el.max) }));
    // On the thumb (16 px wide): the value stays, so no 'change' comes to blur the bar.
    await page.mouse.click(box.x + 8 + ((box.width - 16) * bar.value) / bar.max, box.y + box.height / 2);
    await until('the bar let go of the keys', async () => (await page.evaluate(() => document.activeElement?.id)) !== 'seek');
    await page.keyboard.press(' ');
    await until('paused', async () => ((await pageState(page)).paused ? true : null), 5000);
    await page.keyboard.press(' ');
    await until('playing again', async () => ((await pageState(page)).paused ? null : true), 5000);
    expect(errors).toEqual([]);
  });

  it('a drag released where it began seeks nowhere, and the bar and time follow the picture again', async () => {
    const clip = await clips.scrub;
    const server = await serve([clip, '--loop']);
    const { page, errors } = await open(server, '?renderer=2d');
    await playing(page);
    const box = (await page.locator('#seek').boundingBox())!;
    const y = box.y + box.height / 2;
    const at = Number(await page.locator('#seek').inputValue());
    const x = box.x + 8 + ((box.width - 16) * at) / 6;
    // Pressed on the thumb, dragged away and back to where it was, released: Chromium sends no 'change'.
    await page.mouse.move(x, y);
    await page.mouse.down();
    await page.mouse.move(x + 80, y, { steps: 5 });
    await page.mouse.move(box.x - 20, y, { steps: 5 });
    await page.mouse.move(x, y, { steps: 5 });
    await page.mouse.up();
    const time = async (): Promise<string> => (await page.locator('#time').textContent()) ?? '';
    const shown = await time();
    await until('the time moving on', async () => ((await time()) !== shown ? true : null), 5000);
    const bar = Number(await page.locator('#seek').inputValue());
    await until('the bar moving on', async () => (Number(await page.locator('#seek').inputValue()) !== bar ? true : null), 5000);
    // A drag released elsewhere still seeks there.
    await page.locator('#play').click();
    await until('paused', async () => ((await pageState(page)).paused ? true : null));
    const now = Number(await page.locator('#seek').inputValue());
    await page.mouse.move(box.x + 8 + ((box.width - 16) * now) / 6, y);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.9, y, { steps: 5 });
    await page.mouse.up();
    await until('the server at the drag\'s end', async () => {
      const position = (await getJson(`${server.url}/healthz`))['position'] as number;
      return position > 4.5 ? true : null;
    });
    expect(errors).toEqual([]);
  });
});

describe('a reconnect', () => {
  it('the time and the bar go to where the new STATUS says at once, not stay at the old picture\'s moment until a frame comes', async () => {
    const server = await serve([await clips.clock, '--loop']);
    const { page, errors } = await open(server, '?renderer=2d');
    await playing(page);
    const port = Number(new URL(server.url).port);
    const exited = new Promise((r) => server.proc.once('exit', r));
    server.proc.kill('SIGKILL');
    await exited;
    // The server the page reaches next is slow to send its first frame (busy, or its decoder
    // starting at a seek): INIT and STATUS come at once, the frame later; here never.
    const wss = new WebSocketServer({ host: '127.0.0.1', port });
    wss.on('connection', (ws) => {
      ws.send(encodeInit({ fps: 30, mode: 5, cols: 80, rows: 20, pixel: false, duration: 60, startSec: 42.5, live: false, style: 'mosaic', palette: 'rgb', camera: 'flat' }));
      ws.send(encodeStatus({ code: 'PLAYING', position: 42.5 }));
    });
    try {
      const time = async (): Promise<string> => (await page.locator('#time').textContent()) ?? '';
      await until('the new time', async () => (await time()) === '00:42 / 01:00', 10_000);
      // And it stays there: the readouts (4 a second) went back to the old frame's moment at once.
      await new Promise((r) => setTimeout(r, 1000));
      expect(await time()).toBe('00:42 / 01:00');
      // A zoom (a new devicePixelRatio) repaints the old picture with new cells: a repaint, not this link's first frame.
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Emulation.setDeviceMetricsOverride', { width: VIEWPORT.width, height: VIEWPORT.height, deviceScaleFactor: 2, mobile: false });
      await new Promise((r) => setTimeout(r, 1000));
      expect(await time()).toBe('00:42 / 01:00');
      expect(Number(await page.locator('#seek').inputValue())).toBeCloseTo(42.5, 1);
      expect((await pageState(page)).inits).toBe(2);
    } finally {
      for (const c of wss.clients) c.terminate();
      await new Promise((r) => wss.close(r));
    }
    expect(errors.filter((e) => !/WebSocket connection to .* failed|ERR_CONNECTION_REFUSED/.test(e))).toEqual([]);
  });
});

describe('the source\'s shape', () => {
  const STRETCHED = /^not shaped as a 360° panorama: /;

  it('a 16:9 video: one notice says it is not shaped as a 360° panorama and is shown stretched; a 2:1 source has none', async () => {
    const server = await serve([await clips.wide, '--loop']);
    const wide = await open(server, '?renderer=2d');
    const told = await until('the notice', async () => {
      const toasts = (await pageNotices(wide.page)).toasts.filter((t) => STRETCHED.test(t));
      return toasts.length > 0 ? toasts : null;
    }, 10_000);
    expect(told).toHaveLength(1);
    // Said once: a second notice (another INIT, a repeated ask) would come within a second.
    await new Promise((r) => setTimeout(r, 1000));
    expect((await pageNotices(wide.page)).toasts.filter((t) => STRETCHED.test(t))).toHaveLength(1);
    const toast = told[0];
    // The server's words (its log's, /healthz format.stretched), after a line the page's viewer can read.
    expect(toast).toBe("not shaped as a 360° panorama: 320x180 is not equirect's 2.00:1: stretched (no metadata says what it is); no known 360 layout has this shape");
    await playing(wide.page);
    expect(wide.errors).toEqual([]);

    // The demo is 2:1: nothing for the page to say.
    expect(((await getJson(`${demo.url}/healthz`))['format'] as { stretched: unknown }).stretched).toBeNull();
  });
});
