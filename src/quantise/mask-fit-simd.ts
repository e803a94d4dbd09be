/**
 * The exact two-colour search of styles whose glyphs are masks of at most 8 samples, as a
 * WebAssembly SIMD module generated at run time (wasm-emitter.ts), writing the JS search's bytes:
 * - the Gray-code walk over every partition (fit-kernels.ts: quadrant 2×2, sextant 2×3, octant and
 *   braille 2×4 samples a cell), where every partition has a glyph;
 * - a style's candidate list (fit-cells.ts CellFitter.fitCell: ascii, 24 masks of 2×4), where
 *   only some do.
 *
 * Design, and why:
 * - Lanes are 4 horizontally adjacent cells: every cell scores the same partitions in the same
 *   order, so one instruction serves four cells and no lane ever branches.
 * - A sample's red and green sit side by side in 16-bit lanes and its blue beside a zero, so
 *   i32x4.dot_i16x8_s squares and adds two channels in one instruction: |F|² is two dots and an
 *   add. Sums of at most 8 samples of 255 fit 16 bits.
 * - Gains are the JS search's integers, |F|²·L/c + |B|²·L/(n−c) with L = GAIN_SCALE[n], under 2^31:
 *   32-bit lanes hold them exactly, so the winner is the JS search's, the first strictly greatest in
 *   its order. No near tie needs a refit, unlike the mosaic module's rounded gains (mosaic-simd.ts).
 * - Each partition keeps the winner's index with a compare and a bitselect; its sums are
 *   recomputed once per group from its mask, looked up with its glyph.
 * - Colours are the JS search's means rounded half up: (2Σ + c) / 2c divided in f32 and truncated
 *   is exactly floor(Σ/c + ½) for every sum of up to 8 samples (test/mask-fit-simd.test.ts checks
 *   every one), which is what the JS search's Σ·(1/c) + ½ and Math.round(Σ·(1/c)) give.
 *
 * `bench fitting` runs each beside its JS search; README.md's table has the figures.
 */
import { wasmApi } from '../shared/wasm-api.js';
import { FunctionBody, I32, moduleBytes, Op, Simd, uleb } from '../shared/wasm-emitter.js';
import { Limits } from '../../protocol/limits.js';
import { GAIN_SCALE } from './fit-kernels.js';

/** A JS search with the same contract, for grids wider than the module. */
export type JsFit = (rgb: Uint8Array, cols: number, rows: number, quant: number, out: Uint8Array, offset: number) => number;

/** What is searched: every partition in Gray-code order (`masks` null), or these masks in this order. */
interface Search {
  readonly subX: number;
  readonly subY: number;
  readonly masks: readonly number[] | null;
}

/** Memory: per partition index its mask, glyph and swap flag (32 bits), then the samples in, then the cells out. */
const TABLE = 0;
const MAX_INDEX = 256;
const INPUT = 4 * MAX_INDEX;
const PAGE = 65536;
/**
 * Bytes a group may read or write past the grid's end: lanes past the last column read up to 21
 * bytes past the last sample row and write up to 21 past the last cell (3 lanes of a 2×n layout,
 * 6 bytes a lane and a 16-byte load; 3 cells of 7 bytes).
 */
const SLACK = 64;
/** A throwaway grid fitted at build until V8's optimising tier has the module (about 10 ms). */
const WARM_UP_COLS = 64;
const WARM_UP_ROWS = 16;
const WARM_UP_RUNS = 30;
const align = (v: number): number => (v + 63) & ~63;

const splat = (v: number): number[] => Array.from(new Uint8Array(new Int32Array([v, v, v, v]).buffer));
const bitCount = (m: number): number => {
  let c = 0;
  for (let v = m; v !== 0; v &= v - 1) c++;
  return c;
};

/**
 * fit(cols, rows, quant): per group of 4 cells (ceil(cols / 4) groups a cell row) the 7-byte cells
 * at `outAt` + 7·cell. Lanes past the last column compute garbage into the next row's cells, which
 * that row then overwrites, or into the slack.
 */
