/**
 * The page and a server gone without a close, end to end: the real CLI on a clip ffmpeg makes
 * here, headless Chromium (test/helpers/browser.ts), and the server's process stopped with SIGSTOP,
 * as a hung server or a network that went away silently looks to the page: its socket stays open
 * and says nothing. A paused video says nothing for as long, so the page asks (`ping`, answered
 * `PONG`: PROTOCOL-NOTES.md §5) before it gives the server up (src/client/common/silence-watch.ts).
 */
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANSWER_MS, QUIET_MS, SILENT_WHY } from '../src/client/common/silence-watch.js';
import { launchChromium, openPage, pageNotices, pageState, playing, until } from './helpers/browser.js';
import { makeClip, tempDir } from './helpers/media.js';
import { startCli, type CliServer } from './helpers/server.js';

const tmp = tempDir('ascii360-silence-');
let browser: Browser;
let server: CliServer;

beforeAll(async () => {
  // Chromium starts while ffmpeg makes the clip.
  const launching = launchChromium();
  const clip = makeClip(join(tmp.dir, 'clip.mp4'), { seconds: 6 });
  [browser, server] = await Promise.all([launching, startCli([clip, '--loop', '--log-level', 'warn'])]);
});

afterAll(async () => {
  if (server?.proc.signalCode === null) server.proc.kill('SIGCONT');
  await browser?.close();
  await server?.stop();
  tmp.cleanup();
});

describe('a server gone without a close', () => {
  it('paused, the page asks and hears PONG and stays; stopped, it says the server is not answering and reconnects once it is back', async () => {
    /** The page's own texts on /ws, and the server's texts to it, in order. */
    const sent: string[] = [];
    const heard: string[] = [];
    const { page, errors } = await openPage(browser, `${server.url}/?renderer=2d`, {
      viewport: { width: 900, height: 500 },
      setup: (p) => p.on('websocket', (ws) => {
        ws.on('framesent', (f) => typeof f.payload === 'string' && sent.push(f.payload));
        ws.on('framereceived', (f) => typeof f.payload === 'string' && heard.push(f.payload));
      }),
    });
    try {
      await playing(page);
      // Paused, the server sends nothing: the page asks, hears PONG, and keeps the link.
      await page.keyboard.press(' ');
      await until('paused', async () => (await pageState(page)).timeline === 'PAUSED');
      await until('the page asking', async () => sent.includes('{"type":"ping"}'), QUIET_MS + 3000);
      await until('the answer', async () => heard.includes('PONG'), 3000);
      const quiet = await pageState(page);
      expect([quiet.link, quiet.inits]).toEqual(['open', 1]);

      const stoppedAt = Date.now();
      server.proc.kill('SIGSTOP');
      let banner: string;
      try {
        // Before, the last picture stayed on with nothing said, for as long as the server was stopped.
        // Twice the watch's time: a timer late by over 2 s (a loaded machine) starts its wait again.
        banner = await until('the silent server said', async () => {
          const b = (await pageNotices(page)).banner;
          return b?.startsWith(SILENT_WHY) ? b : null;
        }, 2 * (QUIET_MS + ANSWER_MS) + 5000);
        console.log(`page: silent server said ${Date.now() - stoppedAt} ms after its stop`);
        // Read while the server is still stopped: once it runs, it answers the retry waiting in its backlog.
        expect((await pageState(page)).link).not.toBe('open');
      } finally {
        server.proc.kill('SIGCONT');
      }
      expect(banner).toMatch(/^server not answering \(silent for 10 s\): reconnecting/);
      // Back: the page's next try goes through, and the banner goes.
      await until('reconnected', async () => {
        const s = await pageState(page);
        return s.link === 'open' && s.inits >= 2 && (await pageNotices(page)).banner === null;
      }, 15_000);
      expect(errors.filter((e) => !/WebSocket connection to .* failed/.test(e))).toEqual([]);
    } finally {
      await page.close();
    }
  }, 60_000);
});
