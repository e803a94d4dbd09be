/**
 * The Gray-code partition walk of fit-kernels.ts (quadrant 2×2, sextant 2×3, octant and braille
 * 2×4 samples a cell) as a WebAssembly SIMD module generated at run time (wasm-emitter.ts),
 * writing the JS walk's bytes.
 *
 * Design, and why:
 * - Lanes are 4 horizontally adjacent cells: every cell walks the same partitions in the same
 *   order, so one instruction serves four cells and no lane ever branches.
 * - A sample's red and green sit side by side in 16-bit lanes and its blue beside a zero, so
 *   i32x4.dot_i16x8_s squares and adds two channels in one instruction: |F|² is two dots and an
 *   add. Sums of at most 8 samples of 255 fit 16 bits.
 * - Gains are the JS walk's integers, |F|²·L/c + |B|²·L/(n−c) with L = lcm(1…n), under 2^31: the
 *   32-bit lanes hold them exactly, so the winner is the JS walk's, the first strictly greatest
 *   gain in walk order, the one colour for the whole cell first. No near-tie refit is needed,
 *   unlike the mosaic module's rounded gains (mosaic-simd.ts).
 * - Each step keeps the winner's mask with a compare and a bitselect; its sums are recomputed from
 *   the mask once per group rather than carried through every step.
 * - Colours are the JS walk's means rounded half up: (2Σ + c) / 2c divided in f32 and truncated is
 *   exactly floor(Σ/c + ½) for every sum of up to 8 samples (test/walk-simd.test.ts checks every
 *   one), which is what the JS walk's Σ·(1/c) + ½ gives.
 *
 * Measured on the bench's 8 demo views of 160×48 cells (`bench fitting`, samples copied in each
 * call): see README.md's table, sextant and octant rows.
 */
import { wasmApi } from '../shared/wasm-api.js';
import { FunctionBody, I32, moduleBytes, Op, Simd, uleb } from '../shared/wasm-emitter.js';
import { Limits } from '../../protocol/limits.js';

/** The JS walk's signature (fit-kernels.ts WalkKernel) without its tables, which the module holds. */
export type JsWalk = (rgb: Uint8Array, cols: number, rows: number, quant: number, out: Uint8Array, offset: number) => number;

/** Memory: per partition mask its glyph and swap flag (16 bits), then the samples in, then the cells out. */
const TABLE = 0;
const INPUT = 1024;
const PAGE = 65536;
/** Bytes a group may read or write past the grid's end (lanes beyond the last column). */
const SLACK = 256;
/** A throwaway grid fitted at build until V8's optimising tier has the module (about 10 ms). */
const WARM_UP_COLS = 64;
const WARM_UP_ROWS = 16;
const WARM_UP_RUNS = 30;
const align = (v: number): number => (v + 63) & ~63;

function lcmTo(n: number): number {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  let l = 1;
  for (let k = 2; k <= n; k++) l = (l * k) / gcd(l, k);
  return l;
}

const bytesOf = (words: Int32Array): number[] => Array.from(new Uint8Array(words.buffer));
const splat = (v: number): number[] => bytesOf(new Int32Array([v, v, v, v]));

/**
 * fit(cols, rows, quant): per group of 4 cells (ceil(cols / 4) groups a cell row) the 7-byte cells
 * at `out` + 7·cell. Lanes past the last column compute garbage into the next row's cells, which
 * that row then overwrites, or into the slack.
 */
