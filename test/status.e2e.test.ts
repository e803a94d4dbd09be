/**
 * The shared timeline on the wire (PROTOCOL-NOTES.md §2.1): every viewer is told each change as
 * `STATUS:<CODE>:<text>`, a joiner gets the current one right after its INIT, and /healthz says
 * ok, degraded or failed with the HTTP status to match. Real servers, real sockets, real ffmpeg.
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode, FrameDecoder, parseStatus } from '../protocol/index.js';
import { STALLED_MS } from '../src/app/health.js';
import { makeClip, tempDir } from './helpers/media.js';
import { errors, serverPool, statuses, type CliServer, type TestViewer } from './helpers/server.js';

const tmp = tempDir('ascii360-status-');
let clip = '';
const pool = serverPool();

beforeAll(() => {
  clip = makeClip(join(tmp.dir, 'clip.mp4'), { seconds: 6 });
});

afterAll(async () => {
  await pool.close();
  tmp.cleanup();
});

const serve = pool.serve;
const viewer = (s: CliServer, query = 'cols=20&rows=6'): TestViewer => pool.viewer(s, query);

const codes = (v: TestViewer): string[] => statuses(v).map((t) => parseStatus(t).code);

describe('STATUS: the timeline every viewer is told', () => {
  it('a pause and a seek reach every viewer; a joiner hears the current state right after INIT', async () => {
    const s = await serve([clip, '--loop']);
    const a = viewer(s);
    const b = viewer(s);
    await a.until(() => a.frames.length >= 2, 'frames for a');
    await b.until(() => b.frames.length >= 2, 'frames for b');
    // Each joined a playing timeline: INIT, then STATUS:PLAYING.
    for (const v of [a, b]) {
      expect(v.texts[0]).toMatch(/^INIT:/);
      expect(v.texts[1]).toMatch(/^STATUS:PLAYING:\d+\.\d{3}$/);
    }
    a.send({ type: 'pause', paused: true });
    await b.until(() => codes(b).includes('PAUSED'), 'b hears the pause');
    await a.until(() => codes(a).includes('PAUSED'), 'a hears its own pause');
    const pausedAt = parseStatus(statuses(b).at(-1)!).position!;
    expect(pausedAt).toBeGreaterThan(0);

    const c = viewer(s);
    await c.until(() => statuses(c).length >= 1, 'the joiner\'s STATUS');
    expect(c.texts[0]).toMatch(/^INIT:/);
    expect(parseStatus(c.texts[1]!)).toEqual({ code: 'PAUSED', position: pausedAt });

    b.send({ type: 'seek', time: 3 });
    for (const v of [a, b, c]) await v.until(() => codes(v).includes('SEEKED'), 'the seek');
    expect(parseStatus(statuses(c).at(-1)!)).toEqual({ code: 'SEEKED', position: 3 });
    c.send({ type: 'pause', paused: false });
    for (const v of [a, b, c]) await v.until(() => codes(v).at(-1) === 'PLAYING', 'the resume');
    expect(parseStatus(statuses(a).at(-1)!).position).toBeGreaterThanOrEqual(3);
    expect((await fetch(`${s.url}/healthz`).then((r) => r.json()) as { timeline: unknown }).timeline).toMatchObject({ code: 'PLAYING' });
  });

  it('a burst of seeks and pauses (a paste, keys repeating) plays on from the last: no run left holding a frame slot', async () => {
    const s = await serve([clip, '--loop']);
    const a = viewer(s);
    await a.moreFrames(2);
    // Each seek restarts the decoder before the one before it had started: 12 rounds, in one read.
    for (let i = 0; i < 12; i++) {
      a.send({ type: 'seek', time: 1 + (i % 4) });
      a.send({ type: 'pause', paused: i % 2 === 0 });
    }
    a.send({ type: 'pause', paused: false });
    await a.until(() => codes(a).at(-1) === 'PLAYING', 'the last resume');
    // Frames flow again, and keep flowing: they froze for good once the slots had all been taken.
    await a.moreFrames(30, 10_000);
    const health = (await fetch(`${s.url}/healthz`).then((r) => r.json())) as { stalledMs: number; timeline: { code: string; position: number } };
    expect(health.timeline.code).toBe('PLAYING');
    // In milliseconds, as STATUS: says it, not a sum of frame times (8.199999999999998).
    expect(String(health.timeline.position)).toMatch(/^\d+(\.\d{1,3})?$/);
    // Not standing still (a loaded machine may have dropped a frame meanwhile: `degraded` for that is no freeze).
    expect(health.stalledMs).toBeLessThan(STALLED_MS);
  });

  it('after SEEKED every frame shows the new moment: one rendering or queued when the seek came is shown to nobody', async () => {
    const s = await serve([clip, '--loop']);
    // Four distinct mosaic views of the largest grid keep the workers busy through most of each
    // frame interval, so most seeks land while a frame of the old moment renders or waits to.
    const views = [0, 90, 180, 270].map((yaw) => viewer(s, `cols=250&rows=75&style=mosaic&yaw=${yaw}`));
    // The last view coded too, losslessly: a DELTA rendered for it and withheld must not leave its
    // next frame patching a state its viewer never got. Decoded, it must be the raw view's picture.
    views.push(viewer(s, 'cols=250&rows=75&style=mosaic&yaw=270&codec=tagged&quality=lossless'));
    for (const v of views) await v.moreFrames(2);
    const [a] = views as [TestViewer];
    const SEEKS = 10;
    for (let i = 0; i < SEEKS; i++) {
      const time = i % 2 === 0 ? 1 : 4;
      const from = views.map((v) => v.messages.length);
      a.send({ type: 'seek', time });
      for (const [n, v] of views.entries()) {
        const seekedAt = (): number => v.messages.findIndex((m, k) => k >= from[n]! && !m.binary && m.text.startsWith('STATUS:SEEKED:'));
        const frameAfter = (): Buffer | undefined => {
          const at = seekedAt();
          const m = at < 0 ? undefined : v.messages.slice(at + 1).find((x) => x.binary);
          return m?.binary ? m.data : undefined;
        };
        await v.until(() => frameAfter() !== undefined, `viewer ${n}: a frame after SEEKED to ${time}`);
        // The frame index is round(position × fps) (PROTOCOL-NOTES §3): the old moment was 3 s away.
        const position = frameAfter()!.readUInt32BE(0) / 30;
        expect(position, `viewer ${n}, seek ${i} to ${time}`).toBeGreaterThanOrEqual(time - 0.05);
        expect(position, `viewer ${n}, seek ${i} to ${time}`).toBeLessThan(time + 1.5);
      }
    }
    // Each seek's first frame, raw and decoded, where both are the same render (the same index).
    const firstAfterSeeks = (v: TestViewer, cells: (frame: Buffer) => Uint8Array): Map<number, { index: number; cells: Uint8Array }> => {
      const out = new Map<number, { index: number; cells: Uint8Array }>();
      let round = -1;
      for (const m of v.messages) {
        if (!m.binary) {
          if (m.text.startsWith('STATUS:SEEKED:')) round++;
          continue;
        }
        const decoded = cells(m.data);
        if (round >= 0 && !out.has(round)) out.set(round, { index: m.data.readUInt32BE(0), cells: decoded });
      }
      return out;
    };
    const decoder = new FrameDecoder((d, max) => inflateSync(d, { maxOutputLength: max }));
    const coded = firstAfterSeeks(views[4]!, (f) => Uint8Array.from(decoder.decode(f[4]!, f.subarray(5), 250 * 75, 7) as Uint8Array));
    const raw = firstAfterSeeks(views[3]!, (f) => f.subarray(4));
    let compared = 0;
    for (const [round, r] of raw) {
      const c = coded.get(round);
      if (!c || c.index !== r.index) continue;
      expect(Buffer.from(c.cells).equals(Buffer.from(r.cells)), `seek ${round}: the decoded frame is the raw one`).toBe(true);
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(SEEKS / 2);
  }, 90_000);

  it('a raw H.264 stream (no container, no index) refuses seek and pause, and a viewer after everyone left sees it from its start', async () => {
    const raw = join(tmp.dir, 'raw.h264');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=256x128:r=30:d=6', '-c:v', 'libx264', '-preset', 'ultrafast', '-f', 'h264', raw]);
    const s = await serve([raw]);
    const a = viewer(s);
    await a.moreFrames(20);
    // Started anywhere but at 0, ffmpeg gives such a file no frame: it read as the end, and ENDED closed every viewer.
    a.send({ type: 'seek', time: 2 });
    a.send({ type: 'pause', paused: true });
    await a.until(() => a.texts.filter((t) => t.startsWith('Error: ')).length >= 2, 'the refusals');
    const refusals = a.texts.filter((t) => t.startsWith('Error: '));
    expect(refusals[0]).toMatch(/^Error: seek is not possible in this file: a raw H264 stream has no index/);
    expect(refusals[1]).toMatch(/^Error: pause is not possible in this file: a raw H264 stream has no index/);
    expect(codes(a)).toEqual(['PLAYING']);
    await a.moreFrames(10);
    // Everyone leaves past its start; the next viewer sees it again from the beginning.
    a.ws.close();
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && ((await fetch(`${s.url}/healthz`).then((r) => r.json())) as { viewers: number }).viewers > 0) await new Promise((r) => setTimeout(r, 50));
    const b = viewer(s);
    const frames = await b.moreFrames(10);
    expect(frames[0]!.readUInt32BE(0)).toBeLessThan(15);
    expect(codes(b)).not.toContain('ENDED');
    expect(b.closeCode).toBeNull();
  });

  it('a still photo is STILL; a refused pause changes nothing but brings the Error', async () => {
    const photo = join(tmp.dir, 'photo.png');
    const { execFileSync } = await import('node:child_process');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=512x256', '-frames:v', '1', photo]);
    const s = await serve([photo]);
    const v = viewer(s);
    await v.until(() => statuses(v).length >= 1 && v.frames.length >= 1, 'STATUS and a frame');
    expect(statuses(v)).toEqual(['STATUS:STILL:photo']);
    v.send({ type: 'pause', paused: true });
    await v.until(() => v.texts.some((t) => t.startsWith('Error: ')), 'the refusal');
    expect(v.texts.at(-1)).toBe('Error: pause is not possible on a still photo');
    expect(statuses(v)).toEqual(['STATUS:STILL:photo']);
  });

  it('the end of a file: ENDED to every viewer, then the close', async () => {
    const short = makeClip(join(tmp.dir, 'short.mp4'), { seconds: 1 });
    const s = await serve([short]);
    const v = viewer(s);
    await v.until(() => v.closeCode !== null, 'the end', 15_000);
    expect(codes(v)).toEqual(['PLAYING', 'ENDED']);
    expect(parseStatus(statuses(v).at(-1)!).position).toBe(1);
    expect(v.closeCode).toBe(1000);
    // A newcomer after the end starts the file again: its INIT says from 0, and it hears PLAYING once.
    const again = viewer(s);
    await again.until(() => again.frames.length >= 2, 'frames again');
    expect(again.texts[0]).toMatch(/^INIT:30\.0:5:20:6:0:0:1\.000:0:/);
    expect(statuses(again)).toEqual(['STATUS:PLAYING:0.000']);
  });

  it('a file cut short (a download stopped midway) ends where its frames stop, not at the length its header states', async () => {
    const whole = join(tmp.dir, 'whole.mp4');
    const { execFileSync } = await import('node:child_process');
    const { readFileSync, writeFileSync } = await import('node:fs');
    // The index first (faststart), so the cut file still opens and states the whole 6 s.
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=320x160:rate=30:duration=6', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '30', '-movflags', '+faststart', whole]);
    const cut = join(tmp.dir, 'cut.mp4');
    const bytes = readFileSync(whole);
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.4)));
    const s = await serve([cut]);
    const v = viewer(s);
    await v.until(() => v.closeCode !== null, 'the end', 15_000);
    // INIT states the header's length.
    expect(v.texts[0]).toMatch(/^INIT:30\.0:5:20:6:0:0:6\.000:/);
    const ended = parseStatus(statuses(v).at(-1)!);
    expect(ended.code).toBe('ENDED');
    expect(ended.position).toBeGreaterThan(0.5);
    expect(ended.position).toBeLessThan(4);
    // The viewers are told why, before the end.
    expect(errors(v)).toEqual([`Error: the file ends at ${ended.position!.toFixed(1)} s, short of the 6.0 s it states (cut short?)`]);
  });

  it('a paused seek past the last frame, where only the sound runs on, shows a frame before it, and turning the view renders it', async () => {
    const longSound = join(tmp.dir, 'longsound.mkv');
    // Matroska states the longer of its streams: 2 s of picture, 5 s of sound.
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=320x160:rate=30:duration=2', '-f', 'lavfi', '-i', 'sine=duration=5', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', longSound]);
    const s = await serve([longSound]);
    const v = viewer(s);
    await v.until(() => v.frames.length >= 2, 'frames');
    v.send({ type: 'pause', paused: true });
    await v.until(() => statuses(v).some((t) => t.startsWith('STATUS:PAUSED')), 'PAUSED');
    await new Promise((r) => setTimeout(r, 300));
    const before = v.frames.length;
    v.send({ type: 'seek', time: 4 });
    // Before, no frame came: the one-frame decode at 4 s found none, and every view change rendered nothing.
    await v.until(() => v.frames.length > before, 'a frame for the paused seek', 10_000);
    expect(v.frames.at(-1)!.readUInt32BE(0)).toBeLessThanOrEqual(60);
    const count = v.frames.length;
    v.send({ type: 'view', yaw: 40, pitch: 0, fov: 90 });
    await v.until(() => v.frames.length > count, 'the turned view of it');
  });

  it('a picture that should play but stands still (its decoder hangs) makes /healthz degraded, and moving again clears it', async () => {
    const s = await serve([clip, '--loop']);
    const v = viewer(s);
    await v.until(() => v.frames.length >= 2, 'frames');
    const health = async (): Promise<{ status: string; stalledMs: number }> => (await fetch(`${s.url}/healthz`)).json() as Promise<{ status: string; stalledMs: number }>;
    expect((await health()).stalledMs).toBeLessThan(STALLED_MS);
    const decoder = Number(execFileSync('pgrep', ['-P', String(s.proc.pid), 'ffmpeg']).toString().trim().split('\n')[0]);
    process.kill(decoder, 'SIGSTOP');
    try {
      // Frames already under way still arrive (in the socket's buffer and the ring: more of them on a
      // loaded machine); after a second none does.
      await new Promise((r) => setTimeout(r, 1000));
      const frozenAt = v.frames.length;
      await new Promise((r) => setTimeout(r, STALLED_MS + 500));
      expect(v.frames.length - frozenAt).toBe(0);
      const stalled = await health();
      expect(stalled.status).toBe('degraded');
      expect(stalled.stalledMs).toBeGreaterThanOrEqual(STALLED_MS);
      expect(await (await fetch(`${s.url}/metrics`)).text()).toMatch(/^ascii360_stalled_seconds (5|6)\.\d+$/m);
    } finally {
      process.kill(decoder, 'SIGCONT');
    }
    await v.moreFrames(5);
    expect((await health()).stalledMs).toBeLessThan(1000);
  }, 20_000);

  it('a source given up: RESTARTING while it retries, then FAILED, and /healthz answers 503 failed', async () => {
    const doomed = makeClip(join(tmp.dir, 'doomed.mp4'), { seconds: 2 });
    const s = await serve([doomed]);
    rmSync(doomed); // every restart now fails
    const v = viewer(s);
    await v.until(() => codes(v).includes('FAILED'), 'FAILED', 20_000);
    expect(codes(v)).toContain('RESTARTING');
    expect(statuses(v).at(-1)).toMatch(/^STATUS:FAILED:.+gave up after 5 attempts$/);
    // Named as viewers may know it: the file, not the server's directories.
    expect(statuses(v).at(-1)).toContain('doomed.mp4: No such file or directory');
    expect(statuses(v).join('\n')).not.toContain(tmp.dir);
    // Closed with the source-failed code, its long reason cut to a close frame's 123 bytes (not a crash).
    await v.until(() => v.closeCode !== null, 'the close');
    expect(v.closeCode).toBe(CloseCode.SOURCE_FAILED);
    const res = await fetch(`${s.url}/healthz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: 'failed', timeline: { code: 'FAILED' } });
  }, 30_000);
});
