/**
 * `/audio` when the sound cannot go on: the source given up, or its sound alone (PROTOCOL-NOTES.md
 * §1.4). Real ffmpeg encoders, real listeners. Apart from audio.e2e.test.ts, which runs alone for
 * its timing: nothing here is about time beyond generous bounds, so it runs beside other files.
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { audioEncoders, endsWithin, listen, makeNoisyClip, pictureRestarts, sleep } from './helpers/audio.js';
import { makeClip, tempDir } from './helpers/media.js';
import { getJson, startCli, TestViewer } from './helpers/server.js';

const tmp = tempDir();

afterAll(() => tmp.cleanup());

describe('/audio when the sound cannot go on', () => {
  it('a source given up ends its listener, and /audio then answers 503 with why, starting nothing', async () => {
    const doomed = makeClip(join(tmp.dir, 'doomed.mp4'), { width: 256, height: 128, seconds: 30, toneHz: 500 });
    const s = await startCli([doomed, '--log-level', 'error']);
    try {
      const v = new TestViewer(`${s.wsUrl}?cols=8&rows=4`);
      const c = await listen(`${s.url}/audio`);
      await v.moreFrames(3);
      // Sound heard: its encoder has the file open.
      const heardBy = Date.now() + 10_000;
      while (c.chunks.length === 0 && Date.now() < heardBy) await sleep(50);
      expect(c.chunks.length, 'sound heard').toBeGreaterThan(0);
      // The file goes and the picture's decoder dies: every restart of the picture fails, while the
      // sound's encoder reads on from the file it holds open and waits for a picture.
      rmSync(doomed);
      const decoder = execFileSync('pgrep', ['-P', String(s.proc.pid), '-f', 'rawvideo']).toString().trim().split('\n');
      expect(decoder).toHaveLength(1);
      process.kill(Number(decoder[0]), 'SIGKILL');
      await v.until(() => v.texts.some((t) => t.startsWith('STATUS:FAILED:')), 'FAILED', 20_000);
      // Before, the listener's response stayed open with nothing more to come.
      expect(await endsWithin(c, 3000), 'the listener ended').toBe(true);
      for (const method of ['GET', 'HEAD']) {
        const res = await fetch(`${s.url}/audio`, { method, signal: AbortSignal.timeout(5000) });
        expect(res.status, method).toBe(503);
        if (method === 'GET') expect(await res.text()).toMatch(/^the source failed: video decoder stopped .*doomed\.mp4: No such file or directory.*; gave up after 5 attempts\n$/);
      }
      // Asking for the sound did not start the given-up source again.
      await sleep(500);
      const health = await fetch(`${s.url}/healthz`);
      expect(health.status).toBe(503);
      expect(await health.json()).toMatchObject({ status: 'failed', timeline: { code: 'FAILED' } });
      v.close();
    } finally {
      await s.stop();
    }
  }, 40_000);

  it('an audio encoder that keeps failing gives the sound up: /audio answers 503 with why, its listener ends, the picture plays on', async () => {
    const noisy = makeNoisyClip(join(tmp.dir, 'soundless-soon.mp4'), 40);
    const s = await startCli([noisy, '--log-level', 'error']);
    const encoders = (): string[] => audioEncoders(s.proc.pid!);
    try {
      const v = new TestViewer(`${s.wsUrl}?cols=8&rows=4`);
      const c = await listen(`${s.url}/audio`);
      // The picture settled at its viewer's working size first (a resize restarts its decoder, 1 s
      // after a viewer comes): restarted on the missing file, the source itself would fail.
      await v.moreFrames(3);
      await sleep(1500);
      // On a loaded machine the resize may come later: the same working size twice, 0.6 s apart,
      // and frames since then.
      let width = -1;
      for (const end = Date.now() + 10_000; Date.now() < end; ) {
        const now = ((await (await fetch(`${s.url}/healthz`)).json()) as { workWidth: number }).workWidth;
        if (now === width) break;
        width = now;
        await sleep(600);
      }
      await v.moreFrames(3);
      const decoderRuns = pictureRestarts(await getJson(`${s.url}/healthz`));
      expect(encoders()).toHaveLength(1);
      // The file goes, then the encoder crashes as in the test above: each restart of the sound
      // fails ("No such file"), while the picture's decoder reads on from the file it holds open.
      rmSync(noisy);
      process.kill(Number(encoders()[0]), 'SIGKILL');
      await v.until(() => v.texts.some((t) => t.includes('the sound is given up')), 'the sound given up', 20_000);
      // Four restarts (250 ms, then doubled), each told; the fifth failure gives the sound up.
      expect(v.texts.filter((t) => /^Error: audio encoder stopped .*; restarting the sound$/.test(t))).toHaveLength(4);
      expect(v.texts.filter((t) => t.includes('the sound is given up'))).toEqual([expect.stringMatching(/^Error: audio encoder stopped \(ffmpeg exited with code \d+: soundless-soon\.mp4: No such file or directory\); the sound is given up, the picture goes on$/)]);
      expect(await endsWithin(c, 3000), 'the listener ended').toBe(true);
      // /audio says the sound failed and why, not "this source has no sound" (204).
      for (const method of ['GET', 'HEAD']) {
        const res = await fetch(`${s.url}/audio`, { method, signal: AbortSignal.timeout(5000) });
        expect(res.status, method).toBe(503);
        expect(res.headers.get('content-type'), method).toBe('text/plain; charset=utf-8');
        expect(res.headers.get('access-control-allow-origin'), method).toBe('*');
        const body = await res.text();
        if (method === 'GET') expect(body).toMatch(/^the sound failed: audio encoder stopped \(ffmpeg exited with code \d+: soundless-soon\.mp4: No such file or directory\)\n$/);
        else expect(body).toBe('');
      }
      // Neither request started an encoder again; the server's directories are not told.
      await sleep(500);
      expect(encoders()).toEqual([]);
      const health = await fetch(`${s.url}/healthz`);
      expect(health.status).toBe(200);
      const body = await health.json() as Record<string, unknown>;
      expect(body).toMatchObject({
        // Degraded, not ok: an operator sees the sound is gone; not failed, since the picture plays.
        status: 'degraded',
        timeline: { code: 'PLAYING' },
        audio: { available: false, failed: true, restarts: 4, listeners: 0, reason: expect.stringMatching(/^audio encoder stopped .*soundless-soon\.mp4: No such file or directory\)$/) },
      });
      expect(JSON.stringify(body['audio'])).not.toContain(tmp.dir);
      expect(pictureRestarts(body), 'the picture\'s decoder was not started again on the missing file').toBe(decoderRuns);
      // The picture plays on.
      await v.moreFrames(10);
      expect(v.closeCode).toBeNull();
      v.close();
    } finally {
      await s.stop();
    }
  }, 40_000);
});
