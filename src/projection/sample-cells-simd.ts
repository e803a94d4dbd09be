/**
 * `sampleCells` (sample-cells.ts) as WebAssembly SIMD, over frames, tables and sample buffers that
 * lie in one shared frame memory (shared/wasm-arena.ts): the same bytes, about a quarter of the
 * time (a 160×48 mosaic view, 2×2 taps a sample from a 3840-wide frame: 0.55–0.6 against 2.2 ms).
 *
 * Why it is faster: a tap is one 4-byte load into a lane (its RGB and the next byte, which no sum
 * uses), four taps widen into one 16-bit vector with two instructions and add there, and the three
 * channels are divided together. The JS loop spends a load, an add and a bounds check per byte.
 *
 * Exactness: every sample is floor((Σ + ⌊taps/2⌋) / taps) computed as JS does it, Σ in 16-bit
 * lanes (at most 16 taps of 255) and the division as the same multiply by ⌈2^16 / taps⌉ and
 * shift (a shift alone for powers of two, the same result). A tap reads one byte past its pixel:
 * frame slots and arena blocks end with spare bytes for it. Each sample of a range but its last is
 * stored as 4 bytes (the fourth is the next sample's, written again next), the last as 2 + 1, so
 * nothing past the range is written: storing every sample as 2 + 1 cost a tenth more.
 *
 * Every sampler takes a list of ranges of samples in one call (a view's changed runs, view-renderer.ts),
 * the whole grid being one range. The same module samples 4:2:0 frames (sampleCellsYuv,
 * sample-yuv.ts): yuvBody below.
 */
import { PerMemoryModule } from '../shared/wasm-api.js';
import { FunctionBody, I32, moduleBytes, Op, Simd, uleb } from '../shared/wasm-emitter.js';
import { MAX_PAGES, type SharedMemory, type WasmArena } from '../shared/wasm-arena.js';
import type { SamplingTable } from './projection.js';
import { checkRange, checkSampling } from './sample-cells.js';
import { CHROMA_TAPS, checkYuvSampling, sampleCellsYuv, type YuvSamplingTable } from './sample-yuv.js';

/** Most taps a sample sampled here (the 16-bit sums and the JS formula's exact range); more go to JS. */
const MAX_TAPS = 16;

type Sampler = (ranges: number, n: number, from: number, end: number, table: number, frame: number, out: number) => void;
type YuvSampler = (ranges: number, n: number, from: number, end: number, table: number, frame: number, out: number, vFromU: number, y: number, rv: number, gu: number, gv: number, bu: number, r0: number, g0: number, b0: number) => void;

/** The samplers' first parameters: a list of `n` ranges of samples at `ranges` (from, end pairs of i32), after the range from … end. */
const RANGE_PARAMS = [['ranges', I32], ['n', I32], ['from', I32], ['end', I32]] as const;

/**
 * Emits `body` (which reads locals `from` and `end`) for the range from … end, if not empty, then
 * for each listed range: one call into the sampler for a view's changed runs, which were a call
 * each (a hundred nanoseconds apiece, and a view of moving parts has thousands of runs a frame).
 */
function eachRange(f: FunctionBody, body: () => void): void {
  f.op(Op.block, Op.void);
  f.op(Op.loop, Op.void);
  // Done with from … end: the next listed range, or the end.
  f.localGet('from');
  f.localGet('end');
  f.op(Op.i32GeU);
  f.op(Op.if, Op.void);
  f.localGet('n');
  f.op(Op.i32Eqz);
  f.op(Op.brIf, 2);
  f.localGet('ranges');
  f.op(Op.i32Load, 2, 0);
  f.localSet('from', I32);
  f.localGet('ranges');
  f.op(Op.i32Load, 2, 4);
  f.localSet('end', I32);
  f.addI32('ranges', 8);
  f.addI32('n', -1);
  f.op(Op.br, 1);
  f.op(Op.end);
  body();
  f.localGet('end');
  f.localSet('from', I32);
  f.op(Op.br, 0);
  f.op(Op.end);
  f.op(Op.end);
}

