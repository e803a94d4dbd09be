/**
 * The render pool: worker threads and the inline fallback produce the same bytes; views are
 * rendered from the shared ring without copies, and results recycle their buffers.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../src/shared/logger.js';
import type { FrameSlots, ViewSpec } from '../src/shared/types.js';
import type { StyleName } from '../protocol/index.js';
import { FrameRing } from '../src/source/frame-ring.js';
import { renderDemoBackground } from '../src/source/demo-scene.js';
import type { SharedPayload } from '../src/workers/payload.js';
import { WARM_UP_JOBS } from '../src/workers/fit-effort.js';
import { RenderPool } from '../src/workers/render-pool.js';
import { viewKey } from '../src/shared/view-key.js';
import { notesDecode } from './helpers/notes-decoder.js';

const pools: RenderPool[] = [];
afterAll(async () => {
  await Promise.all(pools.map((p) => p.dispose()));
});

function views(): { key: string; spec: ViewSpec }[] {
  const specs: ViewSpec[] = [
    { yaw: 0, pitch: 0, roll: 0, fov: 90, cols: 40, rows: 12, aspect: 0.5, mode: 5, style: 'ramp', palette: 'rgb', codec: 'raw', quality: 'balanced', camera: 'flat' },
    { yaw: 120, pitch: 30, roll: 10, fov: 60, cols: 32, rows: 10, aspect: 0.5, mode: 3, style: 'ramp', palette: 'rgb', codec: 'adaptive', quality: 'balanced', camera: 'flat' },
    { yaw: -90, pitch: -45, roll: 0, fov: 100, cols: 20, rows: 6, aspect: 0.5, mode: 1, style: 'ramp', palette: 'rgb', codec: 'raw', quality: 'balanced', camera: 'flat' },
    { yaw: 180, pitch: 0, roll: 0, fov: 90, cols: 24, rows: 8, aspect: 0.5, mode: 5, style: 'half', palette: 'rgb', codec: 'raw', quality: 'balanced', camera: 'flat' },
    { yaw: 30, pitch: 10, roll: 0, fov: 80, cols: 24, rows: 8, aspect: 0.5, mode: 5, style: 'sextant', palette: 'rgb', codec: 'raw', quality: 'balanced', camera: 'flat' },
    { yaw: 60, pitch: -10, roll: 0, fov: 80, cols: 16, rows: 6, aspect: 0.5, mode: 4, style: 'ascii', palette: '256', codec: 'raw', quality: 'balanced', camera: 'flat' },
  ];
  return specs.map((spec) => ({ key: viewKey(spec), spec }));
}

function render(pool: RenderPool, ring: FrameSlots, slot: number): Promise<SharedPayload[]> {
  ring.retain(slot);
  return new Promise((resolve) =>
    pool.render({ ring, slot, width: ring.width, height: ring.height, index: 42, position: 1.4, elapsed: 0 }, views(), (payloads) => {
      ring.release(slot);
      resolve(payloads);
    }),
  );
}

describe('RenderPool', () => {
  it('workers given the ring\'s tile stamps and each frame\'s number keep samples, and send the bytes of views sampled whole', async () => {
    const ring = new FrameRing(1024, 512);
    expect(ring.changes).not.toBeNull();
    const threaded = new RenderPool(2, silentLogger);
    const whole = new RenderPool(0, silentLogger);
    pools.push(threaded, whole);
    const fitted = ([['mosaic', 20, 0], ['sextant', -150, 30], ['mosaic', 179, -20], ['octant', 60, 70]] as const).map(([style, yaw, pitch]) => {
      const spec: ViewSpec = { yaw, pitch, roll: 0, fov: 90, cols: 40, rows: 12, aspect: 0.5, mode: 5, style, palette: 'rgb', codec: 'raw', quality: 'balanced', camera: 'flat' };
      return { key: viewKey(spec), spec };
    });
    const renderWith = (pool: RenderPool, slot: number, index: number, seq: number): Promise<SharedPayload[]> =>
      new Promise((resolve) => pool.render({ ring, slot, width: 1024, height: 512, index, position: 0, elapsed: 0, seq }, fitted, resolve));
    let picture = renderDemoBackground(1024, 512);
    let previous = -1;
    for (let frame = 0; frame < 12; frame++) {
      if (frame > 0) {
        // A small moving part: a band of rows that changes from frame to frame.
        picture = picture.slice();
        picture.fill((frame * 37) & 255, (100 + frame * 13) * 1024 * 3, (104 + frame * 13) * 1024 * 3);
      }
      const slot = ring.acquire();
      ring.slots[slot]!.set(picture);
      const seq = ring.delivered(slot);
      if (previous >= 0) ring.release(previous);
      previous = slot;
      const kept = threaded.samplesKept;
      const a = await renderWith(threaded, slot, frame, seq);
      // No frame number: every cell sampled.
      const b = await renderWith(whole, slot, frame, 0);
      for (const p of a) expect(Buffer.compare(p.bytes, b.find((q) => q.key === p.key)!.bytes), `${p.key} frame ${frame}`).toBe(0);
      if (frame >= 3) expect(threaded.samplesKept).toBeGreaterThan(kept);
      for (const p of [...a, ...b]) p.release();
    }
    expect(whole.samplesKept).toBe(0);
  });

  it('workers and inline rendering give identical payloads for every view', async () => {
    const ring = new FrameRing(1024, 512);
    const slot = ring.acquire();
    ring.slots[slot]!.set(renderDemoBackground(1024, 512));
    const threaded = new RenderPool(2, silentLogger);
    const inline = new RenderPool(0, silentLogger);
    pools.push(threaded, inline);
    expect(threaded.workerCount).toBe(2);
    expect(inline.workerCount).toBe(0);
    const a = await render(threaded, ring, slot);
    const b = await render(inline, ring, slot);
    expect(a.map((p) => p.key).sort()).toEqual(views().map((v) => v.key).sort());
    for (const p of a) {
      const q = b.find((x) => x.key === p.key)!;
      expect(Buffer.compare(p.bytes, q.bytes)).toBe(0);
    }
    // Sizes per §3: cells, adaptive cells (coded, §3.2: the first frame stands alone), mode-1 text, pixels.
    const byKey = new Map(a.map((p) => [p.key, p]));
    const [v0, v1, v2, v3] = views();
    expect(byKey.get(v0!.key)!.bytes.length).toBe(4 + 40 * 12 * 4);
    expect(byKey.get(v1!.key)!.bytes.length).toBeLessThanOrEqual(5 + 32 * 10 * 4);
    expect(byKey.get(v1!.key)!.base).toBe(-1);
    expect(notesDecode(byKey.get(v1!.key)!.bytes, null, 32 * 10, 4).cells.length).toBe(32 * 10 * 4);
    expect(byKey.get(v2!.key)!.kind).toBe('text');
    expect(byKey.get(v2!.key)!.bytes.toString().split('\n')).toHaveLength(7);
    expect(byKey.get(v3!.key)!.bytes.length).toBe(4 + 24 * 16 * 3);
    for (const p of [...a, ...b]) p.release();
    ring.release(slot);
    expect(ring.inUse()).toBe(0);
  });

  it('a ring of plain SharedArrayBuffer slots (a runtime without shared WebAssembly memory) gives the same bytes, sampled in JS', async () => {
    const ring = new FrameRing(1024, 512);
    const slot = ring.acquire();
    ring.slots[slot]!.set(renderDemoBackground(1024, 512));
    const plain: FrameSlots = {
      id: ring.id + 1000,
      width: ring.width,
      height: ring.height,
      format: ring.format,
      layout: ring.layout,
      memory: null,
      arena: null,
      changes: null,
      delivered: () => 0,
      slots: ring.slots.map((s) => {
        const copy = new Uint8Array(new SharedArrayBuffer(s.length));
        copy.set(s);
        return copy;
      }),
      retain: () => {},
      release: () => {},
    };
    // Two pools: each view's codec state starts afresh in each.
    const shared = new RenderPool(2, silentLogger);
    const unshared = new RenderPool(2, silentLogger);
    pools.push(shared, unshared);
    const a = await render(shared, ring, slot);
    expect(shared.samplesSimd).toBeGreaterThan(0);
    expect(shared.samplesJs).toBe(0);
    const b = await render(unshared, plain, slot);
    expect(unshared.samplesSimd).toBe(0);
    expect(unshared.samplesJs).toBe(shared.samplesSimd);
    for (const p of a) expect(Buffer.compare(p.bytes, b.find((x) => x.key === p.key)!.bytes)).toBe(0);
    for (const p of [...a, ...b]) p.release();
    ring.release(slot);
  });

  it('reuses released payload buffers for the next frame', async () => {
    const ring = new FrameRing(512, 256);
    const slot = ring.acquire();
    const pool = new RenderPool(1, silentLogger);
    pools.push(pool);
    const first = await render(pool, ring, slot);
    const buffers = first.map((p) => p.bytes.buffer);
    expect(buffers.every((b) => b.byteLength > 0)).toBe(true);
    for (const p of first) p.release();
    const second = await render(pool, ring, slot);
    // Each released buffer was handed to the worker to fill (transferred, hence detached here)
    // instead of the worker allocating a new one.
    expect(buffers.every((b) => b.byteLength === 0)).toBe(true);
    expect(second).toHaveLength(first.length);
  });
});

describe('ViewRendererCache', () => {
  it('drops renderers unused for a while; its cap follows the views each render has', async () => {
    const { ViewRendererCache } = await import('../src/workers/view-renderer.js');
    const cache = new ViewRendererCache(5, 8);
    const spec = (yaw: number): ViewSpec => ({ yaw, pitch: 0, roll: 0, fov: 90, cols: 4, rows: 2, aspect: 0.5, mode: 5, style: 'ramp', palette: 'rgb', codec: 'raw', quality: 'balanced', camera: 'flat' });
    // A drag: a new view every frame.
    for (let f = 0; f < 100; f++) {
      cache.get(`k${f}`, spec(f));
      cache.tick(1);
      expect(cache.size).toBeLessThanOrEqual(6);
    }
    // Views that came and went within one-view renders: capped at the minimum, the most recent kept.
    for (let k = 0; k < 20; k++) cache.get(`many${k}`, spec(k));
    cache.tick(1);
    expect(cache.size).toBe(8);
    // 40 views in every render (a crowd past the minimum): every one keeps its renderer, no rebuilds.
    const crowd = Array.from({ length: 40 }, (_, k) => k);
    const first = new Map(crowd.map((k) => [k, cache.get(`crowd${k}`, spec(k))]));
    cache.tick(crowd.length);
    for (let f = 0; f < 20; f++) {
      for (const k of crowd) expect(cache.get(`crowd${k}`, spec(k))).toBe(first.get(k));
      cache.tick(crowd.length);
    }
    expect(cache.capacity).toBe(80);
    // A view still in use keeps its renderer (and table) however many come and go.
    const steady = cache.get('steady', spec(0));
    for (let f = 0; f < 50; f++) {
      expect(cache.get('steady', spec(0))).toBe(steady);
      cache.get(`drag${f}`, spec(f));
      cache.tick(2);
    }
  });

  it('a cold start and view changes are not load: a lone mosaic viewer keeps the full fit; a real overload still steps it down', async () => {
    const ring = new FrameRing(1024, 512);
    const slot = ring.acquire();
    ring.slots[slot]!.set(renderDemoBackground(1024, 512));
    const styled = (style: StyleName, yaw: number): { key: string; spec: ViewSpec } => {
      const spec: ViewSpec = { yaw, pitch: 0, roll: 0, fov: 90, cols: 160, rows: 48, aspect: 0.5, mode: 5, style, palette: 'rgb', codec: 'raw', quality: 'balanced', camera: 'flat' };
      return { key: viewKey(spec), spec };
    };
    const mosaic = (yaw: number) => styled('mosaic', yaw);
    const frame = (pool: RenderPool, views: { key: string; spec: ViewSpec }[]): Promise<{ busy: number; load: number | null }> => {
      ring.retain(slot);
      return new Promise((resolve) => pool.render({ ring, slot, width: 1024, height: 512, index: 1, position: 0, elapsed: 0 }, views, (p) => {
        ring.release(slot);
        for (const x of p) x.release();
        resolve({ busy: pool.lastRenderMs, load: pool.lastLoadMs });
      }));
    };
    // The slowest steady frame of this machine, from a first pool.
    const probe = new RenderPool(1, silentLogger);
    pools.push(probe);
    const probed: number[] = [];
    for (let f = 0; f < 8; f++) probed.push((await frame(probe, [mosaic(0)])).busy);
    const steadyMax = Math.max(...probed.slice(WARM_UP_JOBS));
    // 12 frames of a fresh pool, the view turning on every third (a new table and fitter each time).
    const pool = new RenderPool(1, silentLogger);
    pools.push(pool);
    const changes: string[] = [];
    pool.onEffort = (effort) => changes.push(effort);
    const frames: { busy: number; load: number | null }[] = [];
    frames.push(await frame(pool, [mosaic(0)]));
    // The budget: between this pool's own cold start (V8 has not optimised the search yet, the
    // table is built) and the slowest steady frame, in proportion. Set once the first frame is in,
    // which is not load (below): taken from the first pool's cold start, a loaded CI machine gave
    // a budget above this pool's.
    const budget = Math.sqrt(frames[0]!.busy * steadyMax);
    pool.frameIntervalMs = budget;
    for (let f = 1; f < 12; f++) frames.push(await frame(pool, [mosaic(Math.floor(f / 3) * 10)]));
    // The worker's first jobs (V8 has not optimised the search) are not counted as load at all...
    expect(frames.slice(0, WARM_UP_JOBS).map((x) => x.load)).toEqual(Array(WARM_UP_JOBS).fill(null));
    // ...and a view change counts without its setup (its table; the first also makes the fitter).
    const turns = frames.filter((x, f) => f >= WARM_UP_JOBS && f % 3 === 0);
    expect(turns.length).toBe(3);
    for (const t of turns) expect(t.load!).toBeLessThan(t.busy);
    // So, on a budget the cold start overran many times, the full fit stays.
    expect(frames[0]!.busy).toBeGreaterThan(budget);
    expect(changes).toEqual([]);
    expect(pool.effort).toBe('full');
    // A viewer pressing `s` through styles no dearer than mosaic: each style's first renders run
    // unoptimised code too, and are not load either.
    for (const style of ['sextant', 'octant', 'braille', 'quadrant', 'mosaic'] as const) {
      for (let f = 0; f < 4; f++) await frame(pool, [styled(style, 30)]);
    }
    expect(changes).toEqual([]);
    expect(pool.effort).toBe('full');
    // Eight distinct views a frame on a budget of a fraction of a millisecond: that is load. But
    // without a mosaic view among them it says nothing of the fit effort, which cannot relieve it.
    pool.frameIntervalMs = 0.05;
    const others = Array.from({ length: 8 }, (_, i) => styled(i % 2 ? 'octant' : 'ramp', 100 + i * 20));
    for (let f = 0; f < 8; f++) await frame(pool, others);
    expect(pool.lastLoadMs).toBeNull();
    expect(changes).toEqual([]);
    const many = Array.from({ length: 8 }, (_, i) => mosaic(100 + i * 20));
    for (let f = 0; f < 8; f++) await frame(pool, many);
    expect(changes.length).toBeGreaterThan(0);
    expect(pool.effort).not.toBe('full');
  });
});