function generate(search: Search, outAt: number): FunctionBody {
  const { subX, subY, masks } = search;
  const n = subX * subY;
  const L = GAIN_SCALE[n]!;
  const rowBytes = subX * 3;
  const f = new FunctionBody([['cols', I32], ['rows', I32], ['quant', I32]]);
  const v128 = (bytes: number[]): void => f.simd(Simd.v128Const, ...bytes);
  const load = (base: string, offset: number): void => {
    f.localGet(base);
    f.simd(Simd.load, 0, ...uleb(offset));
  };
  // Shuffle index of byte `o` of a group's sample row, read as A = bytes 0–15 and B = bytes 8–23.
  const lane = (o: number): number => (o < 16 ? o : 16 + o - 8);
  const rgPick: number[] = [];
  const bPick: number[] = [];
  for (let j = 0; j < 4; j++) {
    const o = rowBytes * j;
    rgPick.push(lane(o), lane(o), lane(o + 1), lane(o + 1));
    bPick.push(lane(o + 2), lane(o + 2), lane(o + 2), lane(o + 2));
  }

  f.localGet('cols');
  f.i32(rowBytes);
  f.op(Op.i32Mul);
  f.localSet('stride', I32);
  f.localGet('stride');
  f.i32(subY);
  f.op(Op.i32Mul);
  f.localSet('cellRow', I32);
  f.localGet('cols');
  f.i32(3);
  f.op(Op.i32Add);
  f.i32(2);
  f.op(Op.i32ShrU);
  f.localSet('groups', I32);
  f.localGet('quant');
  f.simd(Simd.i32x4Splat);
  f.localSet('q');
  f.countUp('cy', 0, 'rows', 1, () => {
    f.localGet('cy');
    f.localGet('cellRow');
    f.op(Op.i32Mul);
    f.i32(INPUT);
    f.op(Op.i32Add);
    f.localSet('a', I32);
    f.localGet('cy');
    f.localGet('cols');
    f.op(Op.i32Mul);
    f.i32(7);
    f.op(Op.i32Mul);
    f.i32(outAt);
    f.op(Op.i32Add);
    f.localSet('o', I32);
    f.countUp('gx', 0, 'groups', 1, () => {
      gather();
      if (masks) searchList(masks);
      else walk();
      colours();
      f.addI32('a', 4 * rowBytes);
      f.addI32('o', 28);
    });
  });
  return f;

  /** The group's samples: per sample of the 4 cells, red and green (rg{k}) and blue (b{k}); their totals. */
  function gather(): void {
    f.localGet('a');
    f.localSet('row0', I32);
    for (let y = 1; y < subY; y++) {
      f.localGet(`row${y - 1}`);
      f.localGet('stride');
      f.op(Op.i32Add);
      f.localSet(`row${y}`, I32);
    }
    for (let k = 0; k < n; k++) {
      const row = `row${Math.floor(k / subX)}`;
      const x = (k % subX) * 3;
      // The row's 24 bytes once, as two overlapping loads; both shuffles read them.
      load(row, x);
      f.localSet('lo');
      load(row, x + 8);
      f.localSet('hi');
      for (const [name, pick, keep] of [['rg', rgPick, 0x00ff00ff], ['b', bPick, 0xff]] as const) {
        f.localGet('lo');
        f.localGet('hi');
        f.simd(Simd.shuffle, ...pick);
        v128(splat(keep));
        f.simd(Simd.and);
        f.localSet(`${name}${k}`);
      }
    }
    for (const c of ['rg', 'b']) {
      f.localGet(`${c}0`);
      for (let k = 1; k < n; k++) {
        f.localGet(`${c}${k}`);
        f.simd(Simd.i16x8Add);
      }
      f.localSet(`T${c}`);
    }
  }

  /** |x|² of a side held as (rg, b) locals, onto the stack. */
  function norm(rg: string, b: string): void {
    f.localGet(rg);
    f.localGet(rg);
    f.simd(Simd.i32x4DotI16x8S);
    f.localGet(b);
    f.localGet(b);
    f.simd(Simd.i32x4DotI16x8S);
    f.simd(Simd.i32x4Add);
  }

  /** F (Frg, Fb) ± sample k, then B = T − F. */
  function step(k: number, add: boolean): void {
    for (const ch of ['rg', 'b']) {
      f.localGet(`F${ch}`);
      f.localGet(`${ch}${k}`);
      f.simd(add ? Simd.i16x8Add : Simd.i16x8Sub);
      f.localSet(`F${ch}`);
    }
  }

  /** The gain of the partition whose foreground F covers c samples, onto the stack. */
  function gain(c: number): void {
    for (const ch of ['rg', 'b']) {
      f.localGet(`T${ch}`);
      f.localGet(`F${ch}`);
      f.simd(Simd.i16x8Sub);
      f.localSet(`B${ch}`);
    }
    const kF = c > 0 ? L / c : 0;
    const kB = c < n ? L / (n - c) : 0;
    if (kF === kB) {
      norm('Frg', 'Fb');
      norm('Brg', 'Bb');
      f.simd(Simd.i32x4Add);
    } else if (kF === 0 || kB === 0) {
      if (kF === 0) norm('Brg', 'Bb');
      else norm('Frg', 'Fb');
    } else {
      norm('Frg', 'Fb');
      v128(splat(kF));
      f.simd(Simd.i32x4Mul);
      norm('Brg', 'Bb');
      v128(splat(kB));
      f.simd(Simd.i32x4Mul);
      f.simd(Simd.i32x4Add);
      return;
    }
    v128(splat(kF || kB));
    f.simd(Simd.i32x4Mul);
  }

  /** Keeps partition `index` where its gain (on the stack) beats the best so far, strictly. */
  function keepIfBetter(index: number): void {
    f.localTee('gain');
    f.localGet('bar');
    f.simd(Simd.i32x4GtS);
    f.localSet('win');
    f.localGet('gain');
    f.localGet('bar');
    f.simd(Simd.i32x4MaxS);
    f.localSet('bar');
    v128(splat(index));
    f.localGet('best');
    f.localGet('win');
    f.simd(Simd.bitselect);
    f.localSet('best');
  }

  /** Every partition, in Gray-code order, the last sample always in the background; index = mask. */
  function walk(): void {
    norm('Trg', 'Tb');
    v128(splat(L / n));
    f.simd(Simd.i32x4Mul);
    f.localSet('bar');
    v128(splat(0));
    f.localTee('best');
    f.localTee('Frg');
    f.localSet('Fb');
    for (let i = 1; i < 1 << (n - 1); i++) {
      const gray = i ^ (i >> 1);
      const k = 31 - Math.clz32(i & -i);
      step(k, ((gray >> k) & 1) === 1);
      gain(bitCount(gray));
      keepIfBetter(gray);
    }
  }

  /** The listed masks in order, F carried from one to the next; index = place in the list. */
  function searchList(list: readonly number[]): void {
    v128(splat(0));
    f.localTee('Frg');
    f.localSet('Fb');
    let held = 0;
    list.forEach((m, j) => {
      for (let k = 0; k < n; k++) {
        const was = (held >> k) & 1;
        const is = (m >> k) & 1;
        if (was !== is) step(k, is === 1);
      }
      held = m;
      gain(bitCount(m));
      if (j === 0) {
        f.localSet('bar');
        v128(splat(0));
        f.localSet('best');
      } else keepIfBetter(j);
    });
  }

  /** The winner's mask, glyph and swap flag; its sums and means rounded half up, swapped where its glyph draws the complement; stored. */
  function colours(): void {
    // Per lane: the table entry of its index (mask | glyph << 8 | swap << 16); the glyph stored.
    v128(splat(0));
    f.localTee('mask');
    f.localSet('swap');
    for (let j = 0; j < 4; j++) {
      f.localGet('best');
      f.simd(Simd.i32x4ExtractLane, j);
      f.i32(2);
      f.op(Op.i32Shl);
      f.op(Op.i32Load, 2, ...uleb(TABLE));
      f.localSet('entry', I32);
      f.localGet('o');
      f.localGet('entry');
      f.i32(8);
      f.op(Op.i32ShrU);
      f.op(Op.i32Store8, 0, ...uleb(7 * j));
      f.localGet('mask');
      f.localGet('entry');
      f.i32(0xff);
      f.op(Op.i32And);
      f.simd(Simd.i32x4ReplaceLane, j);
      f.localSet('mask');
      f.localGet('swap');
      f.i32(0);
      f.localGet('entry');
      f.i32(16);
      f.op(Op.i32ShrU);
      f.op(Op.i32Sub);
      f.simd(Simd.i32x4ReplaceLane, j);
      f.localSet('swap');
    }
    v128(splat(0));
    f.localTee('Frg');
    f.localTee('Fb');
    f.localSet('c');
    for (let k = 0; k < n; k++) {
      f.localGet('mask');
      f.i32(k);
      f.simd(Simd.i32x4ShrU);
      v128(splat(1));
      f.simd(Simd.and);
      f.localTee('bit');
      f.localGet('c');
      f.simd(Simd.i32x4Add);
      f.localSet('c');
      v128(splat(0));
      f.localGet('bit');
      f.simd(Simd.i32x4Sub);
      f.localSet('sel');
      for (const ch of ['rg', 'b']) {
        f.localGet(`F${ch}`);
        f.localGet(`${ch}${k}`);
        f.localGet('sel');
        f.simd(Simd.and);
        f.simd(Simd.i16x8Add);
        f.localSet(`F${ch}`);
      }
    }
    // Per channel as 32-bit lanes: red the low half of rg, green the high, blue as it is.
    const split = (rg: string, b: string, side: string): void => {
      f.localGet(rg);
      f.i32(16);
      f.simd(Simd.i32x4Shl);
      f.i32(16);
      f.simd(Simd.i32x4ShrU);
      f.localSet(`${side}r`);
      f.localGet(rg);
      f.i32(16);
      f.simd(Simd.i32x4ShrU);
      f.localSet(`${side}g`);
      f.localGet(b);
      f.localSet(`${side}b`);
    };
    split('Trg', 'Tb', 't');
    split('Frg', 'Fb', 'f');
    for (const ch of 'rgb') {
      f.localGet(`t${ch}`);
      f.localGet(`f${ch}`);
      f.simd(Simd.i32x4Sub);
      f.localSet(`s${ch}`);
    }
    v128(splat(n));
    f.localGet('c');
    f.simd(Simd.i32x4Sub);
    f.localSet('d');
    // 2c and 2(n − c) as f32; (2Σ + c) / 2c truncated. An empty side (the space's foreground, a full
    // block's background) shows the other side's colour.
    for (const [count, twice, empty] of [['c', 'c2', 'noF'], ['d', 'd2', 'noB']] as const) {
      f.localGet(count);
      f.localGet(count);
      f.simd(Simd.i32x4Add);
      f.simd(Simd.f32x4ConvertI32x4S);
      f.localSet(twice);
      f.localGet(count);
      v128(splat(0));
      f.simd(Simd.i32x4Eq);
      f.localSet(empty);
    }
    const mean = (sum: string, count: string, twice: string, to: string): void => {
      f.localGet(sum);
      f.localGet(sum);
      f.simd(Simd.i32x4Add);
      f.localGet(count);
      f.simd(Simd.i32x4Add);
      f.simd(Simd.f32x4ConvertI32x4S);
      f.localGet(twice);
      f.simd(Simd.f32x4Div);
      f.simd(Simd.i32x4TruncSatF32x4S);
      f.localSet(to);
    };
    for (const ch of 'rgb') {
      mean(`f${ch}`, 'c', 'c2', `fm${ch}`);
      mean(`s${ch}`, 'd', 'd2', `bm${ch}`);
      f.localGet(`bm${ch}`);
      f.localGet(`fm${ch}`);
      f.localGet('noF');
      f.simd(Simd.bitselect);
      f.localSet(`fm${ch}`);
      f.localGet(`fm${ch}`);
      f.localGet(`bm${ch}`);
      f.localGet('noB');
      f.simd(Simd.bitselect);
      f.localSet(`bm${ch}`);
      // Shown foreground: the background mean where the glyph draws the complement.
      for (const [shown, a, b] of [[`of${ch}`, `bm${ch}`, `fm${ch}`], [`ob${ch}`, `fm${ch}`, `bm${ch}`]] as const) {
        f.localGet(a);
        f.localGet(b);
        f.localGet('swap');
        f.simd(Simd.bitselect);
        f.localGet('q');
        f.simd(Simd.and);
        f.localSet(shown);
      }
    }
    [...'rgb'].forEach((ch, i) => {
      for (let j = 0; j < 4; j++) {
        for (const [side, at] of [['of', 1], ['ob', 4]] as const) {
          f.localGet('o');
          f.localGet(`${side}${ch}`);
          f.simd(Simd.store8Lane, 0, ...uleb(7 * j + at + i), 4 * j);
        }
      }
    });
  }
}

