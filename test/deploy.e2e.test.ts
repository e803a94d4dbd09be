/**
 * deploy/nginx.conf in front of two real servers: health, the picture over a proxied WebSocket,
 * sound passed through as it comes, least-connections balancing, and failover when a server is
 * killed. Also the redis rig that the cluster tests build on.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { parseInit } from '../protocol/index.js';
import { listen, sleep } from './helpers/audio.js';
import { NGINX_CONF, pingRedis, portOf, startNginx, startRedis, startServers, type NginxRig } from './helpers/cluster-rig.js';
import { makeClip, tempDir } from './helpers/media.js';
import { getJson, inits, TestViewer, type CliServer } from './helpers/server.js';

const tmp = tempDir();
let servers: CliServer[] = [];
let nginx: NginxRig;
const viewers: TestViewer[] = [];

/**
 * The servers run with a token, as deploy/nginx.conf says they must: behind the proxy every
 * request comes from loopback, and a client without an Origin there needs the token.
 */
const TOKEN = 'deploy-test-token';

function viewer(query = 'cols=24&rows=6'): TestViewer {
  const v = new TestViewer(`ws://127.0.0.1:${nginx.port}/ws?${query}&token=${TOKEN}`);
  viewers.push(v);
  return v;
}

const viewersAt = async (server: CliServer): Promise<unknown> => (await getJson(`${server.url}/healthz`))['viewers'];

/** Polls `read` until it gives `want`, for at most `timeoutMs`; returns the last value read. */
async function settle<T>(read: () => Promise<T>, want: T, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (value !== want && Date.now() < deadline) {
    await sleep(100);
    value = await read();
  }
  return value;
}

beforeAll(async () => {
  // Small and with sound, so that two servers and their ffmpeg children fit on two cores.
  const clip = makeClip(join(tmp.dir, 'clip.mp4'), { width: 256, height: 128, seconds: 4, toneHz: 440 });
  servers = await startServers(2, [clip, '--loop', '--log-level', 'warn', '--token', TOKEN]);
  nginx = await startNginx(servers.map(portOf));
});

afterAll(async () => {
  for (const v of viewers) v.ws.terminate();
  await nginx?.stop();
  await Promise.all(servers.map((s) => s.stop()));
  tmp.cleanup();
});

