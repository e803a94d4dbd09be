/**
 * `/audio` end to end: real ffmpeg encodes, real HTTP listeners, ffprobe and ffmpeg check what was
 * heard. The clip's sound is 500 Hz for its first 3 s and 1500 Hz after, so a seek is audible.
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAdtsHeader } from '../protocol/adts.js';
import { audioEncoders, decode, listen, makeNoisyClip, probe, sleep, tonePower, wholeFrames } from './helpers/audio.js';
import { makeClip, tempDir } from './helpers/media.js';
import { getJson, startCli, TestViewer, type CliServer } from './helpers/server.js';

const tmp = tempDir();
let server: CliServer;
let clip = '';

function makeTwoToneClip(path: string): string {
  execFileSync('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', 'testsrc2=size=256x128:rate=30:duration=6',
    '-f', 'lavfi', '-i', "aevalsrc='0.5*sin(2*PI*if(lt(t,3),500,1500)*t)':s=48000:d=6",
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '128k', '-shortest', path,
  ]);
  return path;
}

beforeAll(async () => {
  clip = makeTwoToneClip(join(tmp.dir, 'tones.mp4'));
  server = await startCli([clip, '--loop', '--log-level', 'warn']);
});

afterAll(async () => {
  await server?.stop();
  tmp.cleanup();
});

describe('/audio', () => {
  it('answers 200 audio/aac, chunked, no-store, CORS, no length; HEAD gives the headers only', async () => {
    const head = await fetch(`${server.url}/audio`, { method: 'HEAD', signal: AbortSignal.timeout(5000) });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('audio/aac');
    expect(head.headers.get('cache-control')).toBe('no-store');
    expect(head.headers.get('access-control-allow-origin')).toBe('*');
    expect(head.headers.get('content-length')).toBeNull();
    const c = await listen(`${server.url}/audio`);
    expect(c.res.headers['transfer-encoding']).toBe('chunked');
    expect(c.res.headers['content-length']).toBeUndefined();
    c.stop();
  });

  it('streams AAC-LC that ffprobe recognises and ffmpeg decodes without errors, with the clip\'s tone', async () => {
    const c = await listen(`${server.url}/audio`);
    // The headers come at once; the sound once the encoder (started for this listener) is up.
    for (let waited = 0; c.bytes().length === 0 && waited < 10_000; waited += 50) await sleep(50);
    await sleep(3000);
    c.stop();
    const adts = wholeFrames(c.bytes());
    expect(adts.length).toBeGreaterThan(10_000);
    const file = join(tmp.dir, 'capture.aac');
    writeFileSync(file, adts);
    expect(probe(file)).toEqual({ codec: 'aac', profile: 'LC', sampleRate: 48000 });
    const { pcm, errors } = decode(adts);
    expect(errors).toBe('');
    expect(pcm.length).toBeGreaterThan(48000 * 2.5);
    // The first 3 s of the clip are 500 Hz: far above the 1500 Hz and an unrelated 700 Hz.
    const first = pcm.subarray(0, 48000 * 2);
    expect(tonePower(first, 500)).toBeGreaterThan(100 * tonePower(first, 700));
  });

  it('a listener joining 1 s later decodes from its first byte and hears the same bytes', async () => {
    const a = await listen(`${server.url}/audio`);
    await sleep(1000);
    const b = await listen(`${server.url}/audio`);
    await sleep(1500);
    a.stop();
    b.stop();
    const bytesA = a.bytes();
    const bytesB = wholeFrames(b.bytes());
    expect(readAdtsHeader(bytesB, 0)).not.toBeNull();
    expect(decode(bytesB).errors).toBe('');
    // A steady tone encodes to repeating frames: try every place B's start occurs in A.
    const needle = bytesB.subarray(0, 512);
    let matched = -1;
    for (let at = bytesA.indexOf(needle); at >= 0 && matched < 0; at = bytesA.indexOf(needle, at + 1)) {
      const overlap = Math.min(bytesB.length, bytesA.length - at);
      if (overlap > 5000 && bytesA.subarray(at, at + overlap).equals(bytesB.subarray(0, overlap))) matched = at;
    }
    expect(matched).toBeGreaterThan(0);
  });

  it('pause stops the audio bytes within 100 ms; seek changes what is heard', async () => {
    const v = new TestViewer(`${server.wsUrl}?cols=8&rows=4`);
    const c = await listen(`${server.url}/audio`);
    await v.moreFrames(10);
    await sleep(500);
    const pausedAt = performance.now();
    v.send({ type: 'pause', paused: true });
    await sleep(1000);
    const late = c.chunks.filter((ch) => ch.at > pausedAt + 100);
    expect(late).toEqual([]);
    // Seek into the 1500 Hz half and play: that is what is heard now.
    const before = c.chunks.length;
    v.send({ type: 'seek', time: 3.5 });
    v.send({ type: 'pause', paused: false });
    await sleep(1500);
    c.stop();
    v.close();
    const after = wholeFrames(Buffer.concat(c.chunks.slice(before).map((ch) => ch.bytes)));
    const { pcm } = decode(after);
    expect(pcm.length).toBeGreaterThan(48000 * 0.8);
    expect(tonePower(pcm, 1500)).toBeGreaterThan(30 * tonePower(pcm, 500));
  });

  it('keeps sound and picture within 40 ms of each other at the server', async () => {
    const v = new TestViewer(`${server.wsUrl}?cols=8&rows=4`);
    const c = await listen(`${server.url}/audio`);
    await sleep(2000);
    const audio = (await getJson(`${server.url}/healthz`))['audio'] as Record<string, number>;
    c.stop();
    v.close();
    expect(audio['available']).toBe(true);
    expect(Math.abs(audio['offsetMs']!)).toBeLessThanOrEqual(40);
    expect(audio['maxOffsetMs']).toBeLessThanOrEqual(40);
  });

  it('an audio encoder crash restarts it; the listener continues on the same response; viewers are told', async () => {
    const long = makeNoisyClip(join(tmp.dir, 'long-noise.mp4'), 40);
    const s = await startCli([long, '--log-level', 'warn']);
    try {
      const v = new TestViewer(`${s.wsUrl}?cols=8&rows=4`);
      const c = await listen(`${s.url}/audio`);
      await sleep(800);
      const encoders = audioEncoders(s.proc.pid!);
      expect(encoders).toHaveLength(1);
      process.kill(Number(encoders[0]), 'SIGKILL');
      const killedAt = performance.now();
      await sleep(2000);
      c.stop();
      expect(c.chunks.some((ch) => ch.at > killedAt + 500)).toBe(true);
      expect(c.ended).toBe(false);
      expect(v.texts.some((t) => /^Error: audio encoder stopped \(ffmpeg killed by SIGKILL\); restarting the sound$/.test(t))).toBe(true);
      expect(v.closeCode).toBeNull();
      expect(decode(wholeFrames(c.bytes())).errors).toBe('');
      v.close();
    } finally {
      await s.stop();
    }
  }, 40_000);

  it('encodes the sound only while someone listens: no audio ffmpeg for viewers alone', async () => {
    const s = await startCli([makeClip(join(tmp.dir, 'on-demand.mp4'), { width: 128, height: 64, seconds: 30, toneHz: 440 }), '--loop', '--log-level', 'warn']);
    const ffmpegs = (): number => {
      try {
        return execFileSync('pgrep', ['-P', String(s.proc.pid), 'ffmpeg'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).length;
      } catch {
        return 0; // pgrep finds none
      }
    };
    try {
      const v = new TestViewer(`${s.wsUrl}?cols=8&rows=4`);
      await v.moreFrames(10);
      expect(ffmpegs()).toBe(1); // the picture only
      const listener = await listen(`${s.url}/audio`);
      const deadline = Date.now() + 5000;
      while (listener.bytes().length < 2000 && Date.now() < deadline) await sleep(50);
      expect(readAdtsHeader(listener.bytes(), 0)).not.toBeNull();
      expect(ffmpegs()).toBeGreaterThanOrEqual(2);
      listener.stop();
      const gone = Date.now() + 5000;
      while (ffmpegs() > 1 && Date.now() < gone) await sleep(50);
      expect(ffmpegs()).toBe(1);
      await v.moreFrames(3); // the picture went on
      v.close();
    } finally {
      await s.stop();
    }
  });

  it('answers 204 and /healthz says there is no audio; the picture plays', async () => {
    const silent = makeClip(join(tmp.dir, 'silent.mp4'), { seconds: 2 });
    const s = await startCli([silent, '--loop', '--log-level', 'warn']);
    try {
      const res = await fetch(`${s.url}/audio`, { signal: AbortSignal.timeout(5000) });
      expect(res.status).toBe(204);
      expect(((await getJson(`${s.url}/healthz`))['audio'] as Record<string, unknown>)['available']).toBe(false);
      const v = new TestViewer(`${s.wsUrl}?cols=8&rows=4`);
      await v.moreFrames(5);
      v.close();
    } finally {
      await s.stop();
    }
  });

  it('unknown paths and methods answer 404 and 405 with a short text', async () => {
    const r404 = await fetch(`${server.url}/audio.mp3`, { signal: AbortSignal.timeout(5000) });
    expect(r404.status).toBe(404);
    expect(await r404.text()).toMatch(/^not found/);
    const r405 = await fetch(`${server.url}/audio`, { method: 'PUT', signal: AbortSignal.timeout(5000) });
    expect(r405.status).toBe(405);
    expect(await r405.text()).toMatch(/not allowed/);
  });
});

describe('/audio loops with the picture', () => {
  it('starts the sound again with the picture at each pass, without drift or gap', async () => {
    // 3 s passes: 500 Hz for the first half of each pass, 1500 Hz for the second.
    const path = join(tmp.dir, 'short-tones.mp4');
    execFileSync('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-y',
      '-f', 'lavfi', '-i', 'testsrc2=size=256x128:rate=30:duration=3',
      '-f', 'lavfi', '-i', "aevalsrc='0.5*sin(2*PI*if(lt(t,1.5),500,1500)*t)':s=48000:d=3",
      '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '128k', '-shortest', path,
    ]);
    const s = await startCli([path, '--loop', '--log-level', 'warn']);
    try {
      const v = new TestViewer(`${s.wsUrl}?cols=8&rows=4`);
      const c = await listen(`${s.url}/audio`);
      // Four passes: the first loops happen, then listen to a fresh pass from its start.
      const deadline = Date.now() + 20_000;
      let health: Record<string, unknown> = {};
      for (;;) {
        health = await getJson(`${s.url}/healthz`);
        if ((health['position'] as number) > 2.6 && v.frames.length > 300) break;
        if (Date.now() > deadline) throw new Error('the clip did not loop');
        await sleep(50);
      }
      const from = c.chunks.length;
      await sleep(2600);
      const heard = wholeFrames(Buffer.concat(c.chunks.slice(from).map((ch) => ch.bytes)));
      const audio = (await getJson(`${s.url}/healthz`))['audio'] as Record<string, number>;
      c.stop();
      v.close();
      const { pcm, errors } = decode(heard);
      expect(errors).toBe('');
      // About 0.4 s of the old pass's second half, then the new pass's first half.
      const half = (from: number, to: number): Int16Array => pcm.subarray(Math.floor(from * 48000), Math.floor(to * 48000));
      const before = half(0, 0.25);
      const after = half(0.9, 1.6);
      expect(tonePower(before, 1500)).toBeGreaterThan(10 * tonePower(before, 500));
      expect(tonePower(after, 500)).toBeGreaterThan(10 * tonePower(after, 1500));
      // In step across the loops.
      expect(audio['maxOffsetMs']).toBeLessThanOrEqual(40);
      expect(audio['restarts']).toBe(0);
    } finally {
      await s.stop();
    }
  }, 40_000);
});

describe('/audio of an HLS playlist of fMP4 (CMAF) segments', () => {
  // ffmpeg before 8.0 cannot seek in one (trac #7359): a run past the start reads a copy of the
  // playlist from the moment's segment on (cmaf-playlist.ts), for the sound as for the picture.
  // Segments of 1 s (a keyframe each second); the second playlist says 1.4 s for each, so a sound
  // started by its durations would be heard 0.4 s a segment early (500 Hz at 3.5 s).
  it.each([
    ['its durations right', 'index.m3u8'],
    ['its durations off by 0.4 s a segment', 'off.m3u8'],
  ])('%s: a seek is heard at its moment, and sound and picture stay within 40 ms of each other', async (name, playlist) => {
    const dir = join(tmp.dir, `cmaf-${playlist}`);
    mkdirSync(dir);
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', clip, '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '30', '-c:a', 'copy', '-f', 'hls', '-hls_time', '1', '-hls_segment_type', 'fmp4', '-hls_playlist_type', 'vod', join(dir, 'index.m3u8')]);
    writeFileSync(join(dir, 'off.m3u8'), readFileSync(join(dir, 'index.m3u8'), 'utf8').replace(/#EXTINF:[\d.]+,/g, '#EXTINF:1.400000,'));
    const http = createServer((req, res) => {
      const file = normalize(join(dir, new URL(req.url ?? '/', 'http://x').pathname));
      if (!file.startsWith(dir) || !existsSync(file)) res.writeHead(404).end();
      else createReadStream(file).pipe(res);
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const s = await startCli([`http://127.0.0.1:${(http.address() as AddressInfo).port}/${playlist}`, '--loop', '--log-level', 'warn']);
    try {
      const v = new TestViewer(`${s.wsUrl}?cols=8&rows=4`);
      const c = await listen(`${s.url}/audio`);
      await v.moreFrames(10);
      // Paused first, so no sound of the moment before is still on its way (pause stops it within 100 ms, above).
      // The sound of the moment comes once the segment's start time is read and its encoder is up:
      // 0.8 s of it (38 AAC frames of 1024 samples) is taken, waited for up to 6 s.
      const heardAfter = async (time: number): Promise<Int16Array> => {
        v.send({ type: 'pause', paused: true });
        await sleep(400);
        const before = c.chunks.length;
        v.send({ type: 'seek', time });
        v.send({ type: 'pause', paused: false });
        const since = (): Buffer => wholeFrames(Buffer.concat(c.chunks.slice(before).map((ch) => ch.bytes)));
        for (let waited = 0; adtsFrames(since()) < 38 && waited < 6000; waited += 100) await sleep(100);
        return decode(since()).pcm;
      };
      // Into the 1500 Hz half, then back into the 500 Hz one.
      const high = await heardAfter(3.5);
      const low = await heardAfter(1.0);
      const audio = (await getJson(`${s.url}/healthz`))['audio'] as Record<string, number>;
      c.stop();
      v.close();
      expect(v.texts.filter((t) => t.startsWith('Error: '))).toEqual([]);
      expect(high.length).toBeGreaterThan(48000 * 0.75);
      expect(low.length).toBeGreaterThan(48000 * 0.75);
      expect(tonePower(high, 1500), name).toBeGreaterThan(30 * tonePower(high, 500));
      expect(tonePower(low, 500)).toBeGreaterThan(30 * tonePower(low, 1500));
      expect(Math.abs(audio['offsetMs']!)).toBeLessThanOrEqual(40);
    } finally {
      await s.stop();
      await new Promise((r) => http.close(r));
    }
  });
});

/** How many ADTS frames `adts` holds, whole ones back to back. */
function adtsFrames(adts: Buffer): number {
  let n = 0;
  for (let at = 0, header = readAdtsHeader(adts, 0); header; header = readAdtsHeader(adts, at)) {
    at += header.frameLength;
    n++;
  }
  return n;
}
