/**
 * The SIMD sampler writes sampleCells' bytes (every tap count it takes, real view tables, the black
 * pixel, sums at their largest), writes nothing past its output, and declines views that are not in
 * its memory; the arena under it hands out disjoint aligned blocks, reuses freed ones, and claims
 * space only by growing the shared memory; and a view rendered over a frame ring in that memory
 * is the same bytes as one sampled in JS.
 */
import { describe, expect, it } from 'vitest';
import { EQUIRECT_TO_FLAT, projectionFor } from '../src/projection/projections.js';
import { sampleCells } from '../src/projection/sample-cells.js';
import { SimdSampler } from '../src/projection/sample-cells-simd.js';
import { EQUIRECT_FORMAT } from '../src/projection/layouts/index.js';
import type { SamplingTable } from '../src/projection/projection.js';
import { createFrameMemory, WasmArena } from '../src/shared/wasm-arena.js';
import type { ViewSpec } from '../src/shared/types.js';
import { rng } from './helpers/random.js';
import { FrameRing } from '../src/source/frame-ring.js';
import { payloadCapacity, ViewRenderer } from '../src/workers/view-renderer.js';
import { STYLE_NAMES } from '../protocol/index.js';

const spec = (fov: number, pitch: number, style: ViewSpec['style'] = 'ramp'): ViewSpec => ({ yaw: 170, pitch, roll: 0, fov, cols: 40, rows: 12, aspect: 0.5, mode: 5, style, palette: 'rgb', codec: 'raw', quality: 'balanced', camera: 'flat' });

/** A frame memory with a w×h frame (and its black pixel) at its start, as a ring slot, and an arena after it. */
function frameInMemory(w: number, h: number, seed: number): { arena: WasmArena; frame: Uint8Array; sampler: SimdSampler } {
  const memory = createFrameMemory(w * h * 3 + 3);
  expect(memory, 'this runtime has shared WebAssembly memory').not.toBeNull();
  const arena = new WasmArena(memory!);
  const frame = new Uint8Array(memory!.buffer, 0, w * h * 3 + 3);
  const r = rng(seed);
  for (let i = 0; i < frame.length; i++) frame[i] = Math.floor(r() * 256);
  frame.fill(255, w * h * 3 - 60, w * h * 3);
  frame.fill(0, w * h * 3);
  const sampler = SimdSampler.over(arena);
  expect(sampler, 'this runtime runs WebAssembly SIMD').not.toBeNull();
  return { arena, frame, sampler: sampler! };
}

/** `table` with its offsets copied into the arena. */
function inArena(arena: WasmArena, table: SamplingTable): SamplingTable {
  const offsets = arena.int32(table.offsets.length)!;
  offsets.set(table.offsets);
  return { ...table, offsets };
}

function compare(sampler: SimdSampler, arena: WasmArena, table: SamplingTable, frame: Uint8Array): void {
  const want = new Uint8Array(table.cols * table.rows * 3);
  sampleCells(table, frame, want);
  const t = inArena(arena, table);
  const got = arena.bytes(want.length + 8)!.subarray(0, want.length);
  const after = new Uint8Array(got.buffer, got.byteOffset + got.length, 8);
  after.fill(0xa5);
  const before = SimdSampler.samples;
  expect(sampler.sample(t, frame, got)).toBe(true);
  expect(SimdSampler.samples - before).toBe(table.cols * table.rows);
  expect(Buffer.from(got).equals(Buffer.from(want))).toBe(true);
  expect([...after]).toEqual(Array(8).fill(0xa5));
}

describe('SimdSampler', () => {
  const w = 512;
  const h = 256;

  it('every tap count from 1 to 16: random taps anywhere in the frame, the black pixel and the last pixel included', () => {
    const { arena, frame, sampler } = frameInMemory(w, h, 11);
    const r = rng(5);
    const cols = 37;
    const rows = 5;
    for (let taps = 1; taps <= 16; taps++) {
      const offsets = new Int32Array(cols * rows * taps);
      for (let i = 0; i < offsets.length; i++) offsets[i] = Math.floor(r() * (w * h + 1)) * 3;
      offsets[0] = w * h * 3; // the black pixel
      offsets[offsets.length - 1] = (w * h - 1) * 3;
      // Some samples all from the 255 run: the largest sums.
      for (let t = 0; t < taps; t++) offsets[taps + t] = (w * h - 1 - (t % 20)) * 3;
      compare(sampler, arena, { cols, rows, taps, offsets, srcWidth: w, srcHeight: h, readsBlack: true }, frame);
    }
  });

  it('real view tables: 1 tap, up to 2×2, up to 3×3, a mosaic grid, a fisheye reading the black pixel', () => {
    const { arena, frame, sampler } = frameInMemory(w, h, 12);
    const tables = [
      EQUIRECT_TO_FLAT.buildTable(spec(90, 0), { cols: 40, rows: 12, aspect: 0.5, maxTaps: 1 }, w, h),
      EQUIRECT_TO_FLAT.buildTable(spec(120, -80), { cols: 40, rows: 12, aspect: 0.5, maxTaps: 2 }, w, h),
      EQUIRECT_TO_FLAT.buildTable(spec(150, -85), { cols: 40, rows: 12, aspect: 0.5 }, w, h),
      EQUIRECT_TO_FLAT.buildTable(spec(60, 10), { cols: 160, rows: 96, aspect: 0.5 }, w, h),
      projectionFor('flat', { ...EQUIRECT_FORMAT, layout: 'fisheye', inFov: 180 }).buildTable(spec(150, 0), { cols: 40, rows: 12, aspect: 0.5 }, w, h / 2),
    ];
    expect(new Set(tables.map((t) => t.taps)).size).toBeGreaterThanOrEqual(3);
    expect(tables.some((t) => t.readsBlack)).toBe(true);
    for (const t of tables) compare(sampler, arena, t, frame);
  });

  it('declines what is not in its memory, or more taps than it sums exactly, and checks sizes as sampleCells does', () => {
    const { arena, frame, sampler } = frameInMemory(w, h, 13);
    const table = EQUIRECT_TO_FLAT.buildTable(spec(90, 0), { cols: 40, rows: 12, aspect: 0.5 }, w, h);
    const out = arena.bytes(40 * 12 * 3)!;
    expect(sampler.sample(table, frame, out)).toBe(false); // offsets in a plain array
    const t = inArena(arena, table);
    expect(sampler.sample(t, frame.slice(), out)).toBe(false);
    expect(sampler.sample(t, frame, new Uint8Array(out.length))).toBe(false);
    const many = arena.int32(4 * 17)!;
    expect(sampler.sample({ cols: 2, rows: 2, taps: 17, offsets: many, srcWidth: w, srcHeight: h, readsBlack: false }, frame, out)).toBe(false);
    expect(() => sampler.sample(t, frame.subarray(0, 100), out)).toThrow(/frame holds 100 bytes/);
    expect(() => sampler.sample(t, frame, out.subarray(0, 10))).toThrow(/out holds 10 bytes/);
  });

  it('one sampler per memory, in every thread that asks', () => {
    const { arena, sampler } = frameInMemory(64, 32, 14);
    expect(SimdSampler.over(arena)).toBe(sampler);
    expect(SimdSampler.over(new WasmArena(arena.memory))).toBe(sampler);
  });
});

