/**
 * Security defaults through the real CLI: tokens, Origin checks, client limits, message rate,
 * and a crafted playlist that must not make ffmpeg read local files.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClip, tempDir } from './helpers/media.js';
import { CLI, startCli, TestViewer, type CliServer } from './helpers/server.js';
import { until } from './helpers/tmux.js';

const tmp = tempDir();
let clip = '';

beforeAll(() => {
  clip = makeClip(join(tmp.dir, 'clip.mp4'), { seconds: 3, toneHz: 440 });
});
afterAll(() => tmp.cleanup());

/** Status of a WebSocket upgrade that the server refuses, or 101 when it accepts. */
function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('upgrade', () => {
      resolve(101);
      ws.terminate();
    });
    ws.on('error', () => resolve(0));
  });
}

describe('token', () => {
  let server: CliServer;
  beforeAll(async () => {
    server = await startCli([clip, '--loop', '--token', 's3cret', '--log-level', 'warn']);
  });
  afterAll(() => server.stop());

  it('refuses /ws and /audio without the token (401), accepts ?token= and Bearer', async () => {
    expect(await upgradeStatus(server.wsUrl)).toBe(401);
    expect(await upgradeStatus(`${server.wsUrl}?token=wrong`)).toBe(401);
    expect(await upgradeStatus(`${server.wsUrl}?token=s3cret`)).toBe(101);
    expect(await upgradeStatus(server.wsUrl, { Authorization: 'Bearer s3cret' })).toBe(101);
    const refused = await fetch(`${server.url}/audio`, { method: 'HEAD' });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="ascii360"');
    expect((await fetch(`${server.url}/audio?token=s3cret`, { method: 'HEAD' })).status).toBe(200);
    expect((await fetch(`${server.url}/audio`, { method: 'HEAD', headers: { Authorization: 'Bearer s3cret' } })).status).toBe(200);
    const v = new TestViewer(`${server.wsUrl}?token=s3cret&cols=8&rows=4`);
    await v.moreFrames(2);
    v.close();
    // With a token the Host is not judged: the token is what a stranger's page lacks.
    expect(await upgradeStatus(`${server.wsUrl}?token=s3cret`, { Host: 'ascii360.example' })).toBe(101);
  });

  it('refuses to listen beyond loopback without a token', () => {
    const env = { ...process.env };
    delete env['ASCII360_TOKEN'];
    const r = spawnSync(process.execPath, [CLI, 'serve', '--host', '0.0.0.0', '--port', '0'], { encoding: 'utf8', timeout: 10_000, env });
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe('ascii360: listening on 0.0.0.0 exposes the server beyond this machine: set --token <secret> (or ASCII360_TOKEN)');
  });
});

