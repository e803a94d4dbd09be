/**
 * 1,000 connect/disconnect cycles of viewers and listeners, some closing before INIT, some in the
 * middle of a frame, some mid-handshake: afterwards the server's open file descriptors, ffmpeg
 * children and heap are back to where they started. Bounds: +4 descriptors, the same ffmpeg
 * children, +24 MiB of heap (V8 collects when it likes; the point is no growth per cycle).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClip, tempDir } from './helpers/media.js';
import { getJson, startCli, TestViewer, type CliServer } from './helpers/server.js';

const tmp = tempDir();
let server: CliServer;

beforeAll(async () => {
  // Long enough that its picture and sound encodes both run all through the test (no loop restarts).
  const clip = makeClip(join(tmp.dir, 'clip.mp4'), { seconds: 60, toneHz: 330 });
  server = await startCli([clip, '--loop', '--max-clients', '1000', '--log-level', 'error']);
});

afterAll(async () => {
  await server?.stop();
  tmp.cleanup();
});

function fds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

function ffmpegChildren(pid: number): number {
  try {
    return execFileSync('pgrep', ['-P', String(pid), 'ffmpeg'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).length;
  } catch {
    return 0;
  }
}

/** One cycle of one of five kinds; resolves when the client side is done. */
function cycle(url: string, kind: number): Promise<void> {
  return new Promise((resolve) => {
    if (kind === 4) {
      // An audio listener that leaves after its first bytes.
      const req = request(`${url.replace('ws://', 'http://').replace('/ws', '/audio')}`, (res) => {
        res.once('data', () => req.destroy());
        res.on('error', () => {});
      });
      req.on('error', () => {});
      req.on('close', () => resolve());
      req.end();
      return;
    }
    const ws = new WebSocket(`${url}?cols=${8 + kind}&rows=4&yaw=${kind * 30}`);
    ws.on('error', () => {});
    ws.on('close', () => resolve());
    if (kind === 0) ws.once('upgrade', () => ws.terminate()); // before INIT is read
    if (kind === 1) setImmediate(() => ws.terminate()); // mid-handshake
    if (kind === 2) ws.once('message', () => ws.close()); // after INIT, politely
    if (kind === 3) {
      let n = 0;
      ws.on('message', (_d, binary) => {
        if (binary && ++n === 1) ws.terminate(); // right after a frame started arriving
      });
    }
  });
}

describe('connection churn', () => {
  it('leaves no descriptors, children or heap behind after 1,000 cycles', async () => {
    const pid = server.proc.pid!;
    // An anchor viewer keeps the source running, as in a real audience.
    const anchor = new TestViewer(`${server.wsUrl}?cols=8&rows=4`);
    await anchor.moreFrames(10);
    await new Promise((r) => setTimeout(r, 500));
    const before = { fds: fds(pid), ffmpeg: ffmpegChildren(pid), heap: ((await getJson(`${server.url}/healthz`))['memory'] as Record<string, number>)['heapUsed']! };

    const total = 1000;
    const parallel = 20;
    let next = 0;
    await Promise.all(
      Array.from({ length: parallel }, async () => {
        while (next < total) {
          const i = next++;
          await cycle(server.wsUrl, i % 5);
        }
      }),
    );
    // Let closes and restarts settle (the audio encoder stops a moment after its last listener).
    let health: Record<string, unknown> = {};
    let after = { fds: 0, ffmpeg: 0, heap: 0 };
    for (const deadline = Date.now() + 15_000; ; ) {
      await new Promise((r) => setTimeout(r, 500));
      health = await getJson(`${server.url}/healthz`);
      after = { fds: fds(pid), ffmpeg: ffmpegChildren(pid), heap: (health['memory'] as Record<string, number>)['heapUsed']! };
      const calm = health['viewers'] === 1 && health['listeners'] === 0 && after.fds <= before.fds + 4 && after.ffmpeg === before.ffmpeg;
      if (calm || Date.now() > deadline) break;
    }
    console.log(`churn: fds ${before.fds} -> ${after.fds}, ffmpeg ${before.ffmpeg} -> ${after.ffmpeg}, heap ${(before.heap / 2 ** 20).toFixed(1)} -> ${(after.heap / 2 ** 20).toFixed(1)} MiB`);
    expect(health['viewers']).toBe(1);
    expect(health['listeners']).toBe(0);
    expect(after.fds).toBeLessThanOrEqual(before.fds + 4);
    expect(after.ffmpeg).toBe(before.ffmpeg);
    expect(after.heap - before.heap).toBeLessThan(24 * 1024 * 1024);
    // The anchor was never disturbed.
    const frames = anchor.frames.length;
    await anchor.moreFrames(5);
    expect(anchor.frames.length).toBeGreaterThan(frames);
    expect(anchor.closeCode).toBeNull();
    anchor.close();
  }, 120_000);
});