/** Compiled modules by what they search, once per thread; each fitter instantiates its own memory. */
const modules = new Map<string, { module: object; outAt: number; pages: number } | null>();

/**
 * One style's SIMD search: a module instance with its own memory, sized once for the largest grid
 * the server allows, so the views made here stay valid. Calls are synchronous.
 */
export class MaskFitSimd {
  private readonly input: Uint8Array;
  private readonly out7: Uint8Array;
  /** The views `fit` last copied through, kept while the next call's are the same (no view made per frame). */
  private inView: Uint8Array | null = null;
  private outView: Uint8Array;

  private constructor(
    private readonly run: (cols: number, rows: number, quant: number) => void,
    memory: ArrayBuffer,
    outAt: number,
    private readonly n: number,
    private readonly maxCells: number,
    private readonly jsFit: JsFit,
  ) {
    this.input = new Uint8Array(memory, INPUT, maxCells * n * 3 + SLACK);
    this.out7 = new Uint8Array(memory, outAt, maxCells * 7 + SLACK);
    this.outView = this.out7.subarray(0, 0);
  }

  /**
   * The Gray-code walk for subX × subY samples a cell, drawing mask m as glyphOf[m] (its complement
   * where swapOf[m] is 1), or null where this runtime's WebAssembly lacks SIMD.
   */
  static walk(subX: number, subY: number, glyphOf: Uint8Array, swapOf: Uint8Array, jsFit: JsFit): MaskFitSimd | null {
    const entries = Array.from({ length: 1 << (subX * subY - 1) }, (_, m) => m | (glyphOf[m]! << 8) | ((swapOf[m] === 1 ? 1 : 0) << 16));
    return MaskFitSimd.build({ subX, subY, masks: null }, entries, jsFit);
  }

