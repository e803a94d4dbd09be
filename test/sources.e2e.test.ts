/**
 * Source variants through the real CLI: HLS over http, RTMP and UDP on loopback, and a hardware decoder
 * that is not there (falls back to software with one warning, never a failed start).
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, createReadStream, existsSync, readFileSync, renameSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseInit } from '../protocol/index.js';
import { makeClip, tempDir } from './helpers/media.js';
import { errors, getJson, meanCellColour, startCli, statuses, TestViewer } from './helpers/server.js';
import { findFfmpeg, resolveHwaccel } from '../src/source/ffmpeg-tools.js';
import { LIVE_SILENT_MS } from '../src/app/playback.js';

const tmp = tempDir();
let clip = '';
let http: Server;
let base = '';
let flakyHeals = false;
let flakyFailures = 0;

beforeAll(async () => {
  const hlsDir = join(tmp.dir, 'hls');
  execFileSync('mkdir', ['-p', hlsDir]);
  // Independent ffmpeg runs go side by side (the two copies need the clip first).
  const ffmpeg = (...args: string[]): Promise<unknown> => promisify(execFile)('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args]);
  // Matroska states the longer of its streams: 2 s of picture, 5 s of sound.
  const longSound = ffmpeg('-f', 'lavfi', '-i', 'testsrc2=size=256x128:rate=30:duration=2', '-f', 'lavfi', '-i', 'sine=duration=5', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', join(hlsDir, 'longsound.mkv'));
  clip = makeClip(join(tmp.dir, 'clip.mp4'), { seconds: 4 });
  await Promise.all([
    longSound,
    ffmpeg('-i', clip, '-c', 'copy', '-f', 'hls', '-hls_time', '1', '-hls_playlist_type', 'vod', join(hlsDir, 'index.m3u8')),
    // An MP4 with its index first, as a download plays.
    ffmpeg('-i', clip, '-c', 'copy', '-movflags', '+faststart', join(hlsDir, 'fast.mp4')),
  ]);
  // A static file server on loopback, standing in for a CDN: whole files only, but under /ranged/,
  // where it answers range requests as most do.
  http = createServer((req, res) => {
    let path = new URL(req.url ?? '/', 'http://x').pathname;
    // /flaky/: the connection dies on every segment from the third on, until `flakyHeals`.
    if (path.startsWith('/flaky/')) {
      path = path.slice('/flaky'.length);
      const segment = /(\d+)\.ts$/.exec(path);
      if (segment && Number(segment[1]) >= 2 && !flakyHeals) {
        flakyFailures++;
        req.socket.destroy();
        return;
      }
    }
    const ranged = path.startsWith('/ranged/');
    const file = normalize(join(hlsDir, ranged ? path.slice('/ranged'.length) : path));
    if (!file.startsWith(hlsDir) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    const range = ranged ? /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '') : null;
    if (range) {
      const size = statSync(file).size;
      const start = Number(range[1]);
      const end = range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
      res.writeHead(206, { 'Content-Range': `bytes ${start}-${end}/${size}`, 'Content-Length': end - start + 1, 'Accept-Ranges': 'bytes' });
      createReadStream(file, { start, end }).pipe(res);
      return;
    }
    res.writeHead(200, ranged ? { 'Accept-Ranges': 'bytes', 'Content-Length': statSync(file).size } : {});
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => http.close(r));
  tmp.cleanup();
});

/** The ffmpeg processes reading `input` (command lines), from anywhere on this machine. */
function decodersOf(input: string): string[] {
  try {
    return execFileSync('pgrep', ['-af', `ffmpeg .*-i ${input}`], { encoding: 'utf8' }).trim().split('\n');
  } catch {
    return []; // pgrep found none
  }
}

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

  it('an MP4 whose server sends only whole files plays from its start and loops, and pause and seek are refused saying why; with range requests they work', async () => {
    // Two servers of their own, side by side: the whole-file one plays to its second pass meanwhile.
    await Promise.all([wholeFile(), rangedFile()]);
  });

  async function wholeFile(): Promise<void> {
    const whole = await startCli([`${base}/fast.mp4`, '--loop', '--log-level', 'warn']);
    try {
      const v = new TestViewer(`${whole.wsUrl}?cols=24&rows=8`);
      await v.moreFrames(5, 15_000);
      v.send({ type: 'pause', paused: true });
      v.send({ type: 'seek', time: 2 });
      await v.until(() => errors(v).length >= 2, 'two refusals');
      const why = 'is not possible in this file: its server sends only the whole file (no range requests), so it plays from its start (download it, or serve it from a server that answers range requests)';
      expect(errors(v)).toEqual([`Error: pause ${why}`, `Error: seek ${why}`]);
      // It plays on, and is told as playing: before, the seek started ffmpeg at 2 s, which read a "partial file" and ended the video.
      await v.moreFrames(10);
      expect(statuses(v).filter((s) => !s.startsWith('STATUS:PLAYING:'))).toEqual([]);
      expect(whole.stderr()).toMatch(/source\.no_ranges/);
      // It loops by starting again: -stream_loop seeks back to the start, and stalled there for good.
      const index = (f: Buffer): number => f.readUInt32BE(0);
      await v.until(() => v.frames.some((f, i) => i > 0 && index(f) < index(v.frames[i - 1]!)), 'the second pass', 15_000);
      await v.moreFrames(10);
      v.close();
    } finally {
      await whole.stop();
    }
  }

  async function rangedFile(): Promise<void> {
    const ranged = await startCli([`${base}/ranged/fast.mp4`, '--log-level', 'warn']);
    try {
      const v = new TestViewer(`${ranged.wsUrl}?cols=24&rows=8`);
      await v.moreFrames(5, 15_000);
      v.send({ type: 'seek', time: 2 });
      await v.until(() => statuses(v).some((s) => s.startsWith('STATUS:SEEKED:2')), 'SEEKED');
      await v.moreFrames(5);
      expect(errors(v)).toEqual([]);
      expect(ranged.stderr()).not.toMatch(/source\.no_ranges/);
      v.close();
    } finally {
      await ranged.stop();
    }
  }

  it('a playlist whose server goes away mid-stream is restarted where it stopped, not ended there', async () => {
    const s = await startCli([`${base}/flaky/index.m3u8`, '--log-level', 'warn']);
    try {
      const v = new TestViewer(`${s.wsUrl}?cols=24&rows=8`);
      await v.until(() => statuses(v).some((t) => t.startsWith('STATUS:RESTARTING:')), 'RESTARTING', 15_000);
      expect(flakyFailures).toBeGreaterThan(0);
      expect(errors(v)[0]).toMatch(/^Error: the stream stopped at [12]\.\d s of 4\.0 s; restarting at [12]\.\d s$/);
      expect(statuses(v).filter((t) => t.startsWith('STATUS:ENDED'))).toEqual([]);
      // Back: it plays on from there to the real end.
      flakyHeals = true;
      await v.until(() => v.closeCode !== null, 'the end', 20_000);
      expect(statuses(v).at(-1)).toBe('STATUS:ENDED:4.000');
      const last = v.frames.at(-1)!.readUInt32BE(0);
      expect(last).toBeGreaterThan(100);
    } finally {
      flakyHeals = false;
      await s.stop();
    }
  });

  it('a URL whose picture stops short of its stated length at one place three times has ended: two tries again, not a loop of them', async () => {
    const s = await startCli([`${base}/ranged/longsound.mkv`, '--log-level', 'warn']);
    try {
      const v = new TestViewer(`${s.wsUrl}?cols=24&rows=8`);
      await v.until(() => v.closeCode !== null, 'the end', 20_000);
      expect(statuses(v).at(-1)).toMatch(/^STATUS:ENDED:2\.\d{3}$/);
      expect(statuses(v).filter((t) => t.startsWith('STATUS:RESTARTING')).length).toBe(2);
      expect(errors(v).at(-1)).toMatch(/^Error: the file ends at 2\.\d s, short of the 5\.\d s it states \(cut short\?\)$/);
    } finally {
      await s.stop();
    }
  });

  it('plays an RTMP stream as a live source, named without its key', async () => {
    const probe = createTcpServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const url = `rtmp://127.0.0.1:${port}/live/s3cr3t-key`;
    // ffmpeg publishing with -listen serves one client; serve's ffprobe and decoder are two, so it
    // starts again for each, as a real RTMP server would take both.
    let publisher: ChildProcess | null = null;
    let stopped = false;
    const publish = (): void => {
      // A restart may be due when the test ends: none after it (one was left listening for good).
      if (stopped) return;
      publisher = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-i', clip, '-an', '-c:v', 'copy', '-f', 'flv', '-listen', '1', url], { stdio: 'ignore' });
      publisher.on('exit', () => {
        if (!stopped) setTimeout(publish, 50);
      });
    };
    publish();
    await new Promise((r) => setTimeout(r, 500));
    try {
      const s = await startCli([url, '--log-level', 'warn']);
      try {
        const v = new TestViewer(`${s.wsUrl}?cols=24&rows=8`);
        await v.moreFrames(10, 15_000);
        expect(parseInit(v.texts[0]!).live).toBe(true);
        expect(v.frames.at(-1)!.length).toBe(4 + 24 * 8 * 4);
        const health = await getJson(`${s.url}/healthz`);
        expect(health['source']).toBe('the rtmp stream');
        expect(health['live']).toBe(true);
        expect(v.texts.join('\n')).not.toContain('s3cr3t-key');
        v.close();
      } finally {
        await s.stop();
      }
    } finally {
      stopped = true;
      (publisher as ChildProcess | null)?.kill('SIGKILL');
    }
  });

  it('plays an MPEG-TS stream over UDP as a live source: from its newest frame, no lag behind the sender, on again when it comes back, no decoder left when the server exits', async () => {
    const probe = createTcpServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    // A camera or encoder sending to this machine: datagrams whether anyone listens or not.
    const send = (): ChildProcess => spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', clip, '-an', '-c:v', 'mpeg2video', '-q:v', '5',
      '-f', 'mpegts', `udp://127.0.0.1:${port}?pkt_size=1316`], { stdio: 'ignore' });
    let sender = send();
    try {
      const s = await startCli([`udp://127.0.0.1:${port}`, '--log-level', 'warn'], process.env, 40_000);
      try {
        const v = new TestViewer(`${s.wsUrl}?cols=24&rows=8`);
        // It starts at its newest frame: what ffmpeg decoded while it probed and waited for a
        // keyframe is skipped. Passed on as it came, it played as a fast-forward (about 47 frames,
        // 1.5 s of stream, in the first quarter of a second).
        await v.moreFrames(1, 20_000);
        const first = v.frames.length;
        await new Promise((r) => setTimeout(r, 500));
        expect(v.frames.length - first).toBeLessThan(25);
        await v.moreFrames(10, 20_000);
        expect(parseInit(v.texts[0]!).live).toBe(true);
        expect((await getJson(`${s.url}/healthz`))['source']).toBe('the udp stream');
        // Playing live, not behind: once the sender stops, at most a few frames still come. Read
        // at the file's pace (-re), the start-up probe's 5 s of stream stayed a 5 s lag: about
        // 150 more frames came after the sender had stopped.
        await v.moreFrames(30, 10_000);
        sender.kill('SIGKILL');
        await new Promise((r) => setTimeout(r, 300));
        const atStop = v.frames.length;
        await new Promise((r) => setTimeout(r, 4000));
        expect(v.frames.length - atStop).toBeLessThan(45);
        // Silent for LIVE_SILENT_MS: the viewer is told, and the stream opened again (the decoder
        // waited on the silent port for good, the last picture shown as playing).
        const texts = v.texts.length;
        const told = (): string[] => v.texts.slice(texts);
        await v.until(() => told().some((t) => /^Error: no picture from the live stream for 10 s; restarting at live/.test(t)), 'the silence told', LIVE_SILENT_MS + 10_000);
        await v.until(() => told().includes('STATUS:RESTARTING:no picture from the live stream for 10 s; restarting at live'), 'RESTARTING');
        // The stream back (a camera restarted): the picture moves again, and the viewers hear so.
        sender = send();
        await v.moreFrames(10, 20_000);
        await v.until(() => v.texts.slice(texts).some((t) => t.startsWith('STATUS:PLAYING')), 'playing again');
        // Silent again, and the viewer gone: the decoder, blocked reading the port, is stopped
        // with the source and does not act on SIGTERM. The server still takes it down as it exits.
        sender.kill('SIGKILL');
        v.close();
        await new Promise((r) => setTimeout(r, 1000));
      } finally {
        await s.stop();
      }
      expect(decodersOf(`udp://127.0.0.1:${port}`)).toEqual([]);
    } finally {
      sender.kill('SIGKILL');
    }
  }, 120_000);

  it('a UDP stream with sound: the picture keeps the port, /audio answers 204 even to a listener who came first', async () => {
    const probe = createTcpServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const sender = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', clip, '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
      '-map', '0:v', '-map', '1:a', '-c:v', 'mpeg2video', '-q:v', '5', '-c:a', 'aac', '-f', 'mpegts', `udp://127.0.0.1:${port}?pkt_size=1316`], { stdio: 'ignore' });
    try {
      const s = await startCli([`udp://127.0.0.1:${port}`, '--log-level', 'warn'], process.env, 40_000);
      try {
        // A listener first: its encoder, a second ffmpeg on the port, took it from the picture's
        // decoder, which failed five times and was given up, every viewer closed with 1011.
        const audio = await fetch(`${s.url}/audio`);
        expect(audio.status).toBe(204);
        const v = new TestViewer(`${s.wsUrl}?cols=24&rows=8`);
        await v.moreFrames(30, 20_000);
        expect(v.closeCode).toBeNull();
        const health = await getJson(`${s.url}/healthz`);
        // Not given up (a loaded machine may have the live edge skip frames: `degraded` for that is no failure).
        expect(health['status']).not.toBe('failed');
        expect((health['timeline'] as { code: string }).code).toBe('PLAYING');
        expect(s.stderr()).toMatch(/warn audio\.unavailable reason="this stream can be read by one process only/);
        v.close();
      } finally {
        await s.stop();
      }
    } finally {
      sender.kill('SIGKILL');
    }
  }, 60_000);

  it('falls back to software decoding with one warning when the accelerator is missing', async () => {
    const s = await startCli([clip, '--hwaccel', 'cuda', '--loop']);
    try {
      const v = new TestViewer(`${s.wsUrl}?cols=24&rows=8`);
      await v.moreFrames(10, 15_000);
      const health = await getJson(`${s.url}/healthz`);
      expect(health['ffmpegRestarts']).toBe(0);
      // What decodes now: software after the fallback, NVDEC with the GPU shrink where there is one.
      // The clip is untagged 4:2:0: its own planes, read as BT.601 (frame-pixels.ts).
      const decoder = health['decoder'] as { hwaccel: string; resizer: string; pixels: string };
      if (existsSync('/dev/nvidiactl')) expect(decoder).toMatchObject({ hwaccel: 'cuda', pixels: 'yuv420p bt601' });
      else expect(decoder).toEqual({ hwaccel: 'none', resizer: (await findFfmpeg()).resizer, pixels: 'yuv420p bt601' });
      const metrics = await (await fetch(`${s.url}/metrics`)).text();
      expect(metrics).toContain(`ascii360_decoder_info{hwaccel="${decoder.hwaccel}",resizer="${decoder.resizer}",pixels="yuv420p bt601"} 1`);
      v.close();
    } finally {
      await s.stop();
    }
    // The start-up line names the decoder asked for (the GPU shrink where this ffmpeg has scale_cuda).
    expect(s.stderr()).toMatch(new RegExp(`server\\.listening .*decoder=cuda/${(await findFfmpeg()).cudaResize ? 'scale_cuda' : '(zscale|scale)'}`));
    const warnings = s.stderr().split('\n').filter((l) => /hwaccel\.fallback/.test(l));
    // With an NVIDIA GPU and driver there is nothing to fall back from.
    if (existsSync('/dev/nvidiactl')) {
      expect(warnings).toHaveLength(0);
    } else {
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/warn hwaccel\.fallback hwaccel=cuda .*using="software decoding"/);
    }
  });

  it('a source that fails on its own (a file gone) is not blamed on the accelerator, which stays on', async () => {
    const file = join(tmp.dir, 'vanishing.mp4');
    copyFileSync(clip, file);
    const s = await startCli([file, '--loop', '--hwaccel', 'auto']);
    try {
      const v = new TestViewer(`${s.wsUrl}?cols=24&rows=8`);
      await v.moreFrames(5, 15_000);
      renameSync(file, `${file}.away`);
      // A seek starts a new decoder, which finds no file: with the accelerator and without.
      v.send({ type: 'seek', time: 1 });
      await v.until(() => errors(v).some((e) => /No such file/.test(e)), 'the decoder failing');
      renameSync(`${file}.away`, file);
      await v.until(() => statuses(v).at(-1)?.startsWith('STATUS:PLAYING:') === true, 'playing again', 15_000);
      await v.moreFrames(5, 15_000);
      const children = execFileSync('pgrep', ['-P', String(s.proc.pid), 'ffmpeg']).toString().trim().split('\n');
      const args = children.map((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'));
      // `auto`, or what it becomes where an NVIDIA driver is (ffmpeg-tools.ts).
      const accelerator = resolveHwaccel('auto', await findFfmpeg());
      expect(args.some((a) => a[a.indexOf('-hwaccel') + 1] === accelerator)).toBe(true);
      v.close();
    } finally {
      await s.stop();
    }
    expect(s.stderr()).not.toMatch(/hwaccel\.fallback/);
  });

  it('plays a 25 fps video at 25 frames a second unless --fps says otherwise: no repeated frames to render', async () => {
    const pal = makeClip(join(tmp.dir, 'pal.mp4'), { seconds: 6, fps: 25 });
    for (const [flags, fps] of [[[], 25], [['--fps', '30'], 30]] as const) {
      const s = await startCli([pal, '--loop', '--log-level', 'warn', ...flags]);
      try {
        const v = new TestViewer(`${s.wsUrl}?cols=24&rows=8`);
        await v.until(() => v.texts.length >= 1 && v.frames.length >= 2, 'INIT and frames');
        expect(parseInit(v.texts[0]!).fps, flags.join(' ') || 'no --fps').toBe(fps);
        expect((await getJson(`${s.url}/healthz`))['fps']).toBe(fps);
        // Frames go out at that rate: their numbers advance by it over two seconds, each once. The
        // numbers, not the count: a loaded machine drops frames for a slow viewer (14 a second came
        // once), which says nothing of the rate the server renders at.
        const from = v.frames.length;
        await new Promise((r) => setTimeout(r, 2000));
        const numbers = v.frames.slice(from).map((f) => f.readUInt32BE(0));
        let advanced = 0;
        for (let i = 1; i < numbers.length; i++) {
          const step = numbers[i]! - numbers[i - 1]!;
          expect(step, `frame ${numbers[i]} after ${numbers[i - 1]}: repeated`).not.toBe(0);
          if (step > 0) advanced += step; // a loop starts the numbers again
        }
        expect(advanced / 2).toBeGreaterThan(fps * 0.8);
        expect(advanced / 2).toBeLessThan(fps * 1.12);
        v.close();
      } finally {
        await s.stop();
      }
    }
  });

  it('a slow file (a frame a second, out at 10) goes out evenly, not as ten frames at once each second that the queue drops', async () => {
    const slow = join(tmp.dir, 'one-fps.mp4');
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=256x128:rate=1', '-t', '6', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', slow]);
    const s = await startCli([slow, '--log-level', 'warn']);
    try {
      const v = new TestViewer(`${s.wsUrl}?cols=24&rows=8`);
      await v.until(() => v.frames.length >= 30, '30 frames', 15_000);
      const at = v.messages.flatMap((m, i) => (m.binary ? [v.times[i]!] : []));
      const gaps = at.slice(1, 30).map((t, i) => t - at[i]!);
      // Under -re the ten copies of each second's frame left together: 9 gaps in 10 under 5 ms, and
      // a second between the bursts. Held to a schedule a loaded machine may still deliver a late
      // frame with the next, but not most of them.
      expect(gaps.filter((g) => g < 20).length, gaps.map((g) => g.toFixed(0)).join(' ')).toBeLessThanOrEqual(8);
      expect(Math.max(...gaps)).toBeLessThan(700);
      // Under -re the bursts overran the 2-frame queue: 16 of 49 frames dropped.
      const health = await getJson(`${s.url}/healthz`);
      expect((health['frames'] as { dropped: number }).dropped).toBeLessThanOrEqual(2);
      v.close();
    } finally {
      await s.stop();
    }
  });

  it('a variable-rate file (2 s at 30 fps, then 2 s at 5) plays on its own clock, every output frame evenly spaced', async () => {
    // Each frame's grey is its moment: Y = 16 + 50 t, so RGB 58.2 per second; lossless, so it reads back exactly.
    const vfr = join(tmp.dir, 'variable-rate.mp4');
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'color=c=black:s=128x64:r=30:d=2', '-f', 'lavfi', '-i', 'color=c=black:s=128x64:r=5:d=2',
      '-filter_complex', "[0][1]concat=n=2:v=1,settb=1/1000,geq=lum='16+T*50':cb=128:cr=128,format=yuv420p", '-fps_mode', 'vfr', '-c:v', 'libx264', '-qp', '0', '-preset', 'ultrafast', vfr]);
    const s = await startCli([vfr, '--log-level', 'warn']);
    try {
      const v = new TestViewer(`${s.wsUrl}?cols=16&rows=6&camera=equirect&fov=360`);
      await v.until(() => v.closeCode !== null, 'the end', 15_000);
      // 70 frames over 3.8 s average 18.4 fps: out at 18, the fast stretch's frames dropped, the slow one's repeated.
      const fps = parseInit(v.texts[0]!).fps;
      expect(fps).toBe(18);
      const frames = v.messages.flatMap((m, i) => (m.binary ? [{ k: m.data.readUInt32BE(0), seconds: meanCellColour(m.data)[0] / 58.2, at: v.times[i]! }] : []));
      // Each frame shows its own moment, not the file's frames one after another at the average rate
      // (frame 36, at 2 s, would have shown the file's 36th frame, of 1.2 s).
      for (const f of frames) expect(Math.abs(f.seconds - f.k / fps), `frame ${f.k} shows ${f.seconds.toFixed(2)} s`).toBeLessThan(0.25);
      const last = frames.at(-1)!;
      expect(last.k).toBeGreaterThanOrEqual(66);
      // Under -re 6 of 66 were lost in bursts; a loaded machine's render may still drop one or two.
      expect(frames.length, 'frames lost').toBeGreaterThanOrEqual(last.k - 2);
      // The 3.8 s file lasts 3.8 s.
      expect((last.at - frames[0]!.at) / 1000).toBeGreaterThan((0.8 * last.k) / fps);
      // Under -re each 5 fps frame's copies left together, three or four at once, which the 2-frame
      // queue dropped some of.
      const gaps = frames.slice(1).map((f, i) => f.at - frames[i]!.at);
      expect(gaps.filter((g) => g < 20).length, gaps.map((g) => g.toFixed(0)).join(' ')).toBeLessThanOrEqual(8);
    } finally {
      await s.stop();
    }
  });

  it('a file that does not state its length plays as a video and ends where its picture does, not at 0', async () => {
    const mkv = join(tmp.dir, 'no-length.mkv');
    // Written to a pipe, the Matroska muxer cannot go back to write the length.
    execFileSync('sh', ['-c', `ffmpeg -hide_banner -loglevel error -f lavfi -i testsrc2=size=256x128:rate=30:duration=2 -c:v libx264 -pix_fmt yuv420p -f matroska - | cat > '${mkv}'`]);
    const s = await startCli([mkv, '--log-level', 'warn']);
    try {
      const v = new TestViewer(`${s.wsUrl}?cols=24&rows=8`);
      await v.until(() => v.texts.some((t) => t.startsWith('STATUS:ENDED')), 'the end', 15_000);
      expect(parseInit(v.texts[0]!).duration).toBe(0);
      expect(v.texts.some((t) => t.startsWith('STATUS:STILL'))).toBe(false);
      const ended = Number(v.texts.find((t) => t.startsWith('STATUS:ENDED'))!.split(':')[2]);
      expect(ended).toBeGreaterThan(1.8);
      expect(ended).toBeLessThan(2.2);
      v.close();
      // Its end now known, a seek past it is refused, as past a stated length; one before it plays.
      const next = new TestViewer(`${s.wsUrl}?cols=24&rows=8`);
      await next.moreFrames(1);
      next.send({ type: 'seek', time: 5 });
      await next.until(() => next.texts.some((t) => t.startsWith('Error: seek time 5 is past the end (2.0')), 'the refusal', 5_000);
      next.send({ type: 'seek', time: 1 });
      await next.until(() => next.texts.some((t) => t.startsWith('STATUS:SEEKED:1')), 'the seek', 5_000);
      next.close();
    } finally {
      await s.stop();
    }
  });

  it('names ffmpeg would read as a protocol or an option (clip:1.mp4, -dash.mp4) play as the files they are, sound included', async () => {
    makeClip(join(tmp.dir, 'clip:1.mp4'), { seconds: 3, toneHz: 440 });
    copyFileSync(join(tmp.dir, 'clip:1.mp4'), join(tmp.dir, '-dash.mp4'));
    // A server for each name, side by side.
    await Promise.all(['clip:1.mp4', '-dash.mp4'].map(async (name) => {
      const s = await startCli(['--log-level', 'warn', '--', name], process.env, 20_000, tmp.dir);
      try {
        const v = new TestViewer(`${s.wsUrl}?cols=24&rows=8`);
        await v.moreFrames(3);
        const audio = await fetch(`${s.url}/audio`);
        expect(audio.status, name).toBe(200);
        const reader = audio.body!.getReader();
        const { value } = await reader.read();
        // ADTS: every AAC frame starts with the 12-bit sync word.
        expect(value![0], name).toBe(0xff);
        await reader.cancel();
        v.close();
      } finally {
        await s.stop();
      }
    }));
  });

  it('a slow file (a frame every 2 s) shows its first picture at once, not frames of threads later', async () => {
    const slow = join(tmp.dir, 'slow.mp4');
    // B-frames (the medium preset) as a camera's time-lapse has them.
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=256x128:rate=1/2', '-t', '16', '-c:v', 'libx264', '-preset', 'medium', '-pix_fmt', 'yuv420p', slow]);
    const s = await startCli([slow, '--log-level', 'warn']);
    try {
      const v = new TestViewer(`${s.wsUrl}?cols=24&rows=8`);
      await v.until(() => v.frames.length >= 1, 'the first frame', 15_000);
      // Its frames are held to a schedule, ffmpeg reading ahead without -re: under -re constant frame
      // rate out needed the next frame's time, 2 s, and a decoder in N threads held N - 1 frames
      // more, 2 s each (4 s on 2 cores, more on more).
      const waited = v.times[v.messages.findIndex((m) => m.binary)]! - v.times[0]!;
      expect(waited).toBeLessThan(3500);
      v.close();
    } finally {
      await s.stop();
    }
  });
});
