/**
 * One viewer and one audio listener that never read, next to 8 normal viewers, for 12 s: the normal
 * viewers keep their frame rate (>= 95% of frames), the server's memory stays within 150 MiB of
 * where it started, the stalled viewer is kept at its bounded queue (its frames are dropped) and the
 * stalled listener costs at most its bounded buffer. 12 s is enough: the stalled viewer's frames
 * come at 24 MB a second, so a queue that grew would pass 150 MiB in under 7 s.
 */
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClip, tempDir } from './helpers/media.js';
import { getJson, startCli, TestViewer, type CliServer } from './helpers/server.js';

const SECONDS = 12;
const FPS = 30;
const tmp = tempDir();
let server: CliServer;

beforeAll(async () => {
  const clip = makeClip(join(tmp.dir, 'clip.mp4'), { seconds: 6, toneHz: 440 });
  // Pings off: this viewer never reads for the whole test, which a ping would rightly end (test/liveness.e2e.test.ts).
  server = await startCli([clip, '--loop', '--ping-interval', '0', '--log-level', 'error']);
});

afterAll(async () => {
  await server?.stop();
  tmp.cleanup();
});

describe('stalled clients', () => {
  it(`leave 8 normal viewers at full rate for ${SECONDS} s, memory bounded`, async () => {
    const memory = async (): Promise<number> => ((await getJson(`${server.url}/healthz`))['memory'] as Record<string, number>)['rss']!;
    const rss0 = await memory();
    // Stalled viewer: a big grid (800 KB a frame) whose socket never reads.
    const stalled = new TestViewer(`${server.wsUrl}?cols=1000&rows=200`);
    await stalled.moreFrames(1);
    (stalled.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    // Stalled listener: sends its request, reads nothing.
    const port = Number(new URL(server.url).port);
    const deaf = connect(port, '127.0.0.1');
    deaf.write('GET /audio HTTP/1.1\r\nHost: x\r\n\r\n');
    deaf.pause();

    const viewers = Array.from({ length: 8 }, (_, i) => new TestViewer(`${server.wsUrl}?cols=${20 + i}&rows=8&yaw=${i * 45}`));
    for (const v of viewers) await v.moreFrames(1);
    const counts = viewers.map((v) => v.frames.length);
    const t0 = performance.now();
    let rssMax = rss0;
    while (performance.now() - t0 < SECONDS * 1000) {
      await new Promise((r) => setTimeout(r, 3000));
      rssMax = Math.max(rssMax, await memory());
    }
    const elapsed = (performance.now() - t0) / 1000;
    const rates = viewers.map((v, i) => (v.frames.length - counts[i]!) / (elapsed * FPS));
    const health = await getJson(`${server.url}/healthz`);
    const frames = health['frames'] as Record<string, number>;
    console.log(`stalled: normal viewers got ${rates.map((r) => (r * 100).toFixed(1) + '%').join(' ')}; rss ${(rss0 / 2 ** 20).toFixed(0)} -> max ${(rssMax / 2 ** 20).toFixed(0)} MiB; stalled viewer's dropped frames ${frames['viewerDropped']}`);
    for (const r of rates) expect(r).toBeGreaterThanOrEqual(0.95);
    expect(rssMax - rss0).toBeLessThan(150 * 2 ** 20);
    // The stalled viewer is still connected, its frames dropped rather than queued.
    expect(health['viewers']).toBe(9);
    expect(frames['viewerDropped']).toBeGreaterThan(SECONDS * FPS * 0.5);
    for (const v of viewers) expect(v.closeCode).toBeNull();
    for (const v of viewers) v.close();
    stalled.ws.terminate();
    deaf.destroy();
  }, (SECONDS + 60) * 1000);
});