/** Emits `body` while i32 local `a` < `b` (unsigned): the samplers' inner loops. */
function whileBelow(f: FunctionBody, a: string, b: string, body: () => void): void {
  f.op(Op.block, Op.void);
  f.op(Op.loop, Op.void);
  f.localGet(a);
  f.localGet(b);
  f.op(Op.i32GeU);
  f.op(Op.brIf, 1);
  body();
  f.op(Op.br, 0);
  f.op(Op.end);
  f.op(Op.end);
}

/** i32 local `into` = `base` + `index` · `k` (a sample's place in the table or the output). */
function setScaled(f: FunctionBody, into: string, index: string, k: number, base: string): void {
  f.localGet(index);
  f.i32(k);
  f.op(Op.i32Mul);
  f.localGet(base);
  f.op(Op.i32Add);
  f.localSet(into, I32);
}

/** One function per tap count: the taps unrolled, their count's divisor as constants; the ranges as eachRange takes them. */
function samplerBody(taps: number): FunctionBody {
  const f = new FunctionBody([
    ...RANGE_PARAMS,
    ['tab0', I32],
    ['frame', I32],
    ['out0', I32],
  ]);
  const shift = Math.log2(taps);
  const powerOfTwo = Number.isInteger(shift);
  if (taps > 1) {
    f.i32(taps >> 1);
    f.simd(powerOfTwo ? Simd.i16x8Splat : Simd.i32x4Splat);
    f.localSet('half');
  }
  if (!powerOfTwo) {
    f.i32(Math.ceil(65536 / taps));
    f.simd(Simd.i32x4Splat);
    f.localSet('mul');
  }
  eachRange(f, () => {
    // tab = tab0 + from · taps · 4, out = out0 + from · 3, last = tab0 + (end − 1) · taps · 4.
    setScaled(f, 'tab', 'from', taps * 4, 'tab0');
    setScaled(f, 'out', 'from', 3, 'out0');
    setScaled(f, 'last', 'end', taps * 4, 'tab0');
    f.addI32('last', -taps * 4);
    // Every sample of the range but its last, each stored as 4 bytes (the fourth is the next
    // sample's first, written again next); the last after it as exactly 3, so nothing past the
    // range is written (the samples after it are kept ones).
    whileBelow(f, 'tab', 'last', () => {
      f.localGet('out');
      sampleVector(f, taps);
      f.simd(Simd.store32Lane, 0, 0, 0);
      f.addI32('out', 3);
      f.addI32('tab', taps * 4);
    });
    f.localGet('out');
    sampleVector(f, taps);
    f.localTee('v');
    f.simd(Simd.store16Lane, 0, 0, 0);
    f.localGet('out');
    f.localGet('v');
    f.simd(Simd.store8Lane, 0, 2, 2);
  });
  return f;
}

