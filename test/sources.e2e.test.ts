/**
 * Source variants through the real CLI: HLS over http on loopback, and a hardware decoder that is
 * not there (falls back to software with one warning, never a failed start).
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseInit } from '../protocol/index.js';
import { makeClip, tempDir } from './helpers/media.js';
import { getJson, startCli, TestViewer } from './helpers/server.js';

const tmp = tempDir();
let clip = '';
let http: Server;
let base = '';

beforeAll(async () => {
  clip = makeClip(join(tmp.dir, 'clip.mp4'), { seconds: 4 });
  const hlsDir = join(tmp.dir, 'hls');
  execFileSync('mkdir', ['-p', hlsDir]);
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', clip, '-c', 'copy', '-f', 'hls', '-hls_time', '1', '-hls_playlist_type', 'vod', join(hlsDir, 'index.m3u8')]);
  // A static file server on loopback, standing in for a CDN.
  http = createServer((req, res) => {
    const file = normalize(join(hlsDir, new URL(req.url ?? '/', 'http://x').pathname));
    if (!file.startsWith(hlsDir) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200);
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => http.close(r));
  tmp.cleanup();
});

describe('sources', () => {
  it('plays an HLS playlist over http, and tells no one its password or signed query', async () => {
    const secretUrl = base.replace('http://', 'http://viewer:secretpw@') + '/index.m3u8?sig=TOPSECRET';
    const s = await startCli([secretUrl, '--log-level', 'info']);
    try {
      const v = new TestViewer(`${s.wsUrl}?cols=24&rows=8`);
      await v.moreFrames(10, 15_000);
      expect(parseInit(v.texts[0]!).duration).toBeCloseTo(4, 0);
      expect(v.frames.at(-1)!.length).toBe(4 + 24 * 8 * 4);
      // /healthz answers anyone: the playlist's name only.
      expect((await getJson(`${s.url}/healthz`))['source']).toBe('index.m3u8');
      v.close();
    } finally {
      await s.stop();
    }
    // The operator's start-up line and log name the URL, its secrets hidden.
    expect(s.stdout()).toContain('serving http://***:***@127.0.0.1:');
    for (const secret of ['secretpw', 'TOPSECRET']) expect(s.stdout() + s.stderr()).not.toContain(secret);
  });

  it('falls back to software decoding with one warning when the accelerator is missing', async () => {
    const s = await startCli([clip, '--hwaccel', 'cuda', '--loop']);
    try {
      const v = new TestViewer(`${s.wsUrl}?cols=24&rows=8`);
      await v.moreFrames(10, 15_000);
      const health = await getJson(`${s.url}/healthz`);
      expect(health['ffmpegRestarts']).toBe(0);
      v.close();
    } finally {
      await s.stop();
    }
    const warnings = s.stderr().split('\n').filter((l) => /hwaccel\.fallback/.test(l));
    // With an NVIDIA GPU and driver there is nothing to fall back from.
    if (existsSync('/dev/nvidiactl')) {
      expect(warnings).toHaveLength(0);
    } else {
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/warn hwaccel\.fallback hwaccel=cuda .*using="software decoding"/);
    }
  });
});
