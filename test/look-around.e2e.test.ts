/**
 * Speed as behaviour (issue: speed), not as timing: a view change is answered by a re-render of the
 * newest decoded frame at once, playing or paused; past the old fixed cache limit every view is
 * still served from its own kept table, and /healthz reports the tables. Real server, real sockets.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CELL_STYLES, readFrameIndex } from '../protocol/index.js';
import { makeClip, tempDir } from './helpers/media.js';
import { getJson, serverPool } from './helpers/server.js';

const tmp = tempDir('ascii360-look-');
let clip = '';
const pool = serverPool();
const { serve, viewer } = pool;

beforeAll(() => {
  clip = makeClip(join(tmp.dir, 'clip.mp4'), { seconds: 6 });
});

afterAll(async () => {
  await pool.close();
  tmp.cleanup();
});

describe('look-around', () => {
  it('a view change re-renders the newest frame at once, without waiting for the next one', async () => {
    // Two frames a second: the next decoded frame is up to 500 ms away.
    const s = await serve([clip, '--loop', '--fps', '2']);
    const v = viewer(s, 'cols=24&rows=8&yaw=0');
    await v.moreFrames(2, 10_000);
    // Right after a frame: the next one is about 500 ms off.
    await v.moreFrames(1, 10_000);
    const last = v.frames.at(-1)!;
    const t0 = performance.now();
    v.send({ type: 'view', yaw: 120 });
    const [answer] = await v.moreFrames(1, 5000);
    const ms = performance.now() - t0;
    // Sooner than the next frame (500 ms away), and the same moment (the newest decoded frame),
    // seen from the new direction.
    expect(ms).toBeLessThan(500);
    expect(readFrameIndex(answer!)).toBe(readFrameIndex(last));
    expect(answer!.equals(last)).toBe(false);
  });

  it('a view that moved by itself (auto) goes with the next decoded frame while frames flow, and at once when paused', async () => {
    const s = await serve([clip, '--loop', '--fps', '2']);
    const v = viewer(s, 'cols=24&rows=8&yaw=0');
    await v.moreFrames(2, 10_000);
    await v.moreFrames(1, 10_000);
    const last = v.frames.at(-1)!;
    v.send({ type: 'view', yaw: 120, auto: true });
    // Not the newest frame rendered again (a second render and write a frame while auto-rotating):
    // the next decoded one, already from the new direction.
    const [next] = await v.moreFrames(1, 5000);
    expect(readFrameIndex(next!)).not.toBe(readFrameIndex(last));
    v.send({ type: 'view', yaw: 0 });
    const [back] = await v.moreFrames(1, 5000);
    v.send({ type: 'pause', paused: true });
    await v.until(() => v.texts.some((t) => t.startsWith('STATUS:PAUSED')), 'the pause');
    await new Promise((r) => setTimeout(r, 600));
    // Paused no frame comes: an auto view is rendered at once, as any.
    const before = v.frames.length;
    const shown = v.frames.at(-1)!;
    v.send({ type: 'view', yaw: -90, auto: true });
    await v.until(() => v.frames.length > before, 'the re-render', 2000);
    expect(readFrameIndex(v.frames.at(-1)!)).toBe(readFrameIndex(shown));
    expect(v.frames.at(-1)!.equals(back!)).toBe(false);
  });

  it('a view turning by itself 30 times a second gets the video\'s 30 frames a second, not twice as many', async () => {
    const s = await serve([clip, '--loop']);
    const v = viewer(s, 'cols=48&rows=16&yaw=0&style=mosaic');
    await v.moreFrames(10);
    const from = v.frames.length;
    let yaw = 0;
    const turning = setInterval(() => v.send({ type: 'view', yaw: (yaw += 0.2), auto: true }), 1000 / 30);
    await new Promise((r) => setTimeout(r, 2000));
    clearInterval(turning);
    const got = v.frames.length - from;
    // 60 frames in 2 s; answered at once each step doubled them (52 fps of a 30 fps clip).
    expect(got).toBeLessThanOrEqual(70);
    expect(got).toBeGreaterThanOrEqual(40);
    // The last step is shown, not dropped with a frame that rendered the view before.
    await v.moreFrames(2);
    const views = (await getJson(`${s.url}/healthz`))['views'] as { yaw: number }[];
    expect(views[0]!.yaw).toBeCloseTo(yaw, 1);
  });

  it('paused, a view change still shows the new direction', async () => {
    const s = await serve([clip, '--loop']);
    const v = viewer(s, 'cols=24&rows=8&yaw=0');
    await v.moreFrames(3);
    v.send({ type: 'pause', paused: true });
    await v.until(() => v.texts.some((t) => t.startsWith('STATUS:PAUSED')), 'the pause');
    await new Promise((r) => setTimeout(r, 200));
    const before = v.frames.length;
    const last = v.frames.at(-1)!;
    v.send({ type: 'view', yaw: -90 });
    await v.until(() => v.frames.length > before, 'the re-render');
    const answer = v.frames.at(-1)!;
    expect(readFrameIndex(answer)).toBe(readFrameIndex(last));
    expect(answer.equals(last)).toBe(false);
  });

  it('paused, a mosaic view change is answered at once with a sextant fit, then with the full one unasked, and no more', async () => {
    const s = await serve([clip, '--loop']);
    const v = viewer(s, 'cols=48&rows=16&yaw=0&style=mosaic');
    await v.moreFrames(3);
    v.send({ type: 'pause', paused: true });
    await v.until(() => v.texts.some((t) => t.startsWith('STATUS:PAUSED')), 'the pause');
    await new Promise((r) => setTimeout(r, 300));
    const before = v.frames.length;
    v.send({ type: 'view', yaw: 75 });
    await v.until(() => v.frames.length >= before + 2, 'the coarse frame and the full one');
    await new Promise((r) => setTimeout(r, 500));
    expect(v.frames.length).toBe(before + 2);
    const [coarse, full] = v.frames.slice(before) as [Buffer, Buffer];
    expect(readFrameIndex(coarse)).toBe(readFrameIndex(full));
    const glyphs = (f: Buffer) => Array.from({ length: (f.length - 4) / 7 }, (_, i) => CELL_STYLES.mosaic.glyphs[f[4 + i * 7]!]!);
    const sextants = new Set(CELL_STYLES.sextant.glyphs);
    expect(glyphs(coarse).every((cp) => sextants.has(cp))).toBe(true);
    expect(glyphs(full).some((cp) => !sextants.has(cp))).toBe(true);
  });

  it('a still part of the picture is not fitted again: /healthz and /metrics count the cells kept from the frame before', async () => {
    // testsrc2: a still background under moving parts.
    const s = await serve([clip, '--loop']);
    const v = viewer(s, 'cols=48&rows=16&yaw=0&style=mosaic');
    await v.moreFrames(15);
    const cells = (await getJson(`${s.url}/healthz`))['cells'] as { fitted: number; reused: number };
    expect(cells.fitted).toBeGreaterThanOrEqual(15 * 48 * 16);
    expect(cells.reused).toBeGreaterThan(0);
    expect(cells.reused).toBeLessThan(cells.fitted);
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    expect(metrics).toMatch(/^ascii360_cells_fitted_total \d+$/m);
    expect(metrics).toMatch(/^ascii360_cells_reused_total [1-9]\d*$/m);
    // The workers sampled with WebAssembly SIMD, reading the shared frame memory in place, every
    // cell of every frame but those whose tiles of the frame had not changed, whose samples they kept.
    // A cell takes 32 samples at full effort, and 6 (sextants) or 4 (quadrants) in the view's first
    // frame or where a loaded machine stepped the fit down (fit-effort.ts).
    const samples = (await getJson(`${s.url}/healthz`))['samples'] as { simd: number; js: number; kept: number };
    expect(samples.simd + samples.kept).toBeGreaterThanOrEqual(15 * 48 * 16 * 4);
    expect(samples.simd).toBeGreaterThanOrEqual(48 * 16 * 32);
    expect(samples.kept).toBeGreaterThan(0);
    expect(samples.js).toBe(0);
    expect(metrics).toMatch(/^ascii360_samples_simd_total [1-9]\d*$/m);
    expect(metrics).toMatch(/^ascii360_samples_kept_total [1-9]\d*$/m);
    // The frame memory holds the ring and, beside it, the workers' tables and samples.
    const health = await getJson(`${s.url}/healthz`);
    const memory = health['memory'] as { frames: number };
    const tables = health['tables'] as { bytes: number };
    expect(memory.frames).toBeGreaterThan(tables.bytes);
    expect(metrics).toMatch(/^ascii360_frame_memory_bytes [1-9]\d*$/m);
  });

  it('past the old fixed limit of 64 tables, 72 distinct views are each served from their own kept table', async () => {
    const s = await serve(['--fps', '5', '--max-clients', '100']);
    const crowd = Array.from({ length: 72 }, (_, i) => viewer(s, `cols=4&rows=2&yaw=${i * 5 - 180}`));
    for (const v of crowd) await v.until(() => v.frames.length >= 1, 'a frame for every viewer', 20_000);
    // A while later every viewer still gets frames, and the workers keep a table for each view.
    for (const v of crowd) await v.moreFrames(1, 20_000);
    const h = await getJson(`${s.url}/healthz`);
    expect(h['distinctViews']).toBe(72);
    const tables = h['tables'] as { count: number; bytes: number };
    expect(tables.count).toBeGreaterThanOrEqual(72);
    expect(tables.bytes).toBeGreaterThan(0);
    expect(typeof h['renderMs']).toBe('number');
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    expect(metrics).toMatch(/^ascii360_render_ms \d/m);
    expect(metrics).toMatch(/^ascii360_sampling_tables (7[2-9]|[89]\d|\d{3})$/m);

    // Everyone leaves: the workers let the tables go, rather than keep them for viewers who may never come.
    for (const v of crowd) v.ws.close();
    const deadline = Date.now() + 10_000;
    let left = tables;
    while (Date.now() < deadline && (left = (await getJson(`${s.url}/healthz`))['tables'] as typeof tables).count > 0) await new Promise((r) => setTimeout(r, 100));
    expect(left).toEqual({ count: 0, bytes: 0 });
    // And the next viewer is served as the first was.
    const next = viewer(s, 'cols=4&rows=2&yaw=30');
    await next.moreFrames(2, 20_000);
    expect(((await getJson(`${s.url}/healthz`))['tables'] as typeof tables).count).toBeGreaterThanOrEqual(1);
  }, 60_000);
});