/** Pushes the sample at `tab` as a vector whose bytes 0–2 are its R, G, B. */
function sampleVector(f: FunctionBody, taps: number): void {
  const tapAddress = (k: number): void => {
    f.localGet('frame');
    f.localGet('tab');
    f.op(Op.i32Load, 2, ...uleb(k * 4));
    f.op(Op.i32Add);
  };
  tapAddress(0);
  f.simd(Simd.load32Zero, 0, 0);
  if (taps === 1) return;
  // Groups of up to four taps in the lanes of one vector, widened and summed pairwise: lanes 0–3
  // hold the even taps' sums, 4–7 the odd ones'; the two halves are added at the end.
  for (let g = 0; g < taps; g += 4) {
    const inGroup = Math.min(4, taps - g);
    if (g > 0) {
      tapAddress(g);
      f.simd(Simd.load32Zero, 0, 0);
    }
    for (let k = 1; k < inGroup; k++) {
      f.localSet('v');
      tapAddress(g + k);
      f.localGet('v');
      f.simd(Simd.load32Lane, 0, 0, k);
    }
    f.localTee('v');
    f.simd(Simd.i16x8ExtendLowI8x16U);
    if (inGroup > 2) {
      f.localGet('v');
      f.simd(Simd.i16x8ExtendHighI8x16U);
      f.simd(Simd.i16x8Add);
    }
    if (g > 0) f.simd(Simd.i16x8Add);
  }
  f.localTee('sum');
  f.localGet('sum');
  f.localGet('sum');
  f.simd(Simd.shuffle, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7);
  f.simd(Simd.i16x8Add);
  if (Number.isInteger(Math.log2(taps))) {
    f.localGet('half');
    f.simd(Simd.i16x8Add);
    f.i32(Math.log2(taps));
    f.simd(Simd.i16x8ShrU);
  } else {
    f.simd(Simd.i32x4ExtendLowI16x8U);
    f.localGet('half');
    f.simd(Simd.i32x4Add);
    f.localGet('mul');
    f.simd(Simd.i32x4Mul);
    f.i32(16);
    f.simd(Simd.i32x4ShrU);
    f.localTee('sum');
    f.localGet('sum');
    f.simd(Simd.i16x8NarrowI32x4U);
  }
  f.localTee('sum');
  f.localGet('sum');
  f.simd(Simd.i8x16NarrowI16x8U);
}

/** The YUV sampler's parameters after the ranges and the three pointers: frame-pixels.ts's coefficients. */
const YUV_PARAMS = ['vFromU', 'cy', 'rv', 'gu', 'gv', 'bu', 'r0', 'g0', 'b0'] as const;

/**
 * One function per tap count for 4:2:0 frames (sample-yuv.ts; `chroma` of the taps read chroma):
 * four samples a turn, lanes are samples. Up to four taps a sample, every tap is one load into a
 * byte lane (sample j's luma in lanes 4j…, its chroma taps' U in 2j… and V in 8 + 2j…, the rest 0)
 * and pairwise widening adds make the four samples' sums; with more, taps are read as scalars
 * (wasm has no gather) and summed into each lane. The conversion runs on the four at once in i32
 * lanes, and saturating narrows clamp to 0–255 as sampleCellsYuv's comparisons do. Each group
 * of a range writes 12 bytes.
 */
