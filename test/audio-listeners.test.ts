/**
 * Audio fan-out over real loopback HTTP: a listener that never reads is dropped once the server's
 * buffer for it is full (after the kernel's own socket buffers, which is why the test pushes
 * megabytes at once instead of waiting minutes at 128 kbit/s); the live listener gets every byte.
 */
import { createServer, request, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { AudioListeners, LISTENER_BUFFER_BYTES } from '../src/audio/audio-listeners.js';

let server: Server;
afterAll(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

describe('AudioListeners', () => {
  it('drops a stalled listener when its buffer is full and keeps feeding the live one', async () => {
    const counts: number[] = [];
    const listeners = new AudioListeners((n) => counts.push(n));
    server = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'audio/aac' });
      listeners.add(res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;

    // Stalled: sends the request, then never reads a byte.
    const stalled = connect(port, '127.0.0.1');
    stalled.write('GET /audio HTTP/1.1\r\nHost: x\r\n\r\n');
    stalled.pause();
    await waitFor(() => listeners.count === 1);

    let received = 0;
    const live = request({ port, host: '127.0.0.1', path: '/audio' }, (res) => res.on('data', (b: Buffer) => (received += b.length)));
    live.end();
    await waitFor(() => listeners.count === 2);

    const chunk = Buffer.alloc(32 * 1024, 0x55);
    let sent = 0;
    // Up to 64 MiB: far beyond any kernel socket buffer, so the stalled one must hit our bound.
    for (let i = 0; i < 2048 && listeners.dropped === 0; i++) {
      listeners.broadcast(chunk);
      sent += chunk.length;
      await new Promise((r) => setImmediate(r));
    }
    expect(listeners.dropped).toBe(1);
    expect(listeners.count).toBe(1);
    // After the drop the live listener still gets everything.
    for (let i = 0; i < 16; i++) {
      listeners.broadcast(chunk);
      sent += chunk.length;
      await new Promise((r) => setImmediate(r));
    }
    await waitFor(() => received === sent);
    expect(received).toBe(sent);
    expect(counts).toContain(1);
    expect(LISTENER_BUFFER_BYTES).toBeLessThanOrEqual(1 << 20);
    live.destroy();
    stalled.destroy();
  });
});

async function waitFor(ok: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