  /** The search over `masks` in their order, mask j drawn as glyphs[j] with the covered samples' colour in front. */
  static candidates(subX: number, subY: number, masks: readonly number[], glyphs: ArrayLike<number>, jsFit: JsFit): MaskFitSimd | null {
    if (masks.length === 0 || masks.length > MAX_INDEX) return null;
    return MaskFitSimd.build({ subX, subY, masks }, masks.map((m, j) => m | (glyphs[j]! << 8)), jsFit);
  }

  private static build(search: Search, entries: readonly number[], jsFit: JsFit): MaskFitSimd | null {
    const wasm = wasmApi;
    const n = search.subX * search.subY;
    if (!wasm || search.subX !== 2 || GAIN_SCALE[n] === undefined) return null;
    const maxCells = Math.floor(Limits.SAMPLES_MAX / n);
    const key = `${search.subX}x${search.subY}:${search.masks?.join(',') ?? 'walk'}`;
    let made = modules.get(key);
    try {
      if (made === undefined) {
        made = null;
        const outAt = align(INPUT + maxCells * n * 3 + SLACK);
        const pages = Math.ceil((outAt + maxCells * 7 + SLACK) / PAGE);
        const bytes = moduleBytes([{ body: generate(search, outAt), i32Params: 3 }], pages, 'fit');
        if (wasm.validate(bytes)) made = { module: new wasm.Module(bytes), outAt, pages };
        modules.set(key, made);
      }
      if (!made) return null;
      const memory = new wasm.Memory({ initial: made.pages });
      new Int32Array(memory.buffer, TABLE, entries.length).set(entries);
      const instance = new wasm.Instance(made.module, { env: { mem: memory } });
      const simd = new MaskFitSimd(instance.exports['fit'] as (cols: number, rows: number, quant: number) => void, memory.buffer, made.outAt, n, maxCells, jsFit);
      simd.warmUp();
      return simd;
    } catch {
      // A runtime that refuses the module or its memory keeps the JS search: the same bytes.
      modules.set(key, null);
      return null;
    }
  }