function yuvBody(taps: number, chroma: number): FunctionBody {
  const f = new FunctionBody([
    ...RANGE_PARAMS,
    ['tab0', I32],
    ['frame', I32],
    ['out0', I32],
    ...YUV_PARAMS.map((n) => [n, I32] as [string, typeof I32]),
  ]);
  // The coefficients as vectors, once.
  for (const n of ['cy', 'rv', 'gu', 'gv', 'bu', 'r0', 'g0', 'b0'] as const) {
    f.localGet(n);
    f.simd(Simd.i32x4Splat);
    f.localSet(`${n}V`);
  }
  const stride = (taps + chroma) * 4;
  /** Pushes the frame address entry `k` of sample `j` of the group gives. */
  const address = (j: number, k: number): void => {
    f.localGet('frame');
    f.localGet('tab');
    f.op(Op.i32Load, 2, ...uleb(j * stride + k * 4));
    f.op(Op.i32Add);
  };
  /** Pushes the V address of the U address in `c`. */
  const vOf = (): void => {
    f.localGet('c');
    f.localGet('vFromU');
    f.op(Op.i32Add);
  };
  /** Loads the byte at the address on the stack into lane `lane` of vector `v`. */
  const intoLane = (v: string, lane: number): void => {
    f.localGet(v);
    f.simd(Simd.load8Lane, 0, 0, lane);
    f.localSet(v);
  };
  /** Sets lane j of vector `v` from the i32 on the stack (lane 0 by a splat: no vector to start from). */
  const toLane = (v: string, j: number): void => {
    if (j > 0) {
      f.localSet('s', I32);
      f.localGet(v);
      f.localGet('s');
      f.simd(Simd.i32x4ReplaceLane, j);
    } else {
      f.simd(Simd.i32x4Splat);
    }
    f.localSet(v);
  };
  /** Adds the i32 on the stack into scalar `sum`, or starts it. */
  const addTo = (sum: string, first: boolean): void => {
    if (!first) {
      f.localGet(sum);
      f.op(Op.i32Add);
    }
    f.localSet(sum, I32);
  };

  // Each range (at least 4 samples) in groups of 4 from its start; a last group that would pass
  // its end is moved back to end where it overlaps the one before (the same samples again).
  eachRange(f, () => {
    f.localGet('from');
    f.localSet('next', I32);
    f.localGet('end');
    f.i32(4);
    f.op(Op.i32Sub);
    f.localSet('lastGroup', I32);
    whileBelow(f, 'next', 'end', () => {
      // g = min(next, lastGroup); tab = tab0 + g · stride, out = out0 + g · 3.
      f.localGet('next');
      f.localGet('lastGroup');
      f.localGet('next');
      f.localGet('lastGroup');
      f.op(Op.i32LtU);
      f.op(Op.select);
      f.localSet('g', I32);
      setScaled(f, 'tab', 'g', stride, 'tab0');
      setScaled(f, 'out', 'g', 3, 'out0');
      if (taps <= 4) {
        f.i32(0);
        f.simd(Simd.i32x4Splat);
        f.localTee('yb');
        f.localSet('cb');
        for (let j = 0; j < 4; j++) {
          for (let k = 0; k < taps; k++) {
            address(j, k);
            intoLane('yb', 4 * j + k);
          }
          for (let k = 0; k < chroma; k++) {
            address(j, taps + k);
            f.localTee('c', I32);
            intoLane('cb', 2 * j + k);
            vOf();
            intoLane('cb', 8 + 2 * j + k);
          }
        }
        f.localGet('yb');
        f.simd(Simd.i16x8ExtaddPairwiseI8x16U);
        f.simd(Simd.i32x4ExtaddPairwiseI16x8U);
        f.localSet('y');
        f.localGet('cb');
        f.simd(Simd.i16x8ExtaddPairwiseI8x16U);
        f.localTee('cb');
        f.simd(Simd.i32x4ExtendLowI16x8U);
        f.localSet('u');
        f.localGet('cb');
        f.simd(Simd.i32x4ExtendHighI16x8U);
        f.localSet('v');
      } else {
        for (let j = 0; j < 4; j++) {
          for (let k = 0; k < taps; k++) {
            address(j, k);
            f.op(Op.i32Load8U, 0, 0);
            if (k > 0) f.op(Op.i32Add);
          }
          toLane('y', j);
          for (let k = 0; k < chroma; k++) {
            address(j, taps + k);
            f.localTee('c', I32);
            f.op(Op.i32Load8U, 0, 0);
            addTo('us', k === 0);
            vOf();
            f.op(Op.i32Load8U, 0, 0);
            addTo('vs', k === 0);
          }
          f.localGet('us');
          toLane('u', j);
          f.localGet('vs');
          toLane('v', j);
        }
      }
      f.localGet('y');
      f.localGet('cyV');
      f.simd(Simd.i32x4Mul);
      f.localSet('ys');
      /** Pushes (ys ± Σ plane·coefficient + offset) >> 16 (frame-pixels.ts's yuvCoefficients). */
      const channel = (terms: readonly (readonly [plane: string, coefficient: string, op: number])[], offset: string): void => {
        f.localGet('ys');
        for (const [plane, coefficient, op] of terms) {
          f.localGet(plane);
          f.localGet(coefficient);
          f.simd(Simd.i32x4Mul);
          f.simd(op);
        }
        f.localGet(offset);
        f.simd(Simd.i32x4Add);
        f.i32(16);
        f.simd(Simd.i32x4ShrS);
      };
      channel([['v', 'rvV', Simd.i32x4Add]], 'r0V');
      channel([['u', 'guV', Simd.i32x4Sub], ['v', 'gvV', Simd.i32x4Sub]], 'g0V');
      f.simd(Simd.i16x8NarrowI32x4S);
      channel([['u', 'buV', Simd.i32x4Add]], 'b0V');
      f.localTee('b');
      f.localGet('b');
      f.simd(Simd.i16x8NarrowI32x4S);
      // Bytes R0–3 G0–3 B0–3 B0–3, interleaved to R G B of each sample.
      f.simd(Simd.i8x16NarrowI16x8U);
      f.localTee('rgb');
      f.localGet('rgb');
      f.simd(Simd.shuffle, 0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11, 12, 13, 14, 15);
      f.localSet('rgb');
      f.localGet('out');
      f.localGet('rgb');
      f.simd(Simd.store64Lane, 0, 0, 0);
      f.localGet('out');
      f.localGet('rgb');
      f.simd(Simd.store32Lane, 0, 8, 2);
      f.addI32('next', 4);
    });
  });
  return f;
}