function generate(subX: number, subY: number, out: number): FunctionBody {
  const n = subX * subY;
  const L = lcmTo(n);
  const rowBytes = subX * 3;
  const f = new FunctionBody([['cols', I32], ['rows', I32], ['quant', I32]]);
  const v128 = (bytes: number[]): void => f.simd(Simd.v128Const, ...bytes);
  const load = (base: string, offset: number): void => {
    f.localGet(base);
    f.simd(Simd.load, 0, ...uleb(offset));
  };
  // Shuffle indices of byte `o` of a group's sample row, read as A = bytes 0–15 and B = bytes 8–23.
  const at = (o: number): number => (o < 16 ? o : 16 + o - 8);
  const rgPick: number[] = [];
  const bPick: number[] = [];
  for (let j = 0; j < 4; j++) {
    const o = rowBytes * j;
    rgPick.push(at(o), at(o), at(o + 1), at(o + 1));
    bPick.push(at(o + 2), at(o + 2), at(o + 2), at(o + 2));
  }
  const low16 = splat(0x00ff00ff);
  const low8 = splat(0xff);

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
    f.i32(out);
    f.op(Op.i32Add);
    f.localSet('o', I32);
    f.countUp('gx', 0, 'groups', 1, () => {
      group();
      f.addI32('a', 4 * rowBytes);
      f.addI32('o', 28);
    });
  });
  return f;

  function group(): void {
    // The group's sample rows, then each sample of the 4 cells: red and green, and blue.
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
      load(row, x);
      load(row, x + 8);
      f.simd(Simd.shuffle, ...rgPick);
      v128(low16);
      f.simd(Simd.and);
      f.localSet(`rg${k}`);
      load(row, x);
      load(row, x + 8);
      f.simd(Simd.shuffle, ...bPick);
      v128(low8);
      f.simd(Simd.and);
      f.localSet(`b${k}`);
    }
    for (const c of ['rg', 'b']) {
      f.localGet(`${c}0`);
      for (let k = 1; k < n; k++) {
        f.localGet(`${c}${k}`);
        f.simd(Simd.i16x8Add);
      }
      f.localSet(`T${c}`);
    }
    // |x|² of a side held as (rg, b) locals.
    const norm = (rg: string, b: string): void => {
      f.localGet(rg);
      f.localGet(rg);
      f.simd(Simd.i32x4DotI16x8S);
      f.localGet(b);
      f.localGet(b);
      f.simd(Simd.i32x4DotI16x8S);
      f.simd(Simd.i32x4Add);
    };
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
      const step = (gray >> k) & 1 ? Simd.i16x8Add : Simd.i16x8Sub;
      let c = 0;
      for (let b = 0; b < n; b++) c += (gray >> b) & 1;
      for (const ch of ['rg', 'b']) {
        f.localGet(`F${ch}`);
        f.localGet(`${ch}${k}`);
        f.simd(step);
        f.localSet(`F${ch}`);
        f.localGet(`T${ch}`);
        f.localGet(`F${ch}`);
        f.simd(Simd.i16x8Sub);
        f.localSet(`B${ch}`);
      }
      norm('Frg', 'Fb');
      if (L / c === L / (n - c)) {
        norm('Brg', 'Bb');
        f.simd(Simd.i32x4Add);
        v128(splat(L / c));
        f.simd(Simd.i32x4Mul);
      } else {
        v128(splat(L / c));
        f.simd(Simd.i32x4Mul);
        norm('Brg', 'Bb');
        v128(splat(L / (n - c)));
        f.simd(Simd.i32x4Mul);
        f.simd(Simd.i32x4Add);
      }
      f.localTee('gain');
      f.localGet('bar');
      f.simd(Simd.i32x4GtS);
      f.localSet('win');
      f.localGet('gain');
      f.localGet('bar');
      f.simd(Simd.i32x4MaxS);
      f.localSet('bar');
      v128(splat(gray));
      f.localGet('best');
      f.localGet('win');
      f.simd(Simd.bitselect);
      f.localSet('best');
    }
    colours();
  }

  /** The winner's sums from its mask, its means rounded half up, swapped where its glyph draws the complement; stored. */
  function colours(): void {
    v128(splat(0));
    f.localTee('Frg');
    f.localTee('Fb');
    f.localSet('c');
    for (let k = 0; k < n - 1; k++) {
      f.localGet('best');
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
      f.localSet(`b${ch}s`);
    }
    // 2c and 2(n − c) as f32; (2Σ + c) / 2c truncated.
    v128(splat(n));
    f.localGet('c');
    f.simd(Simd.i32x4Sub);
    f.localSet('d');
    const twice = (v: string, to: string): void => {
      f.localGet(v);
      f.localGet(v);
      f.simd(Simd.i32x4Add);
      f.simd(Simd.f32x4ConvertI32x4S);
      f.localSet(to);
    };
    twice('c', 'c2');
    twice('d', 'd2');
    const mean = (sum: string, count: string, count2: string, to: string): void => {
      f.localGet(sum);
      f.localGet(sum);
      f.simd(Simd.i32x4Add);
      f.localGet(count);
      f.simd(Simd.i32x4Add);
      f.simd(Simd.f32x4ConvertI32x4S);
      f.localGet(count2);
      f.simd(Simd.f32x4Div);
      f.simd(Simd.i32x4TruncSatF32x4S);
      f.localSet(to);
    };
    localSetZeroMask('c', 'none');
    for (const ch of 'rgb') {
      mean(`b${ch}s`, 'd', 'd2', `bm${ch}`);
      mean(`f${ch}`, 'c', 'c2', `fm${ch}`);
      // The space (no foreground) shows its background's colour on both sides.
      f.localGet(`bm${ch}`);
      f.localGet(`fm${ch}`);
      f.localGet('none');
      f.simd(Simd.bitselect);
      f.localSet(`fm${ch}`);
    }
    // Glyph and swap flag of each lane's mask (16 bits: glyph, then 1 where it draws the complement).
    v128(splat(0));
    f.localSet('swap');
    for (let j = 0; j < 4; j++) {
      f.localGet('best');
      f.simd(Simd.i32x4ExtractLane, j);
      f.i32(1);
      f.op(Op.i32Shl);
      f.op(Op.i32Load16U, 1, ...uleb(TABLE));
      f.localSet('entry', I32);
      f.localGet('o');
      f.localGet('entry');
      f.op(Op.i32Store8, 0, ...uleb(7 * j));
      f.localGet('swap');
      f.i32(0);
      f.localGet('entry');
      f.i32(8);
      f.op(Op.i32ShrU);
      f.op(Op.i32Sub);
      f.simd(Simd.i32x4ReplaceLane, j);
      f.localSet('swap');
    }
    for (const ch of 'rgb') {
      // Shown foreground: the background mean where the glyph draws the complement.
      f.localGet(`bm${ch}`);
      f.localGet(`fm${ch}`);
      f.localGet('swap');
      f.simd(Simd.bitselect);
      f.localGet('q');
      f.simd(Simd.and);
      f.localSet(`of${ch}`);
      f.localGet(`fm${ch}`);
      f.localGet(`bm${ch}`);
      f.localGet('swap');
      f.simd(Simd.bitselect);
      f.localGet('q');
      f.simd(Simd.and);
      f.localSet(`ob${ch}`);
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

  /** `to` = all ones in the lanes where i32x4 local `v` is 0. */
  function localSetZeroMask(v: string, to: string): void {
    f.localGet(v);
    v128(splat(0));
    f.simd(Simd.i32x4Eq);
    f.localSet(to);
  }
}

/** Compiled modules by sample layout, once per thread; each fitter instantiates its own memory. */
const modules = new Map<string, { module: object; out: number; pages: number } | null>();

/**
 * The SIMD walk of one style's fitter: one module instance with its own memory, sized once for the
 * largest grid the server allows, so the views made here stay valid. Calls are synchronous.
 */
export class WalkSimd {
  private readonly input: Uint8Array;
  private readonly out7: Uint8Array;

  private constructor(
    private readonly run: (cols: number, rows: number, quant: number) => void,
    memory: ArrayBuffer,
    out: number,
    private readonly n: number,
    private readonly maxCells: number,
    private readonly jsWalk: JsWalk,
  ) {
    this.input = new Uint8Array(memory, INPUT, maxCells * n * 3 + SLACK);
    this.out7 = new Uint8Array(memory, out, maxCells * 7 + SLACK);
  }

  /**
   * The SIMD walk for subX × subY samples a cell, drawing mask m as glyphOf[m] (its complement
   * where swapOf[m] is 1), or null where this runtime's WebAssembly lacks SIMD.
   */
  static build(subX: number, subY: number, glyphOf: Uint8Array, swapOf: Uint8Array, jsWalk: JsWalk): WalkSimd | null {
    const wasm = wasmApi;
    if (!wasm) return null;
    const n = subX * subY;
    const maxCells = Math.floor(Limits.SAMPLES_MAX / n);
    const key = `${subX}x${subY}`;
    let made = modules.get(key);
    if (made === undefined) {
      made = null;
      const out = align(INPUT + maxCells * n * 3 + SLACK);
      const pages = Math.ceil((out + maxCells * 7 + SLACK) / PAGE);
      try {
        const bytes = moduleBytes([{ body: generate(subX, subY, out), i32Params: 3 }], pages, 'fit');
        if (wasm.validate(bytes)) made = { module: new wasm.Module(bytes), out, pages };
      } catch {
        made = null;
      }
      modules.set(key, made);
    }
    if (!made) return null;
    const memory = new wasm.Memory({ initial: made.pages });
    const table = new Uint16Array(memory.buffer, TABLE, 1 << (n - 1));
    for (let m = 0; m < table.length; m++) table[m] = glyphOf[m]! | (swapOf[m]! << 8);
    const instance = new wasm.Instance(made.module, { env: { mem: memory } });
    const simd = new WalkSimd(instance.exports['fit'] as (cols: number, rows: number, quant: number) => void, memory.buffer, made.out, n, maxCells, jsWalk);
    simd.warmUp();
    return simd;
  }

  /** Runs the module on a throwaway grid until V8's optimising tier has it (first frames ran as baseline code). */
  private warmUp(): void {
    const rgb = new Uint8Array(WARM_UP_COLS * WARM_UP_ROWS * this.n * 3);
    let seed = 1;
    for (let i = 0; i < rgb.length; i++) rgb[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    const out = new Uint8Array(WARM_UP_COLS * WARM_UP_ROWS * 7);
    for (let k = 0; k < WARM_UP_RUNS; k++) this.fit(rgb, WARM_UP_COLS, WARM_UP_ROWS, 0xff, out, 0);
  }

  /** WalkKernel's contract: the JS walk's bytes at `offset`, nothing outside them written. */
  fit(rgb: Uint8Array, cols: number, rows: number, quant: number, out: Uint8Array, offset: number): number {
    if (cols > this.maxCells) return this.jsWalk(rgb, cols, rows, quant, out, offset);
    // Rows are contiguous in the samples, so a grid larger than the module is fitted a band at a time.
    const band = Math.floor(this.maxCells / cols);
    const rowBytes = cols * this.n * 3;
    let o = offset;
    for (let r0 = 0; r0 < rows; r0 += band) {
      const count = Math.min(band, rows - r0);
      const from = r0 * rowBytes;
      const cells = cols * count;
      this.input.set(from === 0 && rgb.length === count * rowBytes ? rgb : rgb.subarray(from, from + count * rowBytes));
      this.run(cols, count, quant);
      out.set(this.out7.subarray(0, 7 * cells), o);
      o += 7 * cells;
    }
    return o;
  }
}