  /** Runs the module on a throwaway grid until V8's optimising tier has it (first frames ran as baseline code). */
  private warmUp(): void {
    const rgb = new Uint8Array(WARM_UP_COLS * WARM_UP_ROWS * this.n * 3);
    let seed = 1;
    for (let i = 0; i < rgb.length; i++) rgb[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    const out = new Uint8Array(WARM_UP_COLS * WARM_UP_ROWS * 7);
    for (let k = 0; k < WARM_UP_RUNS; k++) this.fit(rgb, WARM_UP_COLS, WARM_UP_ROWS, 0xff, out, 0);
  }

  /** The JS search's contract: its bytes at `offset`, nothing outside them written. */
  fit(rgb: Uint8Array, cols: number, rows: number, quant: number, out: Uint8Array, offset: number): number {
    if (cols > this.maxCells) return this.jsFit(rgb, cols, rows, quant, out, offset);
    // Rows are contiguous in the samples, so a grid larger than the module is fitted a band at a time.
    const band = Math.floor(this.maxCells / cols);
    const rowBytes = cols * this.n * 3;
    let o = offset;
    for (let r0 = 0; r0 < rows; r0 += band) {
      const count = Math.min(band, rows - r0);
      const cells = cols * count;
      this.input.set(this.samples(rgb, r0 * rowBytes, count * rowBytes));
      this.run(cols, count, quant);
      if (this.outView.length !== 7 * cells) this.outView = this.out7.subarray(0, 7 * cells);
      out.set(this.outView, o);
      o += 7 * cells;
    }
    return o;
  }

  /** `rgb`'s bytes from … from + length, as the view made for the last call when it is the same. */
  private samples(rgb: Uint8Array, from: number, length: number): Uint8Array {
    if (from === 0 && rgb.length === length) return rgb;
    const v = this.inView;
    if (v && v.buffer === rgb.buffer && v.byteOffset === rgb.byteOffset + from && v.length === length) return v;
    return (this.inView = rgb.subarray(from, from + length));
  }
}