/** The samplers' module (every tap count, RGB24 and 4:2:0), once per thread, and its instance per frame memory. */
const samplerModule = new PerMemoryModule(
  () => {
    const rgb = Array.from({ length: MAX_TAPS }, (_, i) => ({ body: samplerBody(i + 1), i32Params: 7 }));
    const yuv = Array.from({ length: MAX_TAPS }, (_, i) => ({ body: yuvBody(i + 1, Math.min(i + 1, CHROMA_TAPS)), i32Params: 7 + YUV_PARAMS.length }));
    const names = [...rgb.map((_, i) => `taps${i + 1}`), ...yuv.map((_, i) => `yuv${i + 1}`)];
    return moduleBytes([...rgb, ...yuv], 1, names, { maximum: MAX_PAGES });
  },
  (exports) => ({
    byTaps: Array.from({ length: MAX_TAPS }, (_, i) => exports[`taps${i + 1}`] as Sampler),
    yuvByTaps: Array.from({ length: MAX_TAPS }, (_, i) => exports[`yuv${i + 1}`] as YuvSampler),
  }),
);
const samplers = new WeakMap<SharedMemory, SimdSampler | null>();
/** One range, every sample. */
const WHOLE = Int32Array.of(0, -1);
/** Samples the 4:2:0 sampler takes a turn. */
const YUV_GROUP = 4;

/** The SIMD sampler of a thread's frame memory. */
export class SimdSampler {
  /** Samples handed to this sampler since the thread started, for the tests (those of a 4:2:0 run under 4 samples it takes in JS; samplers declined go to the renderer's JS path). */
  static samples = 0;

  private constructor(
    private readonly arena: WasmArena,
    private readonly byTaps: readonly Sampler[],
    private readonly yuvByTaps: readonly YuvSampler[],
  ) {}

  /** The sampler over `arena`'s memory; null where this runtime cannot run it. */
  static over(arena: WasmArena): SimdSampler | null {
    let s = samplers.get(arena.memory);
    if (s !== undefined) return s;
    const fns = samplerModule.over(arena.memory);
    s = fns ? new SimdSampler(arena, fns.byTaps, fns.yuvByTaps) : null;
    samplers.set(arena.memory, s);
    return s;
  }

  /**
   * sampleCells(table, frame, out) when all three lie in this memory and the table has at most
   * MAX_TAPS taps; returns false (and does nothing) otherwise, for the caller to sample in JS.
   */
  sample(table: SamplingTable, frame: Uint8Array, out: Uint8Array): boolean {
    return this.sampleRanges(table, frame, out, WHOLE, 1);
  }