describe('nginx with deploy/nginx.conf in front of two servers', () => {
  it('runs the shipped file, changed only in its listen, upstream servers, pid and log lines', () => {
    const rendered = new Set(nginx.conf.split('\n'));
    const replaced = readFileSync(NGINX_CONF, 'utf8').split('\n').filter((line) => !rendered.has(line)).map((l) => l.trim());
    expect(replaced).toEqual([
      'pid /run/nginx.pid;',
      'error_log /var/log/nginx/error.log warn;',
      'access_log /var/log/nginx/access.log ascii360;',
      expect.stringMatching(/^server 127\.0\.0\.1:8361 /),
      expect.stringMatching(/^server 127\.0\.0\.1:8362 /),
      'listen 8360;',
    ]);
    for (const s of servers) expect(nginx.conf).toContain(`server 127.0.0.1:${portOf(s)} max_fails=`);
  });

  it('answers /healthz and the page through nginx', async () => {
    const health = await getJson(`${nginx.url}/healthz`);
    expect(health).toMatchObject({ kind: 'video', fps: 30 });
    const page = await fetch(`${nginx.url}/`, { signal: AbortSignal.timeout(5000) });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(nginx.accessLog()).toMatch(/"GET \/healthz HTTP\/1\.1" 200 \d+ upstream=127\.0\.0\.1:\d+/);
  });

  it('refuses a client without an Origin that lacks the token, though nginx reaches the servers from loopback', async () => {
    const refused = new WebSocket(`ws://127.0.0.1:${nginx.port}/ws?cols=24&rows=6`);
    const status = await new Promise<number>((resolve) => {
      refused.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      refused.once('open', () => resolve(101));
      refused.once('error', () => resolve(0));
    });
    refused.terminate();
    expect(status).toBe(401);
  });

  it('carries a viewer\'s WebSocket: INIT, then frames', async () => {
    const v = viewer('cols=32&rows=8');
    await v.moreFrames(5, 10_000);
    expect(parseInit(inits(v)[0]!)).toMatchObject({ cols: 32, rows: 8 });
    for (const f of v.frames) expect(f.length).toBe(4 + 32 * 8 * 4);
    v.close();
  });

  it('lets a browser\'s WebSocket in: the server sees the Origin and the Host the browser used', async () => {
    // A page served through nginx opens /ws with Origin http://<nginx>; the server compares it
    // with Host, which nginx must pass on unchanged on the upgrade too.
    const ws = new WebSocket(`ws://127.0.0.1:${nginx.port}/ws?cols=24&rows=6&token=${TOKEN}`, { origin: nginx.url });
    const first = await new Promise<string>((resolve, reject) => {
      ws.once('message', (data: Buffer) => resolve(data.toString()));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`handshake answered ${res.statusCode}`)));
      ws.once('error', reject);
    });
    ws.terminate();
    expect(first).toMatch(/^INIT:/);
    // And a foreign page is still refused through the proxy.
    const foreign = new WebSocket(`ws://127.0.0.1:${nginx.port}/ws?cols=24&rows=6&token=${TOKEN}`, { origin: 'http://evil.example' });
    const status = await new Promise<number>((resolve) => {
      foreign.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      foreign.once('open', () => resolve(101));
      foreign.once('error', () => resolve(-1));
    });
    foreign.terminate();
    expect(status).toBe(403);
  });

  it('streams /audio through: ADTS from the first byte, then frames as the encoder makes them', async () => {
    const asked = performance.now();
    const c = await listen(`${nginx.url}/audio?token=${TOKEN}`);
    expect(c.res.statusCode).toBe(200);
    expect(c.res.headers['content-type']).toBe('audio/aac');
    await sleep(2000);
    c.stop();
    // The first listener also starts the server's encoder: about 0.5 s on an idle machine.
    expect(c.chunks.length).toBeGreaterThan(0);
    expect(c.chunks[0]!.at - asked).toBeLessThan(2500);
    const bytes = c.bytes();
    expect(bytes[0]).toBe(0xff);
    expect(bytes[1]! & 0xf0).toBe(0xf0);
    // An ADTS frame every ~21 ms arrives as it comes, not in bursts held back by the proxy.
    const gaps = c.chunks.slice(1).map((ch, i) => ch.at - c.chunks[i]!.at);
    expect(c.chunks.length).toBeGreaterThan(20);
    expect(Math.max(...gaps)).toBeLessThan(1000);
  });

  it('spreads simultaneous viewers over both servers (least_conn)', async () => {
    // The previous tests' connections must be gone from the counts first.
    for (const s of servers) expect(await settle(() => viewersAt(s), 0)).toBe(0);
    const pair = [viewer(), viewer()];
    await Promise.all(pair.map((v) => v.moreFrames(1)));
    expect(await Promise.all(servers.map(viewersAt))).toEqual([1, 1]);
  });

  it('after one server is killed, new viewers reach the other within 3 s each', async () => {
    const [dead, live] = servers as [CliServer, CliServer];
    dead.proc.kill('SIGKILL');
    await new Promise((r) => dead.proc.once('exit', r));
    for (let i = 0; i < 3; i++) {
      const t0 = Date.now();
      const v = viewer();
      await v.moreFrames(1, 3000);
      expect(Date.now() - t0).toBeLessThan(3000);
    }
    expect((await fetch(`${nginx.url}/healthz`, { signal: AbortSignal.timeout(3000) })).status).toBe(200);
    // The viewer of the previous test that was on the live server, and the three new ones.
    expect(await viewersAt(live)).toBe(4);
  });
});

describe('redis rig', () => {
  it('answers PING, and again on the same port after restart()', async () => {
    const redis = await startRedis();
    try {
      expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
      expect(await pingRedis(redis.port)).toBe(true);
      await redis.restart();
      expect(await pingRedis(redis.port)).toBe(true);
    } finally {
      await redis.stop();
    }
    expect(await pingRedis(redis.port)).toBe(false);
  });
});
