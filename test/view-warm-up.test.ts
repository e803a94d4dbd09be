/** The idle warm-up of a worker's fresh-view path: throwaway renders of each new style, only while idle. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EQUIRECT_FORMAT } from '../src/projection/layouts/index.js';
import type { ViewSpec } from '../src/shared/types.js';
import type { RenderTask } from '../src/workers/messages.js';
import { viewKey } from '../src/shared/view-key.js';
import { ViewRenderer } from '../src/workers/view-renderer.js';
import { buildAhead, STYLE_BUILT_AHEAD, ViewWarmUp, WARM_UP_IDLE_MS, WARM_UP_VIEWS } from '../src/workers/view-warm-up.js';
import { SimdSampler } from '../src/projection/sample-cells-simd.js';
import { MosaicKernel } from '../src/quantise/mosaic-kernel.js';
import { CELL_STYLES } from '../protocol/index.js';

const W = 256;
const H = 128;
const frame = new Uint8Array(W * H * 3 + 3).map((_, i) => (i * 37) & 0xff);
const spec: ViewSpec = { yaw: 10, pitch: 0, roll: 0, fov: 90, cols: 20, rows: 6, aspect: 0.5, mode: 5, style: 'mosaic', palette: 'rgb', codec: 'tagged', quality: 'balanced', camera: 'flat' };
const task = (s: ViewSpec): RenderTask => ({ key: viewKey(s), spec: s, buffer: null, effort: 'full', keyBuffer: null, coarseFirst: true });

afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

describe('ViewWarmUp', () => {
  it('renders a few throwaway views of a new style once idle, other directions, coarse like a view change; never twice for one style', () => {
    vi.useFakeTimers();
    const render = vi.spyOn(ViewRenderer.prototype, 'render');
    const warm = new ViewWarmUp();
    warm.noteJob([task(spec)], frame, W, H, EQUIRECT_FORMAT);
    expect(render).not.toHaveBeenCalled();
    vi.advanceTimersByTime(WARM_UP_IDLE_MS * (WARM_UP_VIEWS + 2));
    expect(render).toHaveBeenCalledTimes(WARM_UP_VIEWS);
    const yaws = render.mock.contexts.map((r) => (r as ViewRenderer).spec.yaw);
    expect(new Set(yaws).size).toBe(WARM_UP_VIEWS);
    expect(yaws).not.toContain(spec.yaw);
    for (const call of render.mock.calls) expect(call[4]).toBe(true);
    // The same style again: nothing more. Another style: its own warm-up.
    warm.noteJob([task({ ...spec, yaw: 50 })], frame, W, H, EQUIRECT_FORMAT);
    vi.advanceTimersByTime(WARM_UP_IDLE_MS * (WARM_UP_VIEWS + 2));
    expect(render).toHaveBeenCalledTimes(WARM_UP_VIEWS);
    warm.noteJob([task({ ...spec, style: 'ramp' })], frame, W, H, EQUIRECT_FORMAT);
    vi.advanceTimersByTime(WARM_UP_IDLE_MS * (WARM_UP_VIEWS + 2));
    expect(render).toHaveBeenCalledTimes(2 * WARM_UP_VIEWS);
    warm.dispose();
  });

  it('waits while jobs keep coming: a real render is never queued behind a throwaway one', () => {
    vi.useFakeTimers();
    const render = vi.spyOn(ViewRenderer.prototype, 'render');
    const warm = new ViewWarmUp();
    warm.noteJob([task(spec)], frame, W, H, EQUIRECT_FORMAT);
    for (let i = 0; i < 20; i++) {
      vi.advanceTimersByTime(WARM_UP_IDLE_MS / 2);
      warm.busy();
      warm.noteJob([task(spec)], frame, W, H, EQUIRECT_FORMAT);
    }
    expect(render).not.toHaveBeenCalled();
    vi.advanceTimersByTime(WARM_UP_IDLE_MS);
    expect(render).toHaveBeenCalledTimes(1);
    warm.dispose();
    vi.advanceTimersByTime(WARM_UP_IDLE_MS * 10);
    expect(render).toHaveBeenCalledTimes(1);
  });
});

describe('buildAhead', () => {
  it('builds the default style\'s search and renders it, coarse then full, from both pixel kinds in memories of its own, with the SIMD sampler', () => {
    const render = vi.spyOn(ViewRenderer.prototype, 'render');
    const samplesBefore = SimdSampler.samples;
    buildAhead();
    const calls = render.mock.calls;
    expect(calls.length).toBe(6);
    // Each pixel kind: a coarse first frame, then full ones, in STYLE_BUILT_AHEAD.
    expect(calls.map((c) => c[0].format!.pixels.kind)).toEqual(['rgb24', 'rgb24', 'rgb24', 'yuv420p', 'yuv420p', 'yuv420p']);
    expect(calls.map((c) => c[4])).toEqual([true, false, false, true, false, false]);
    expect(render.mock.instances.every((r) => (r as ViewRenderer).spec.style === STYLE_BUILT_AHEAD)).toBe(true);
    // Every throwaway frame lay in a frame memory of its own, so the SIMD code paths ran.
    expect(calls.every((c) => c[0].arena?.owns(c[0].pixels) === true)).toBe(true);
    expect(SimdSampler.samples).toBeGreaterThan(samplesBefore);
    // The search is the one every later fitter of the style gets.
    expect(MosaicKernel.forStyle(CELL_STYLES[STYLE_BUILT_AHEAD])).toBe(MosaicKernel.forStyle(CELL_STYLES[STYLE_BUILT_AHEAD]));
  });
});
