/**
 * The page in Firefox: Debian's firefox-esr, headless, takes a screenshot of the page served by a
 * real server once it has had time to connect and draw (the page sits in a frame next to an image
 * that this test serves 3 s late, and Firefox shoots after the load event). The screenshot must show
 * a drawn, varied picture and the server must have streamed to that viewer.
 */
import { execFile, spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers/media.js';
import { getJson, startCli, type CliServer } from './helpers/server.js';

const firefox = spawnSync('firefox-esr', ['--version'], { encoding: 'utf8' }).status === 0 ? 'firefox-esr' : null;
const tmp = tempDir();
let server: CliServer | null = null;
let wrapper: Server | null = null;

afterAll(async () => {
  await server?.stop();
  await new Promise<void>((r) => (wrapper ? wrapper.close(() => r()) : r()));
  tmp.cleanup();
});

describe('Firefox', () => {
  // .ci/run installs firefox-esr; a developer machine without it skips this one test.
  it.skipIf(!firefox)('loads the page, connects and draws the demo', async () => {
    server = await startCli(['--log-level', 'warn']);
    const page = `${server.url}/`;
    wrapper = createServer((req, res) => {
      if (req.url === '/late.gif') {
        setTimeout(() => res.writeHead(200, { 'Content-Type': 'image/gif' }).end(Buffer.from('R0lGODlhAQABAAAAACw=', 'base64')), 3000);
        return;
      }
      res.writeHead(200, { 'Content-Type': 'text/html' }).end(
        `<!doctype html><body style="margin:0;background:#fff"><iframe src="${page}" style="border:0;width:1000px;height:600px"></iframe><img src="/late.gif" width=1 height=1></body>`,
      );
    });
    await new Promise<void>((r) => wrapper!.listen(0, '127.0.0.1', r));
    const shot = join(tmp.dir, 'firefox.png');
    const profile = join(tmp.dir, 'profile');
    mkdirSync(profile);
    await new Promise<void>((resolve, reject) => {
      execFile(firefox!, ['--headless', '--no-remote', '--profile', profile, '--window-size', '1000,600', '--screenshot', shot, `http://127.0.0.1:${(wrapper!.address() as AddressInfo).port}/`], { timeout: 60_000, env: { ...process.env, MOZ_HEADLESS: '1' } }, (error) => (error ? reject(error) : resolve()));
    });
    const health = await getJson(`${server.url}/healthz`);
    // It connected and got frames (few where the machine is starved); the pixels below show they were drawn.
    expect((health['frames'] as Record<string, number>)['sent']).toBeGreaterThan(0);
    // The picture area (above the toolbar) is drawn: many distinct colours, not a blank canvas.
    const { data, info } = await sharp(shot).extract({ left: 0, top: 0, width: 1000, height: 540 }).raw().toBuffer({ resolveWithObject: true });
    const colours = new Set<number>();
    let lit = 0;
    for (let i = 0; i < data.length; i += info.channels) {
      const [r, g, b] = [data[i]!, data[i + 1]!, data[i + 2]!];
      if (r + g + b > 60) lit++;
      colours.add(((r >> 3) << 10) | ((g >> 3) << 5) | (b >> 3));
    }
    expect(lit / (info.width * info.height)).toBeGreaterThan(0.15);
    expect(colours.size).toBeGreaterThan(50);
  }, 90_000);
});
