/**
 * The browser page's controls, rendering and notices end to end: the real CLI serves a generated
 * clip, a photo and a short clip without --loop; headless Chromium (playwright-core, Debian's
 * /usr/bin/chromium) loads the page. The page's `window.ascii360` probe
 * (src/client/browser/page-probe.ts) tells what it received and painted; the canvas is compared
 * with the frames through screenshots; /healthz tells what the server was asked for. Nothing here
 * is timed against the sound (that is test/browser.e2e.test.ts, which runs alone), so these run
 * beside other files. Everything talks to loopback only; every wait is bounded.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PageProbe, ProbeFrame } from '../src/client/browser/page-probe.js';
import { canvasAndFrame, launchChromium, openPage, pageNotices, paintedFrame, pageState, playing, px, until, type OpenPage, type Raw } from './helpers/browser.js';
import { makeClip, makeClipAsync, mediaQueue, tempDir } from './helpers/media.js';
import { getJson, newestView, startCli, TestViewer, type CliServer } from './helpers/server.js';

const ARTIFACTS = join(process.cwd(), 'test-artifacts');
const VIEWPORT = { width: 1100, height: 620 };

const tmp = tempDir('ascii360-controls-');
let browser: Browser;
let video: CliServer;
let still: CliServer;
let stillArgs: string[];
let short: CliServer;

/** An equirectangular photo: red left half, blue right half, a white band around the horizon. */
async function makePhoto(path: string): Promise<string> {
  const w = 512;
  const h = 256;
  const rgb = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) rgb.set(Math.abs(y - h / 2) < 12 ? [240, 240, 240] : x < w / 2 ? [220, 40, 40] : [40, 40, 220], (y * w + x) * 3);
  }
  await sharp(rgb, { raw: { width: w, height: h, channels: 3 } }).png().toFile(path);
  return path;
}

const media = mediaQueue();
/** Clips only some tests play: made in the background while the first tests run. */
let together: Promise<string>;
let shortTone: Promise<string>;

beforeAll(async () => {
  // Chromium starts while ffmpeg makes the clips.
  const launching = launchChromium();
  const clip = makeClip(join(tmp.dir, 'clip.mp4'), { seconds: 4 });
  const shortClip = makeClip(join(tmp.dir, 'short.mp4'), { seconds: 2 });
  stillArgs = [await makePhoto(join(tmp.dir, 'photo.png')), '--log-level', 'warn'];
  [browser, video, still, short] = await Promise.all([
    launching,
    startCli([clip, '--loop', '--log-level', 'warn']),
    startCli(stillArgs),
    startCli([shortClip, '--log-level', 'warn']),
  ]);
  together = media.add(() => makeClipAsync(join(tmp.dir, 'together.mp4'), { seconds: 6 }));
  shortTone = media.add(() => makeClipAsync(join(tmp.dir, 'short-tone.mp4'), { seconds: 5, toneHz: 440 }));
});

afterAll(async () => {
  await browser?.close();
  await Promise.all([video?.stop(), still?.stop(), short?.stop()]);
  await media.settled();
  tmp.cleanup();
});

const pages: Page[] = [];

afterEach(async () => {
  for (const p of pages.splice(0)) await p.close();
});

async function open(server: CliServer, query = '', viewport = VIEWPORT, hasTouch = false): Promise<OpenPage> {
  const opened = await openPage(browser, `${server.url}/${query}`, { viewport, hasTouch });
  pages.push(opened.page);
  return opened;
}

const state = pageState;
const painted = paintedFrame;

const serverView = newestView;



/**
 * Share of lit cells whose brightest canvas pixel is the cell's colour times one glyph coverage
 * (a character drawn in its colour on black). `permute` rotates the expected channels: a control
 * that must score low, so the check can fail.
 */