describe('WasmArena', () => {
  it('hands out disjoint 16-byte aligned blocks past the frames, reuses freed ones and merges neighbours', () => {
    const memory = createFrameMemory(1000)!;
    const start = memory.buffer.byteLength;
    const arena = new WasmArena(memory);
    const a = arena.bytes(100)!;
    const b = arena.int32(1000)!;
    const c = arena.bytes(5000)!;
    for (const v of [a, b, c]) {
      expect(v.byteOffset % 16).toBe(0);
      expect(v.byteOffset).toBeGreaterThanOrEqual(start);
      expect(arena.owns(v)).toBe(true);
    }
    const spans = [a, b, c].map((v) => [v.byteOffset, v.byteOffset + v.byteLength] as const).sort((x, y) => x[0] - y[0]);
    for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThan(spans[i - 1]![1]);
    const claimed = arena.claimed;
    expect(memory.buffer.byteLength).toBe(start + claimed);

    // b freed, then a: one merged block that an allocation as large as both fits in.
    arena.release(b);
    arena.release(a);
    const d = arena.bytes(100 + 4000 + 16)!;
    expect(d.byteOffset).toBe(a.byteOffset);
    expect(arena.claimed).toBe(claimed);
    arena.release(d);
    arena.release(c);
    expect(arena.allocated).toBe(0);
    // More than the claim so far: the memory grows, old views stay valid.
    a.fill(7);
    const big = arena.bytes(claimed + 1)!;
    expect(arena.claimed).toBeGreaterThan(claimed);
    expect(arena.owns(big)).toBe(true);
    expect(a[99]).toBe(7);
    expect(arena.owns(new Uint8Array(100))).toBe(false);
  });

  it('returns null when the memory cannot grow that far, and keeps working', () => {
    const arena = new WasmArena(createFrameMemory(1000)!);
    expect(arena.bytes(3 * 2 ** 30)).toBeNull();
    expect(arena.bytes(100)).not.toBeNull();
  });
});

describe('ViewRenderer over a frame ring in shared memory', () => {
  it('renders every style to the same bytes with the SIMD sampler as in JS, frame after frame, and frees its blocks', () => {
    const w = 1024;
    const h = 512;
    const ring = new FrameRing(w, h);
    expect(ring.arena).not.toBeNull();
    const slot = ring.slots[0]!;
    const r = rng(21);
    for (let i = 0; i < w * h * 3; i++) slot[i] = (i % 3 === 0 ? (i >> 9) & 255 : Math.floor(r() * 256));
    const plain = slot.slice();
    // The ring's own blocks (its frame comparison's, frame-changes.ts) stay; a renderer's go back.
    const ringBlocks = ring.arena!.allocated;
    for (const style of STYLE_NAMES) {
      const s: ViewSpec = { ...spec(100, 20, style), cols: 48, rows: 16 };
      const simd = new ViewRenderer(s);
      const js = new ViewRenderer(s);
      const a = new Uint8Array(payloadCapacity(s));
      const b = new Uint8Array(payloadCapacity(s));
      for (let frame = 0; frame < 3; frame++) {
        // A moving part between frames: the fit's reuse sees changed and unchanged cells.
        for (const f of [slot, plain]) f.fill(frame * 40, 200_000, 260_000);
        const la = simd.render({ pixels: slot, width: w, height: h, format: EQUIRECT_FORMAT, arena: ring.arena }, frame, a);
        expect(simd.sampledSimd, style).toBe(true);
        const lb = js.render({ pixels: plain, width: w, height: h, format: EQUIRECT_FORMAT }, frame, b);
        expect(js.sampledSimd).toBe(false);
        expect(la, style).toBe(lb);
        expect(Buffer.from(a.subarray(0, la)).equals(Buffer.from(b.subarray(0, lb))), `${style} frame ${frame}`).toBe(true);
      }
      expect(ring.arena!.allocated).toBeGreaterThan(ringBlocks);
      simd.release();
      expect(ring.arena!.allocated, style).toBe(ringBlocks);
    }
  });
});