describe('origin and limits', () => {
  let server: CliServer;
  beforeAll(async () => {
    server = await startCli([clip, '--loop', '--max-clients', '3', '--max-message-rate', '50', '--allow-origin', 'https://Viewer.example:443/', '--log-level', 'warn']);
  });
  afterAll(() => server.stop());

  it('lets a loopback client without an Origin in, but not one a proxy forwarded (it may be anyone, anywhere)', async () => {
    expect(await upgradeStatus(server.wsUrl)).toBe(101);
    const forwards: Record<string, string>[] = [{ 'X-Forwarded-For': '203.0.113.7' }, { Forwarded: 'for=203.0.113.7' }, { 'X-Real-IP': '203.0.113.7' }];
    for (const header of forwards) {
      expect(await upgradeStatus(server.wsUrl, header)).toBe(403);
      expect((await fetch(`${server.url}/audio`, { method: 'HEAD', headers: header })).status).toBe(403);
    }
    // A browser through the proxy is still judged by its Origin.
    const host = new URL(server.url).host;
    expect(await upgradeStatus(server.wsUrl, { Origin: `http://${host}`, 'X-Forwarded-For': '203.0.113.7' })).toBe(101);
    // The operator is told once that a proxy without a token lets only that in.
    await until('the warning', () => /access\.proxy_without_token/.test(server.stderr()));
    expect(server.stderr().match(/access\.proxy_without_token/g)).toHaveLength(1);
  });

  // --allow-origin was given as https://Viewer.example:443/: read as the browser sends it.
  it('accepts the server\'s own origin and allowed ones, refuses others (403)', async () => {
    const host = new URL(server.url).host;
    expect(await upgradeStatus(server.wsUrl, { Origin: `http://${host}` })).toBe(101);
    expect(await upgradeStatus(server.wsUrl, { Origin: 'https://viewer.example' })).toBe(101);
    expect(await upgradeStatus(server.wsUrl, { Origin: 'https://evil.example' })).toBe(403);
    expect((await fetch(`${server.url}/audio`, { method: 'HEAD', headers: { Origin: 'https://evil.example' } })).status).toBe(403);
  });

  // DNS rebinding: a page on attacker.example, its name pointed at 127.0.0.1, is its own origin.
  it('without a token answers only loopback names and allowed hosts, whatever the Origin says', async () => {
    const port = new URL(server.url).port;
    const rebound = { Host: `attacker.example:${port}`, Origin: `http://attacker.example:${port}` };
    expect(await upgradeStatus(server.wsUrl, rebound)).toBe(403);
    // fetch() sends its own Host whatever it is given: node:http sends this one.
    const audio = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      get(`${server.url}/audio`, { headers: rebound }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      }).on('error', reject);
    });
    expect(audio.status).toBe(403);
    expect(audio.body).toMatch(/^host "attacker\.example:\d+" is not this machine's: open the server as 127\.0\.0\.1 or localhost, or give it a --token\n$/);
    // Without an Origin too: a page's <audio> sends none.
    expect(await upgradeStatus(server.wsUrl, { Host: 'attacker.example' })).toBe(403);
    for (const host of [`localhost:${port}`, `LOCALHOST.:${port}`, `app.localhost:${port}`, `127.0.0.1:${port}`, `127.1.2.3:${port}`, `[::1]:${port}`]) {
      expect(await upgradeStatus(server.wsUrl, { Host: host, Origin: `http://${host}` })).toBe(101);
    }
    // The host of an allowed origin: the operator named it.
    expect(await upgradeStatus(server.wsUrl, { Host: 'viewer.example', Origin: 'https://viewer.example' })).toBe(101);
    expect(await upgradeStatus(server.wsUrl, { Host: 'viewer.example.attacker.example', Origin: 'https://viewer.example' })).toBe(403);
  });

  it('refuses viewers and listeners beyond --max-clients with a clear reason', async () => {
    const a = new TestViewer(`${server.wsUrl}?cols=8&rows=4`);
    const b = new TestViewer(`${server.wsUrl}?cols=8&rows=4`);
    const listener = await fetch(`${server.url}/audio`);
    expect(listener.status).toBe(200);
    await a.moreFrames(1);
    await b.moreFrames(1);
    const c = new TestViewer(`${server.wsUrl}?cols=8&rows=4`);
    await c.until(() => c.closeCode !== null, 'refusal');
    expect(c.texts).toEqual(['Error: server full (at most 3 clients); try again later']);
    expect(c.closeCode).toBe(1013);
    const more = await fetch(`${server.url}/audio`);
    expect(more.status).toBe(503);
    expect(await more.text()).toMatch(/server full/);
    await listener.body?.cancel();
    a.close();
    b.close();
  });

  it('rate-limits control messages: a flood earns one notice a second, then a close', async () => {
    const v = new TestViewer(`${server.wsUrl}?cols=8&rows=4`);
    await v.moreFrames(1);
    for (let i = 0; i < 400; i++) v.send({ type: 'view', yaw: i });
    await v.until(() => v.texts.some((t) => t.startsWith('Error: too many messages')), 'throttle notice');
    expect(v.texts.filter((t) => t.startsWith('Error: too many messages'))).toHaveLength(1);
    expect(v.closeCode).toBeNull();
    for (let i = 0; i < 1500; i++) v.send({ type: 'view', yaw: i });
    await v.until(() => v.closeCode !== null, 'close after a sustained flood');
    expect(v.closeCode).toBe(1008);
  });

  it('exports the counters in Prometheus format on /metrics', async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toMatch(/^# HELP ascii360_viewers /m);
    expect(text).toMatch(/^ascii360_frames_decoded_total \d+$/m);
    expect(text).toMatch(/^ascii360_ffmpeg_restarts_total \d+$/m);
    expect(text).toMatch(/^ascii360_clients_refused_total [1-9]\d*$/m);
  });
});

describe('crafted playlists', () => {
  let http: Server;
  afterAll(() => new Promise<void>((r) => (http ? http.close(() => r()) : r())));

  it('an HLS playlist pointing at a local file cannot make ffmpeg read it', async () => {
    // A real local segment the playlist names by file:// URL.
    const segment = join(tmp.dir, 'secret.ts');
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', clip, '-c', 'copy', '-f', 'mpegts', segment]);
    const playlist = `#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:3\n#EXTINF:3.0,\nfile://${segment}\n#EXT-X-ENDLIST\n`;
    http = createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'application/vnd.apple.mpegurl' }).end(playlist));
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/evil.m3u8`;
    // Asynchronously: the playlist server lives in this process and must keep answering.
    const r = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
      execFile(process.execPath, [CLI, 'serve', url, '--port', '0'], { encoding: 'utf8', timeout: 20_000 }, (error, _stdout, stderr) =>
        resolve({ status: error ? (typeof error.code === 'number' ? error.code : null) : 0, stderr }));
    });
    expect(r.status).toBe(1);
    // A slow probe (a loaded machine) first gets the log's `source.opening` notice, by design.
    expect(r.stderr.trim().split('\n').filter((l) => !/\bsource\.opening\b/.test(l))).toHaveLength(1);
    expect(r.stderr).toMatch(/is not a video or image ffmpeg can read/);
    writeFileSync(join(tmp.dir, 'unused'), '');
  });
});