function cellMatch(frame: ProbeFrame, image: Raw, permute = false): { rate: number; lit: number } {
  const cw = image.width / frame.cols;
  const ch = image.height / frame.rows;
  let lit = 0;
  let ok = 0;
  for (let cy = 0; cy < frame.rows; cy++) {
    for (let cx = 0; cx < frame.cols; cx++) {
      const o = (cy * frame.cols + cx) * 4;
      let rgb = [frame.bytes[o + 1]!, frame.bytes[o + 2]!, frame.bytes[o + 3]!];
      if (permute) rgb = [rgb[1]!, rgb[2]!, rgb[0]!];
      const sum = rgb[0]! + rgb[1]! + rgb[2]!;
      // Dim cells are drawn with thin glyphs (the ramp): judge the ones with solid strokes.
      if (frame.bytes[o] === 32 || sum < 240) continue;
      lit++;
      let best: [number, number, number] = [0, 0, 0];
      for (let y = Math.round(cy * ch); y < Math.round((cy + 1) * ch); y++) {
        for (let x = Math.round(cx * cw); x < Math.round((cx + 1) * cw); x++) {
          const p = px(image, x, y);
          if (p[0] + p[1] + p[2] > best[0] + best[1] + best[2]) best = p;
        }
      }
      const k = (best[0] + best[1] + best[2]) / sum;
      if (k >= 0.6 && k <= 1.02 && best.every((v, c) => Math.abs(v - rgb[c]! * k) <= 10)) ok++;
    }
  }
  return { rate: lit ? ok / lit : 0, lit };
}

/** Share of half-block pixels whose rectangle's centre has exactly the pixel's colour (±2). */
function blockMatch(frame: ProbeFrame, image: Raw): number {
  const bw = image.width / frame.cols;
  const bh = image.height / frame.rows; // frame.rows are pixel rows here
  let ok = 0;
  for (let y = 0; y < frame.rows; y++) {
    for (let x = 0; x < frame.cols; x++) {
      const o = (y * frame.cols + x) * 3;
      const p = px(image, Math.floor((x + 0.5) * bw), Math.floor((y + 0.5) * bh));
      if (Math.abs(p[0] - frame.bytes[o + 2]!) <= 2 && Math.abs(p[1] - frame.bytes[o + 1]!) <= 2 && Math.abs(p[2] - frame.bytes[o]!) <= 2) ok++;
    }
  }
  return ok / (frame.cols * frame.rows);
}

describe('page and modules', () => {
  it('GET / is the page, which loads the built client from /app/', async () => {
    const page = await fetch(`${video.url}/`, { signal: AbortSignal.timeout(5000) });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('<script type="module" src="/app/src/client/browser/main.js">');
    expect(html).not.toMatch(/https?:\/\/(?!127\.)/); // nothing from a CDN
    const main = await fetch(`${video.url}/app/src/client/browser/main.js`, { signal: AbortSignal.timeout(5000) });
    expect(main.status).toBe(200);
    expect(main.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await main.text()).toContain("from '../../../protocol/index.js'");
  });

  it('asks for coded frames (codec=tagged) unless the URL says ?codec=raw', async () => {
    // The two pages at once (one after the other took 2–3 s more).
    await Promise.all((([['', 'tagged'], ['?codec=raw', 'raw']]) as const).map(async ([query, want]) => {
      const page = await browser.newPage({ viewport: VIEWPORT });
      pages.push(page);
      const sockets: string[] = [];
      page.on('websocket', (ws) => sockets.push(ws.url()));
      await page.goto(`${video.url}/${query}`, { timeout: 15_000 });
      await playing(page);
      expect(new URL(sockets[0]!).searchParams.get('codec'), query).toBe(want);
    }));
  });
});

