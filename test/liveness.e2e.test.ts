/**
 * Peers that hold the server's resources without being there: a viewer that stopped answering (its
 * machine gone, no FIN), a client that never finishes its request headers, and a listener that
 * should hear at once that it is connected even while no sound flows. Real CLI, raw sockets.
 */
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClip, tempDir } from './helpers/media.js';
import { getJson, startCli, statuses, TestViewer, type CliServer } from './helpers/server.js';
import { until } from './helpers/tmux.js';

const tmp = tempDir();
let server: CliServer;
let port = 0;

beforeAll(async () => {
  const clip = makeClip(join(tmp.dir, 'clip.mp4'), { seconds: 4, toneHz: 440 });
  server = await startCli([clip, '--loop', '--ping-interval', '1', '--log-level', 'info']);
  port = Number(new URL(server.url).port);
});

afterAll(async () => {
  await server?.stop();
  tmp.cleanup();
});

/** A raw TCP connection; resolves with ms from `since` to the server closing it (or rejects after `timeoutMs`). */
function closedAfter(socket: Socket, since: number, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server kept the connection open ${timeoutMs} ms`)), timeoutMs);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(performance.now() - since);
    });
    socket.on('error', () => {});
  });
}

const viewers = async (): Promise<number> => (await getJson(`${server.url}/healthz`))['viewers'] as number;

describe('liveness', () => {
  it('closes a viewer that answers no ping within two intervals; a live one stays through them', async () => {
    const live = new TestViewer(`${server.wsUrl}?cols=8&rows=4`);
    await live.moreFrames(1);
    // A WebSocket handshake done by hand, then silence: no pong, as from a machine that vanished.
    const mute = connect(port, '127.0.0.1');
    let upgraded = '';
    mute.on('data', (d: Buffer) => (upgraded ||= d.toString('latin1').split('\r\n')[0]!));
    mute.write('GET /ws?cols=8&rows=4 HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
    const t0 = performance.now();
    const closed = closedAfter(mute, t0, 8000);
    await live.until(() => upgraded !== '', 'the upgrade');
    expect(upgraded).toBe('HTTP/1.1 101 Switching Protocols');
    await live.until(() => false, 'nothing', 300).catch(() => {});
    expect(await viewers()).toBe(2);
    const ms = await closed;
    // Pinged at the first beat after joining, cut at the next one.
    expect(ms).toBeGreaterThan(900);
    expect(ms).toBeLessThan(4000);
    // The server drops it from its count as its socket's close is handled, which can come a moment
    // after the peer sees the connection end.
    await until('the count without the mute viewer', async () => (await viewers()) === 1, 2000);
    expect(server.stderr()).toMatch(/viewer\.unresponsive/);
    // The live viewer answered every ping: it is still here, frames still coming.
    expect(live.closeCode).toBeNull();
    await live.moreFrames(5);
    live.close();
  }, 20_000);

  it('cuts a client that never finishes its request headers', async () => {
    const slow = connect(port, '127.0.0.1');
    let answer = '';
    slow.on('data', (d: Buffer) => (answer += d.toString('latin1')));
    slow.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const ms = await closedAfter(slow, performance.now(), 20_000);
    // headersTimeout 10 s, checked every second (Node's defaults were a minute and more).
    expect(ms).toBeGreaterThan(9000);
    expect(ms).toBeLessThan(13_000);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  }, 25_000);

  it('answers /audio with its headers at once, while the picture is paused and no sound flows', async () => {
    const v = new TestViewer(`${server.wsUrl}?cols=8&rows=4`);
    await v.moreFrames(1);
    v.send({ type: 'pause', paused: true });
    await v.until(() => statuses(v).some((s) => s.startsWith('STATUS:PAUSED')), 'the pause');
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 3000);
    try {
      const res = await fetch(`${server.url}/audio`, { signal: controller.signal });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('audio/aac');
      await res.body?.cancel();
    } finally {
      clearTimeout(timer);
      v.send({ type: 'pause', paused: false });
      v.close();
    }
  }, 20_000);
});

describe('a viewer that never reads', () => {
  let quiet: CliServer;
  beforeAll(async () => {
    // No pings (they would end it first) and no message limit (so its answers pile up fast).
    quiet = await startCli(['--ping-interval', '0', '--max-message-rate', '1000000', '--log-level', 'info']);
  });
  afterAll(() => quiet?.stop());

  it('is cut once the Error: answers to its bad messages pile up unread, instead of growing them without end', async () => {
    const socket = connect(Number(new URL(quiet.url).port), '127.0.0.1');
    socket.write('GET /ws?cols=4&rows=2 HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
    socket.on('error', () => {});
    let open = true;
    socket.on('close', () => (open = false));
    // Reads nothing from here on: the server's answers fill the kernel's buffers, then ws's.
    socket.pause();
    // One masked text frame (a zero mask key) asking for a style that does not exist: each earns an
    // `Error:` that quotes it and lists the styles, twice the message's size.
    const body = Buffer.from(JSON.stringify({ type: 'style', style: 'x'.repeat(38) }));
    const frame = Buffer.concat([Buffer.from([0x81, 0x80 | body.length, 0, 0, 0, 0]), body]);
    const burst = Buffer.concat(Array.from({ length: 2000 }, () => frame));
    const deadline = performance.now() + 60_000;
    while (open && performance.now() < deadline) {
      if (socket.writableLength < 1 << 20) socket.write(burst);
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(open).toBe(false);
    // The server still works through the messages it had read when it cut the connection.
    await until('the log line', () => /viewer\.not_reading/.test(quiet.stderr()), 30_000);
    expect((await getJson(`${quiet.url}/healthz`))['viewers']).toBe(0);
  }, 90_000);
});