  /**
   * The same for the `n` ranges of samples [ranges[2i], ranges[2i + 1]) only (an end < 0: the
   * last), the others left as they are in `out`; checked once for them all. Where `ranges` lies in
   * this memory it is rewritten: the ranges the sampler takes, packed at its start.
   */
  sampleRanges(table: SamplingTable, frame: Uint8Array, out: Uint8Array, ranges: Int32Array, n: number): boolean {
    const { taps, offsets } = table;
    const arena = this.arena;
    if (taps > MAX_TAPS || !arena.owns(offsets) || !arena.owns(frame) || !arena.owns(out)) return false;
    const count = checkSampling(table, frame, out);
    const sampler = this.byTaps[taps - 1]!;
    const listed = this.packRanges(count, ranges, n, 1);
    if (listed >= 0) {
      sampler(ranges.byteOffset, listed, 0, 0, offsets.byteOffset, frame.byteOffset, out.byteOffset);
      return true;
    }
    // A list outside this memory: a call a range.
    for (let i = 0; i < n; i++) {
      const from = ranges[2 * i]!;
      const end = ranges[2 * i + 1]! < 0 ? count : ranges[2 * i + 1]!;
      if (end > from) sampler(0, 0, from, end, offsets.byteOffset, frame.byteOffset, out.byteOffset);
    }
    return true;
  }

  /**
   * sampleCellsYuv(table, frame, out) when all three lie in this memory: in groups of four here
   * (a grid of fewer than four samples in JS); returns false (and does nothing) otherwise.
   */
  sampleYuv(table: YuvSamplingTable, frame: Uint8Array, out: Uint8Array): boolean {
    return this.sampleYuvRanges(table, frame, out, WHOLE, 1);
  }

  /** The same for `n` ranges of samples only, as sampleRanges; a range of fewer than 4 samples is taken in JS. */
  sampleYuvRanges(table: YuvSamplingTable, frame: Uint8Array, out: Uint8Array, ranges: Int32Array, n: number): boolean {
    const { taps, entries } = table;
    const arena = this.arena;
    if (taps > MAX_TAPS || table.chroma !== Math.min(taps, CHROMA_TAPS) || !arena.owns(entries) || !arena.owns(frame) || !arena.owns(out)) return false;
    const count = checkYuvSampling(table, frame, out);
    const sampler = this.yuvByTaps[taps - 1]!;
    const k = table.coefficients;
    const listed = this.packRanges(count, ranges, n, YUV_GROUP, table, frame, out);
    if (listed > 0) sampler(ranges.byteOffset, listed, 0, 0, entries.byteOffset, frame.byteOffset, out.byteOffset, table.vFromU, k.y, k.rv, k.gu, k.gv, k.bu, k.r0, k.g0, k.b0);
    for (let i = 0; listed < 0 && i < n; i++) {
      // A list outside this memory (checked by packRanges): a call a range.
      const from = ranges[2 * i]!;
      const end = ranges[2 * i + 1]! < 0 ? count : ranges[2 * i + 1]!;
      if (end - from >= YUV_GROUP) sampler(0, 0, from, end, entries.byteOffset, frame.byteOffset, out.byteOffset, table.vFromU, k.y, k.rv, k.gu, k.gv, k.bu, k.r0, k.g0, k.b0);
    }
    return true;
  }

  /**
   * Checks the ranges against `count` samples and counts their samples; then those shorter than `least`
   * are taken in JS (from the 4:2:0 `yuv` table, the only sampler with a least). Where `ranges`
   * lies in this memory, packs the others at its start (ends made explicit) and returns how many,
   * else −1.
   */
  private packRanges(count: number, ranges: Int32Array, n: number, least: number, yuv: YuvSamplingTable | null = null, frame: Uint8Array | null = null, out: Uint8Array | null = null): number {
    // Every range checked before any is taken.
    for (let i = 0; i < n; i++) SimdSampler.samples += checkRange(count, ranges[2 * i]!, ranges[2 * i + 1]!) - ranges[2 * i]!;
    const pack = this.arena.owns(ranges);
    let listed = 0;
    for (let i = 0; i < n; i++) {
      const from = ranges[2 * i]!;
      const end = ranges[2 * i + 1]! < 0 ? count : ranges[2 * i + 1]!;
      if (end - from < least) {
        if (yuv && end > from) sampleCellsYuv(yuv, frame!, out!, from, end);
        continue;
      }
      if (!pack) continue;
      ranges[2 * listed] = from;
      ranges[2 * listed + 1] = end;
      listed++;
    }
    return pack ? listed : -1;
  }
}