describe('rendering', () => {
  // A view of testsrc2 with many colours and edges (the centre at yaw 0 is two flat bars).
  it.each([
    ['webgl2', '?renderer=webgl2&style=ramp&yaw=150&pitch=20&fov=110'],
    ['2d', '?renderer=2d&style=ramp&yaw=150&pitch=20&fov=110'],
  ] as const)('%s: the canvas shows the frames in their colours, ramp and half blocks', async (kind, query) => {
    const { page, errors } = await open(video, query);
    const s = await playing(page);
    expect(s.renderer).toBe(kind);
    expect(s.init).toMatchObject({ cols: s.grid.cols, rows: s.grid.rows, pixel: false, duration: 4, live: false });
    expect(s.cell.aspect).toBeCloseTo(s.cell.width / s.cell.height, 3);
    const server = await serverView(video);
    expect(server).toMatchObject({ cols: s.grid.cols, rows: s.grid.rows, pixel: false });

    const { frame, image } = await canvasAndFrame(page);
    expect(frame.kind).toBe('cells');
    expect([image.width, image.height]).toEqual([frame.cols * s.cell.width, frame.rows * s.cell.height]);
    const real = cellMatch(frame, image);
    const control = cellMatch(frame, image, true);
    expect(real.lit).toBeGreaterThan(frame.cols * frame.rows * 0.2);
    expect(real.rate).toBeGreaterThan(0.9);
    expect(control.rate).toBeLessThan(real.rate - 0.3);
    if (kind === 'webgl2') {
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'browser.png') });
    }

    // b: half blocks, pixel frames, each pixel a rectangle half a cell tall.
    await page.keyboard.press('b');
    await until('blocks INIT', async () => (await state(page)).init?.pixel === true);
    await until('a pixel frame painted', async () => (await painted(page))?.kind === 'pixels');
    expect(await serverView(video)).toMatchObject({ pixel: true });
    const blocks = await canvasAndFrame(page);
    expect(blocks.frame.rows).toBe(2 * s.grid.rows);
    expect(blockMatch(blocks.frame, blocks.image)).toBeGreaterThan(0.98);
    if (kind === 'webgl2') await page.screenshot({ path: join(ARTIFACTS, 'browser-blocks.png') });
    expect(errors).toEqual([]);
  });

  it('auto picks WebGL2 on a GPU and the 2D renderer on a software rasteriser', async () => {
    const { page, errors } = await open(video);
    const s = await playing(page, 1);
    const gl = await page.evaluate(() => {
      const c = document.createElement('canvas').getContext('webgl2');
      const info = c?.getExtension('WEBGL_debug_renderer_info');
      return c ? String(c.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : c.RENDERER)) : 'none';
    });
    expect(gl).not.toBe('none'); // WebGL2 works in this Chromium (the webgl2 case above used it)
    expect(s.renderer).toBe(/swiftshader|llvmpipe/i.test(gl) ? '2d' : 'webgl2');
    expect(errors).toEqual([]);
  });

  it('mode 1 frames are text, drawn in grey; m cycles the mode', async () => {
    const { page, errors } = await open(video, '?renderer=webgl2');
    await playing(page);
    await page.keyboard.press('m');
    await until('mode 4', async () => (await state(page)).init?.mode === 4);
    expect(await serverView(video)).toMatchObject({ mode: 4 });
    await page.selectOption('#mode', '1');
    await until('a text frame painted', async () => (await painted(page))?.kind === 'text');
    // The readout names what is drawn, text, not the style asked for (mosaic), as the terminal's status line does.
    await until('the readout saying text', async () => / text$/.test((await page.locator('#view').textContent()) ?? ''));
    const { frame, image } = await canvasAndFrame(page);
    expect(frame.lines.length).toBe(frame.rows);
    let lit = 0;
    let grey = 0;
    for (let i = 0; i < image.width * image.height; i++) {
      const [r, g, b] = px(image, i % image.width, Math.floor(i / image.width));
      if (r + g + b < 30) continue;
      lit++;
      if (Math.abs(r - g) <= 1 && Math.abs(g - b) <= 1) grey++;
    }
    expect(lit).toBeGreaterThan(1000);
    expect(grey).toBe(lit);
    expect(errors).toEqual([]);
  });
});

describe('input', () => {
  it('keys and the wheel: Right turns right, + and wheel zoom, E rolls, r resets', async () => {
    const { page, errors } = await open(video, '?renderer=2d');
    await playing(page);
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await until('yaw > 0 at the server', async () => ((await serverView(video))?.yaw ?? 0) > 10);
    await page.keyboard.type('+');
    await page.keyboard.press('e');
    await until('zoom and roll at the server', async () => {
      const v = await serverView(video);
      return v && v.fov < 90 && v.roll > 0;
    });
    const box = (await page.locator('#stage').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    const before = (await state(page)).view.fov;
    await page.mouse.wheel(0, 400);
    await until('wheel zoom out', async () => ((await serverView(video))?.fov ?? 0) > before + 10);
    await page.keyboard.press('r');
    await until('reset view', async () => {
      const v = await serverView(video);
      return v && v.yaw === 0 && v.pitch === 0 && v.roll === 0 && v.fov === 90;
    });
    await page.keyboard.type('?');
    expect(await page.locator('#help').isVisible()).toBe(true);
    // In a small window the whole box stays on screen and what does not fit scrolls.
    const viewport = page.viewportSize()!;
    await page.setViewportSize({ width: 500, height: 400 });
    const help = (await page.locator('#help').boundingBox())!;
    expect(help.y).toBeGreaterThanOrEqual(0);
    expect(help.y + help.height).toBeLessThanOrEqual(400);
    expect(await page.locator('#help').evaluate((el) => el.scrollHeight > el.clientHeight && getComputedStyle(el).overflowY === 'auto')).toBe(true);
    // At a phone's width a wrapped description stays in its own column, right of every key.
    await page.setViewportSize({ width: 320, height: 480 });
    const columns = await page.locator('#help-text').evaluate((el) => {
      const keys = [...el.querySelectorAll('.keys')].map((k) => k.getBoundingClientRect());
      const descriptions = [...el.children].filter((c) => !c.classList.contains('keys')).map((d) => d.getBoundingClientRect());
      return { keysRight: Math.max(...keys.map((r) => r.right)), descriptionsLeft: Math.min(...descriptions.map((r) => r.left)), wrapped: descriptions.some((r) => r.height > 25) };
    });
    expect(columns.descriptionsLeft).toBeGreaterThan(columns.keysRight);
    expect(columns.wrapped).toBe(true);
    await page.setViewportSize(viewport);
    await page.keyboard.press('x');
    expect(await page.locator('#help').isVisible()).toBe(false);
    expect(errors).toEqual([]);
  });

  it('touch: two fingers pinch-zoom, one finger drags', async () => {
    const { page, errors } = await open(video, '?renderer=2d', VIEWPORT, true);
    await playing(page);
    const cdp = await page.context().newCDPSession(page);
    const touch = (type: 'touchStart' | 'touchMove' | 'touchEnd', touchPoints: { x: number; y: number; id: number }[]): Promise<unknown> => cdp.send('Input.dispatchTouchEvent', { type, touchPoints });
    const box = (await page.locator('#stage').boundingBox())!;
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    const fingers = (d: number) => [{ x: cx - d, y: cy, id: 1 }, { x: cx + d, y: cy, id: 2 }];
    await touch('touchStart', fingers(60));
    for (let d = 70; d <= 120; d += 10) await touch('touchMove', fingers(d));
    await touch('touchEnd', []);
    // Fingers twice as far apart: half the field of view.
    await until('pinch zoom at the server', async () => {
      const v = await serverView(video);
      return v && Math.abs(v.fov - 45) < 0.5;
    });
    await touch('touchStart', [{ x: cx, y: cy, id: 3 }]);
    for (let x = cx; x <= cx + 200; x += 25) await touch('touchMove', [{ x, y: cy, id: 3 }]);
    await page.waitForTimeout(150);
    await touch('touchEnd', []);
    await until('touch drag at the server', async () => ((await serverView(video))?.yaw ?? 0) < -5);
    await cdp.detach();
    expect(errors).toEqual([]);
  });

  it('gyro: on a touch device the view follows the device\'s orientation, yaw from where it was, pitch and roll the device\'s', async () => {
    const { page, errors } = await open(video, '?renderer=2d', VIEWPORT, true);
    await playing(page);
    // Somewhere off the start: two turns right, one up (7.5° each at FOV 90).
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowUp');
    await until('the keys\' view at the server', async () => (await serverView(video))?.yaw === 15);
    expect(await page.locator('#gyro').isVisible()).toBe(true);
    // The sensor, driven through the DevTools protocol: Chromium sends the override as
    // deviceorientation events, at once to a listener added after it and then on every change
    // (tried on a scratch page first: headless Chromium 156 delivers them, and its
    // DeviceOrientationEvent.requestPermission grants at once).
    const cdp = await page.context().newCDPSession(page);
    const device = (alpha: number, beta: number, gamma: number): Promise<unknown> => cdp.send('DeviceOrientation.setDeviceOrientationOverride', { alpha, beta, gamma });
    /** The view at the server reaches (yaw, pitch, roll), to a tenth of a degree. */
    const follows = async (what: string, yaw: number, pitch: number, roll: number): Promise<void> => {
      let last = null as { yaw: number; pitch: number; roll: number } | null;
      await until(what, async () => {
        last = await serverView(video);
        return last && Math.abs(last.yaw - yaw) < 0.1 && Math.abs(last.pitch - pitch) < 0.1 && Math.abs(last.roll - roll) < 0.1;
      }).catch((e: Error) => {
        throw new Error(`${e.message}: the server's view was ${JSON.stringify(last && { yaw: last.yaw, pitch: last.pitch, roll: last.roll })}, not ${JSON.stringify({ yaw, pitch, roll })}`);
      });
    };
    await device(0, 90, 0); // upright, portrait
    await page.click('#gyro');
    // On once the permission (Chromium grants it, after a round trip) is answered.
    await until('the button pressed', async () => (await page.locator('#gyro').getAttribute('aria-pressed')) === 'true');
    // On: the yaw stays, the device's horizon takes pitch (the keys had it at 7.5).
    await follows('upright: the horizon, yaw kept', 15, 0, 0);
    expect((await state(page)).gyro).toBe(true);
    await device(0, 60, 0); // tipped back by 30°
    await follows('beta 60: looking 30° down', 15, -30, 0);
    await device(30, 90, 0); // upright, turned left by 30°
    await follows('alpha +30: yaw 30° less', -15, 0, 0);
    await device(90, 70, -90); // upright facing as at first, turned counter-clockwise by 20° about the screen's normal
    await follows('tilted sideways: rolled', 15, 0, -20);
    // A drag still turns, as an offset to the device's yaw; the device keeps the pitch.
    const box = (await page.locator('#stage').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    for (let i = 1; i <= 10; i++) await page.mouse.move(box.x + box.width / 2 - i * 40, box.y + box.height / 2 - i * 10);
    await page.waitForTimeout(150); // held still before release: no inertia
    await page.mouse.up();
    const dragged = (await until('the drag at the server', async () => {
      const v = await serverView(video);
      return v && v.yaw > 25 && v;
    }))!;
    expect(dragged.pitch).toBeCloseTo(0, 1);
    const offset = (await state(page)).view.yaw - 15;
    await device(0, 60, 0);
    await follows('the dragged offset kept', 15 + offset, -30, 0);
    // Landscape: the screen turned a quarter (angle 90), the device upright with its top to the left.
    await cdp.send('Emulation.setDeviceMetricsOverride', { ...VIEWPORT, deviceScaleFactor: 1, mobile: false, screenOrientation: { type: 'landscapePrimary', angle: 90 } });
    expect(await page.evaluate(() => screen.orientation.angle)).toBe(90);
    await device(90, 0, -90);
    await follows('landscape upright: the horizon, level', 15 + offset, 0, 0);
    // Off: the view stays, and the device moves it no more.
    await page.click('#gyro');
    expect((await state(page)).gyro).toBe(false);
    expect(await page.locator('#gyro').getAttribute('aria-pressed')).toBe('false');
    await device(0, 30, 40);
    await page.waitForTimeout(300);
    const after = (await serverView(video))!;
    expect(after.yaw).toBeCloseTo(15 + offset, 1);
    expect([after.pitch, after.roll]).toEqual([0, 0]);
    await cdp.detach();
    expect(errors).toEqual([]);
  });

  it('gyro: no button without touch (a desktop has the API but no sensor); a device that sends no angles turns it off with a notice', async () => {
    // The two pages at once (one after the other took 1.5–2 s more).
    const desktop = async (): Promise<void> => {
      const { page } = await open(still);
      await playing(page, 1);
      expect(await page.evaluate(() => 'DeviceOrientationEvent' in window)).toBe(true);
      expect(await page.locator('#gyro').isHidden()).toBe(true);
    };
    const touch = async (): Promise<void> => {
      // With touch and no sensor override, Chromium sends one event of nulls and nothing more.
      const { page, errors } = await open(still, '', VIEWPORT, true);
      await playing(page, 1);
      await page.click('#gyro');
      // The notice comes only from device look's own timer, so it went on first (on a loaded machine
      // it may be off again before a probe read could see it on).
      await until('the notice', async () => (await pageNotices(page)).toasts.includes('this device gives no orientation: the view stays where you drag it'), 5000);
      expect((await state(page)).gyro).toBe(false);
      expect(await page.locator('#gyro').getAttribute('aria-pressed')).toBe('false');
      expect(errors).toEqual([]);
    };
    await Promise.all([desktop(), touch()]);
  });

  it('a smaller window gives a smaller grid: a resize, a new INIT', async () => {
    const { page, errors } = await open(video, '?renderer=2d');
    const first = await playing(page);
    await page.setViewportSize({ width: 700, height: 400 });
    const after = await until('a new INIT with the new grid', async () => {
      const s = await state(page);
      return s.inits > first.inits && s.init?.cols === s.grid.cols && s.init.rows === s.grid.rows ? s : null;
    });
    expect(after.grid.cols).toBeLessThan(first.grid.cols);
    expect(after.grid.rows).toBeLessThan(first.grid.rows);
    await until('the server to have the grid', async () => {
      const v = await serverView(video);
      return v && v.cols === after.grid.cols && v.rows === after.grid.rows;
    });
    expect(errors).toEqual([]);
  });

  it('every control on the bar is whole on screen at common window widths (the readouts give way)', async () => {
    const { page, errors } = await open(video, '?renderer=2d', { width: 1280, height: 720 });
    await playing(page);
    await until('the view readout', async () => ((await page.locator('#view').textContent()) ?? '').length > 0);
    for (const width of [1280, 1120, 900, 700]) {
      await page.setViewportSize({ width, height: 720 });
      const cut = await page.evaluate((w) => {
        const controls = [...document.querySelectorAll<HTMLElement>('#bar > button, #bar > select')].filter((e) => getComputedStyle(e).display !== 'none');
        return controls.filter((e) => e.getBoundingClientRect().right > w + 0.5).map((e) => e.id);
      }, width);
      expect(cut, `width ${width}`).toEqual([]);
    }
    expect(errors).toEqual([]);
  });

  it('space pauses and resumes the timeline; the bar shows position / duration; a digit jumps to its tenth of the file', async () => {
    const { page, errors } = await open(video, '?renderer=2d');
    await playing(page);
    await until('the time readout', async () => /^\d\d:\d\d \/ 00:04$/.test((await page.locator('#time').textContent()) ?? ''));
    await page.keyboard.press(' ');
    await until('paused at the server', async () => (await getJson(`${video.url}/healthz`))['paused'] === true);
    // The button follows the server's STATUS:PAUSED, which is on its way.
    await until('the play button', async () => (await page.locator('#play').textContent()) === 'play');
    // 5: half of the 4 s file; paused, the time and the bar go where the server's STATUS says.
    await page.keyboard.press('5');
    await until('the server at 2 s', async () => (await getJson(`${video.url}/healthz`))['position'] === 2);
    await until('the time at 2 s', async () => (await page.locator('#time').textContent()) === '00:02 / 00:04');
    expect(Number(await page.locator('#seek').inputValue())).toBeCloseTo(2, 1);
    await page.keyboard.press(' ');
    await until('playing again', async () => (await getJson(`${video.url}/healthz`))['paused'] === false);
    expect(errors).toEqual([]);
  });
});

describe('notices and connection', () => {
  it('a server Error: shows a notice; a photo shows "still"', async () => {
    const { page, errors } = await open(still, '?renderer=2d');
    await playing(page, 1);
    expect(await page.locator('#time').textContent()).toBe('still');
    // Its play button, off, names the photo; it offered a pause of a picture that cannot move.
    expect(await page.locator('#play').textContent()).toBe('photo');
    expect(await page.locator('#play').isEnabled()).toBe(false);
    await page.keyboard.type(']');
    await expect.poll(() => page.locator('.toast').allTextContents(), { timeout: 5000 }).toContain('server: seek is not possible on a still photo');
    expect((await state(page)).link).toBe('open'); // the notice does not end the session
    expect(errors).toEqual([]);
  });

  it('a dropped connection shows a notice and reconnects with the same view', async () => {
    const { page, errors } = await open(video, '?renderer=2d');
    await playing(page);
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowUp');
    const view = (await state(page)).view;
    const inits = (await state(page)).inits;
    await page.evaluate(() => (globalThis as unknown as { ascii360: PageProbe }).ascii360.drop());
    await until('the lost-connection notice', async () => /connection lost/.test((await page.locator('#banner').textContent()) ?? ''));
    const back = await until('reconnected', async () => {
      const s = await state(page);
      return s.link === 'open' && s.inits > inits ? s : null;
    });
    expect(back.view).toEqual(view);
    expect(await page.locator('#banner').isVisible()).toBe(false);
    const v = await until('the server to have the view', async () => {
      const sv = await serverView(video);
      return sv && Math.abs(sv.yaw - view.yaw) < 0.02 ? sv : null;
    });
    expect(v.pitch).toBeCloseTo(view.pitch, 1);
    expect(errors).toEqual([]);
  });

  it('the page shows a pause someone else made (the server\'s STATUS, not a guess), and ENDED at the end', async () => {
    // Long enough (6 s) that the other viewer's pause comes before the end: the page joins first and
    // the server plays from its start; the pause came at 1.0 s with the machine's load at 18 on 2 cores.
    const server = await startCli([await together, '--log-level', 'warn']);
    let other: TestViewer | undefined;
    try {
      // The page joins first: the first viewer starts the source.
      const { page, errors } = await open(server, '?renderer=2d');
      await playing(page);
      const viewer = other = new TestViewer(`${server.wsUrl}?cols=20&rows=6`);
      expect((await state(page)).timeline).toBe('PLAYING');
      await viewer.until(() => viewer.frames.length >= 1, 'the other viewer\'s frames');
      viewer.send({ type: 'pause', paused: true });
      await until('the pause shown', async () => (await state(page)).paused);
      expect(await page.locator('#play').textContent()).toBe('play');
      // Pressing play asks the server; the button follows its answer.
      await page.keyboard.press(' ');
      await until('playing again', async () => (await state(page)).timeline === 'PLAYING');
      expect(await page.locator('#play').textContent()).toBe('pause');
      await until('ENDED', async () => (await state(page)).timeline === 'ENDED', 25_000);
      await until('the ended banner', async () => /ended/.test((await page.locator('#banner').textContent()) ?? ''));
      expect(errors).toEqual([]);
    } finally {
      other?.close();
      await server.stop();
    }
  });

  it('a page that names no direction starts at the photo\'s GPano initial view, and turns from there', async () => {
    const xmp = '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:GPano="http://ns.google.com/photos/1.0/panorama/"' +
      ' GPano:ProjectionType="equirectangular" GPano:InitialViewHeadingDegrees="-120" GPano:InitialViewPitchDegrees="20" GPano:InitialHorizontalFOVDegrees="75"/></rdf:RDF></x:xmpmeta>';
    const path = join(tmp.dir, 'initial.jpg');
    await sharp(await makePhoto(join(tmp.dir, 'initial.png'))).jpeg().withXmp(xmp).toFile(path);
    const server = await startCli([path, '--log-level', 'warn']);
    try {
      const { page, errors } = await open(server, '?renderer=2d');
      const s = await playing(page, 1);
      expect(s.view).toMatchObject({ yaw: -120, pitch: 20, fov: 75 });
      await page.keyboard.press('ArrowRight');
      const v = await until('the turned view at the server', async () => {
        const sv = await serverView(server);
        return sv && sv.yaw > -120 && sv.yaw < -110 ? sv : null;
      });
      expect(v.pitch).toBeCloseTo(20, 5);
      expect(errors).toEqual([]);
    } finally {
      await server.stop();
    }
  });

  it('a server that goes away and comes back: notice, reconnect with backoff, view restored', async () => {
    const { page, errors } = await open(still, '?renderer=2d&yaw=-60');
    await playing(page, 1);
    const port = new URL(still.url).port;
    await still.stop();
    await until('the lost-connection notice', async () => /connection lost|reconnecting/.test((await page.locator('#banner').textContent()) ?? ''));
    expect(await page.locator('#banner').isVisible()).toBe(true);
    // At the backoff's cap the banner counts the 4 s down to the next try.
    const banner = async (): Promise<string> => (await page.locator('#banner-text').textContent()) ?? '';
    await until('a try 4 s away', async () => /: reconnecting in 4 s$/.test(await banner()), 15_000);
    await until('the countdown moving', async () => /: reconnecting in [1-3] s$/.test(await banner()), 3000);
    still = await startCli([...stillArgs, '--port', port]);
    await until('reconnected', async () => (await state(page)).link === 'open', 15_000);
    expect(await page.locator('#banner').isVisible()).toBe(false);
    expect(await serverView(still)).toMatchObject({ yaw: -60 });
    // While the server was down Chromium logged each failed connection attempt itself: the
    // socket's, and that of the request asking why it failed (connection.ts accessRefusal).
    expect(errors.filter((e) => !/WebSocket connection to .* failed|Failed to load resource: net::ERR_CONNECTION_REFUSED/.test(e))).toEqual([]);
  });

  it('the end of a non-looping file shows "ended", the bar and its label at the end, and replay starts it again', async () => {
    const { page, errors } = await open(short, '?renderer=2d');
    // Read in one go with the timeline, so that the label is the one shown as STATUS:ENDED arrives.
    const end = await until('STATUS:ENDED', async () => {
      const seen = await page.evaluate(() => {
        const seek = document.getElementById('seek') as HTMLInputElement;
        const { timeline, init } = (globalThis as unknown as { ascii360: PageProbe }).ascii360.state();
        return { timeline, duration: init?.duration, label: document.getElementById('time')!.textContent, value: Number(seek.value), max: Number(seek.max) };
      });
      return seen.timeline === 'ENDED' ? seen : null;
    }, 15_000);
    // The 2 s clip's last frame starts at 1.967 s: by it, the label said 00:01 / 00:02 beside a full bar.
    expect(end.duration).toBeGreaterThanOrEqual(2);
    expect(end.label).toMatch(/^(\d\d:\d\d) \/ \1$/);
    expect(end.value).toBe(end.max);
    await until('ended', async () => (await state(page)).link === 'ended', 15_000);
    expect(await page.locator('#time').textContent()).toBe(end.label);
    expect(await page.locator('#banner-text').textContent()).toBe('ended');
    // It played before it ended; how many frames a starved machine paints in 2 s is not the point.
    const { shown, received } = await state(page);
    expect(shown).toBeGreaterThan(0);
    expect(received).toBeGreaterThanOrEqual(shown);
    // The bar still seeks: the file starts again there (the server had closed the link at the end).
    const before = await state(page);
    await page.locator('#seek').evaluate((el: HTMLInputElement) => {
      el.value = '1';
      el.dispatchEvent(new Event('input', { bubbles: true }));
      el.dispatchEvent(new Event('change', { bubbles: true }));
    });
    await until('a new INIT (the replay)', async () => (await state(page)).inits > before.inits, 15_000);
    await until('ended again', async () => (await state(page)).link === 'ended', 15_000);
    // From 1 s to the end of the 2 s clip: about 30 frames, where a replay from the start sends about 60.
    const replayed = (await state(page)).received - before.received;
    expect(replayed).toBeGreaterThan(0); // how many a loaded machine gets in that second is not the point
    expect(replayed).toBeLessThan(45);
    await page.locator('#banner-action').click();
    await until('playing again', async () => {
      const s = await state(page);
      return s.link === 'open' && s.shown > shown ? s : null;
    });
    expect(await page.locator('#banner').isVisible()).toBe(false);
    expect(errors).toEqual([]);
  });

  it('at the end of a file the play button offers a replay, which plays it again, and the sound button rests', async () => {
    const server = await startCli([await shortTone, '--log-level', 'warn']);
    try {
      const { page, errors } = await open(server, '?renderer=2d');
      await playing(page);
      await until('sound available', async () => (await state(page)).audio === 'available');
      await page.locator('#sound').click();
      await until('ended', async () => (await state(page)).link === 'ended', 15_000);
      expect(await page.locator('#play').textContent()).toBe('replay');
      expect(await page.locator('#play').isEnabled()).toBe(true);
      expect(await page.locator('#sound').textContent()).toBe('sound ended');
      expect(await page.locator('#sound').isEnabled()).toBe(false);
      const { shown } = await state(page);
      await page.locator('#play').click();
      await until('playing again', async () => {
        const s = await state(page);
        return s.link === 'open' && s.timeline === 'PLAYING' && s.shown > shown;
      });
      await until('the controls of a playing file', async () => (await page.locator('#play').textContent()) === 'pause' && (await page.locator('#sound').textContent()) === 'sound on');
      expect(errors).toEqual([]);
    } finally {
      await server.stop();
    }
  });

  it('passes ?token= on to /ws and /audio; the sound button follows HEAD /audio', async () => {
    const sockets: string[] = [];
    const requests: string[] = [];
    const page = await browser.newPage({ viewport: VIEWPORT });
    pages.push(page);
    page.on('websocket', (ws) => sockets.push(ws.url()));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`${video.url}/?renderer=2d&token=s3cret`, { timeout: 15_000 });
    const s = await until('the audio probe', async () => {
      const st = await state(page);
      return st.link === 'open' && st.audio !== 'checking' ? st : null;
    });
    expect(sockets[0]).toMatch(/\/ws\?.*token=s3cret/);
    expect(requests.some((u) => /\/audio\?token=s3cret$/.test(u))).toBe(true);
    const head = await fetch(`${video.url}/audio`, { method: 'HEAD', signal: AbortSignal.timeout(5000) });
    const expected = head.status === 200 ? 'available' : head.status === 204 ? 'none' : 'unavailable';
    expect(s.audio).toBe(expected);
    const label = await page.locator('#sound').textContent();
    expect(label).toBe({ available: 'sound off', none: 'no audio track', unavailable: 'audio unavailable' }[expected]);
  });
});
