/**
 * The mosaic search of mosaic-kernel.ts as a WebAssembly SIMD module generated at run time
 * (wasm-emitter.ts), writing the same bytes as the JS kernel, about twice as fast.
 *
 * Design, and why:
 * - Lanes are 4 horizontally adjacent cells (f32x4): every cell runs the same straight-line search,
 *   so one instruction serves four cells and no lane ever branches.
 * - Sums are exact. Samples are centred on the cell's mean (x − T/32, exact in f32) and each
 *   partition's sum is formed with integer weights: scale 1 for quadrants, eighths and columns,
 *   3 for the sextant walk (rows 2 and 5 split ⅔ / ⅓), 48 for the diagonal extras (the table's
 *   coverages are multiples of 1/48; build checks it). Magnitudes stay under 2^19 at 1/32
 *   resolution, so every partition sum is exact in f32; only the gains |F|²·K are rounded
 *   (relative error under ~4e-7).
 * - The gain carries the partition's index in its 7 low mantissa bits, so f32x4 max and min give
 *   the best gain, the runner-up and the winner's index without a select per partition. The
 *   winner's sums are read back from per-partition slots in memory, and its colours computed in
 *   the module: the partitions mosaic-kernel.ts rounds from 48ths exactly from integers in f32 (as
 *   it does, half up), the others and the space with the JS kernel's own f64 operations (f64x2), so
 *   those bytes are the JS kernel's bytes.
 * - Fallback rule: a cell whose best and runner-up gains (the space counting as gain
 *   |T|²(SCORE_TIE−1)/32) are within 2.5e-5·best + min(5e-13·|T|², 1e-6) may order differently in
 *   the JS kernel's f64 arithmetic: it is refitted by the JS kernel itself (the cell's 32 samples
 *   copied to a 1-cell grid). Nothing here reproduces the JS kernel's evaluation
 *   order, so a change to mosaic-kernel.ts's arithmetic cannot silently diverge from this file:
 *   test/mosaic-simd.test.ts compares the two byte for byte.
 * - The search is split into 9 functions (group loop, gather and bases, sextant walk, quadrants /
 *   eighths / columns, 4 chunks of extras, colours), and values crossing them or living long sit
 *   in a scratch area of linear memory, with every constant in a pool there: TurboFan allocates
 *   registers for small bodies with short live ranges far better than for one 2000-op line.
 *
 * Measured on 8 demo views of 160×48 cells, extras on, samples copied into the module each call
 * (~0.04 ms): JS kernel 3.33 → 1.56 ms a frame in the prototype (2.1×); integrated, `bench
 * fitting` 3.07 → 1.44 ms (2.1×; 3.66 → 1.47 on a loaded 2-CPU machine); extras off 1.33 → 0.77 ms.
 * Cells refitted by the JS kernel on the demo views: 1.8 % near ties. Before the JS kernel rounded
 * fractional means exactly, a mean on a .5 boundary was refitted too: 3.6 % of a view's cells on the
 * bench clip, 7.1 % on its pan, 0.3 ms of a 160×48 view's frame there.
 * Building (emit, validate, compile) takes ~20 ms once per style table and thread, on top of the
 * JS kernel's own build; the first frames run before V8's optimising tier has the module.
 */
import { SCORE_TIE } from './fit-kernels.js';
import { wasmApi } from '../shared/wasm-api.js';
import { FunctionBody, I32, moduleBytes, Op, Simd, uleb, V128, type ValueType } from '../shared/wasm-emitter.js';
import type { MosaicStructure } from './mosaic-kernel.js';
import { Limits } from '../../protocol/limits.js';

/** The partition index lives in the gain's 7 low mantissa bits: at most 128 partitions. */
const MASK = ~127;
const MAX_PARTITIONS = 128;
/** The JS kernel's search is exact f64; gains closer than this (relative) may order differently there. */
const TIE_RELATIVE = 2.5e-5;
const CH = ['r', 'g', 'b'] as const;
type Channel = (typeof CH)[number];

/** Memory: constant pool, scratch slots, then the samples in, the cells out, the flags, the tables. */
const POOL = 0;
const SCRATCH = 8192;
const SCRATCH_END = 32768;
const PAGE = 65536;
/** Largest grid the server allows (Limits.SAMPLES_MAX samples at 32 a cell); larger calls go by rows. */
const MAX_CELLS = Math.floor(Limits.SAMPLES_MAX / 32);
/** The throwaway grid and runs of warmUp: about 30 ms once per style table and thread. */
const WARM_UP_COLS = 64;
const WARM_UP_ROWS = 16;
const WARM_UP_RUNS = 40;
/** Bytes a group may read or write past the grid's end (lanes beyond the last column). */
const SLACK = 256;
const align = (v: number): number => (v + 63) & ~63;

interface Layout {
  readonly input: number;
  readonly out7: number;
  readonly flags: number;
  readonly quant: number;
  /** Per partition, 64 bytes: W (f32, weight sum at scale 48), fractional mask, swap mask, glyph, 1/c (f64), 1/(32−c) (f64), sign·48/scale (f32). */
  readonly table: number;
  /** Per partition, 16 bytes: the scratch address of its r, g, b sums. */
  readonly sumAddress: number;
  readonly end: number;
}

function layoutFor(maxCells: number): Layout {
  const input = SCRATCH_END;
  const out7 = align(input + maxCells * 96 + SLACK);
  const flags = align(out7 + maxCells * 7 + SLACK);
  const quant = align(flags + maxCells + SLACK);
  const table = align(quant + 64);
  const sumAddress = align(table + MAX_PARTITIONS * 64);
  return { input, out7, flags, quant, table, sumAddress, end: sumAddress + MAX_PARTITIONS * 16 };
}

/** One partition: integer weight per sample at `scale`, c = Σweights / scale samples. */
interface Partition {
  readonly scale: number;
  readonly weights: Int32Array;
  readonly c: number;
}

/**
 * The integer weights of every partition in the kernel's order, from the coverage mosaic-kernel.ts
 * reports for it; null where a coverage is not what this generator's code computes (the partition
 * structure changed there): then the JS kernel is used.
 */
function partitionsOf(structure: MosaicStructure): Partition[] | null {
  const expected: { scale: number; weights: Int32Array }[] = [];
  const rowShare = [[3, 0, 0], [3, 0, 0], [2, 1, 0], [0, 3, 0], [0, 3, 0], [0, 1, 2], [0, 0, 3], [0, 0, 3]];
  for (let m = 0; m < 32; m++) {
    const w = new Int32Array(32);
    for (let y = 0; y < 8; y++) for (let x = 0; x < 4; x++) for (let band = 0; band < 3; band++) if (m & (1 << (band * 2 + (x >> 1)))) w[4 * y + x]! += rowShare[y]![band]!;
    expected.push({ scale: 3, weights: w });
  }
  for (const q of structure.quadrantSplits) {
    const w = new Int32Array(32);
    for (let y = 0; y < 8; y++) for (let x = 0; x < 4; x++) if (q & (1 << ((y >> 2) * 2 + (x >> 1)))) w[4 * y + x] = 1;
    expected.push({ scale: 1, weights: w });
  }
  for (const k of structure.eighthRows) {
    const w = new Int32Array(32);
    for (let i = 0; i < 4 * k; i++) w[i] = 1;
    expected.push({ scale: 1, weights: w });
  }
  for (const x0 of [0, 3]) {
    const w = new Int32Array(32);
    for (let y = 0; y < 8; y++) w[4 * y + x0] = 1;
    expected.push({ scale: 1, weights: w });
  }
  const n = structure.coverage.length;
  if (n < expected.length || n > MAX_PARTITIONS) return null;
  const out: Partition[] = [];
  for (let p = 0; p < n; p++) {
    const cov = structure.coverage[p]!;
    const scale = p < expected.length ? expected[p]!.scale : 48;
    const weights = new Int32Array(32);
    for (let i = 0; i < 32; i++) {
      const v = cov[i]! * scale;
      weights[i] = Math.round(v);
      if (Math.abs(v - weights[i]!) > 1e-9) return null;
    }
    if (p < expected.length && p > 0 && !weights.every((v, i) => v === expected[p]!.weights[i])) return null;
    const sum = weights.reduce((a, v) => a + v, 0);
    out.push({ scale, weights, c: sum / scale });
  }
  return out;
}

/**
 * Names of the values kept in scratch memory rather than in locals: the samples, row halves, rows
 * and prefixes, the means and totals, best and runner-up, every partition's sums, the extras'
 * sample pairs, the colours. Which values live where was measured (see the file's top comment).
 */
const IN_MEMORY = /^(?:x[rgb]\d|[LRWP][rgb]\d|mu2?[rgb]|t[rgb]$|tt$|best$|second$|f[rgb]$|(?:xs\d|q[a-d])[rgb]$|bF[rgb]$|F[rgb]_\d+$|ZERO$|D[rgb]\d\d$|[fb]g[rgb]$)/;

/** A function of the module, with named values in locals or in scratch memory, constants in the pool. */
class Phase {
  readonly body: FunctionBody;
  constructor(
    params: readonly string[],
    /** Shared by all phases: scratch address of each memory value, pool address of each constant. */
    readonly slots: Map<string, number>,
    readonly pool: Map<string, number>,
    readonly underExtras: boolean,
  ) {
    this.body = new FunctionBody(params.map((n) => [n, I32] as const));
  }

  static inMemory(n: string): boolean {
    return IN_MEMORY.test(n);
  }

  slot(n: string): number {
    let a = this.slots.get(n);
    if (a === undefined) {
      a = SCRATCH + 16 * this.slots.size;
      if (a + 16 > SCRATCH_END) throw new Error('mosaic-simd: scratch area full');
      this.slots.set(n, a);
    }
    return a;
  }

  get(n: string): void {
    if (Phase.inMemory(n)) {
      const a = this.slots.get(n);
      if (a === undefined) throw new Error(`mosaic-simd: ${n} read before it is stored`);
      this.body.i32(0);
      this.body.simd(Simd.load, 4, ...uleb(a));
    } else this.body.localGet(n);
  }

  set(n: string, t: ValueType = V128): void {
    if (t === V128 && Phase.inMemory(n)) {
      const a = this.slot(n);
      this.body.localSet('__tmp');
      this.body.i32(0);
      this.body.localGet('__tmp');
      this.body.simd(Simd.store, 4, ...uleb(a));
    } else this.body.localSet(n, t);
  }

  /** A v128 constant, loaded from the pool (one load, not an immediate build). */
  vconst(bytes: Uint8Array): void {
    const key = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
    let a = this.pool.get(key);
    if (a === undefined) {
      a = POOL + 16 * this.pool.size;
      if (a + 16 > SCRATCH) throw new Error('mosaic-simd: constant pool full');
      this.pool.set(key, a);
    }
    this.body.i32(0);
    this.body.simd(Simd.load, 4, ...uleb(a));
  }

  f32x4(v: number): void {
    this.vconst(new Uint8Array(new Float32Array([v, v, v, v]).buffer));
  }

  i32x4(v: number): void {
    this.vconst(new Uint8Array(new Int32Array([v, v, v, v]).buffer));
  }

  f64x2(v: number): void {
    this.vconst(new Uint8Array(new Float64Array([v, v]).buffer));
  }

  op(...b: number[]): void {
    this.body.op(...b);
  }

  simd(code: number, ...imm: number[]): void {
    this.body.simd(code, ...imm);
  }

  i32(v: number): void {
    this.body.i32(v);
  }
}

const PHASE_PARAMS = ['ay', 'stride', 'o', 'extras'];
/** Extras scored per phase function. */
const EXTRAS_PER_PHASE = 6;

interface Generated {
  readonly entry: Phase;
  readonly phases: Phase[];
  /** Per partition: the scratch slots of its r, g, b sums, and −1 where they are its complement's. */
  readonly sumSlots: string[][];
  readonly sign: Int8Array;
}

/**
 * fit(in, cols, rows, extras): per group of 4 cells (ceil(cols / 4) groups a cell row) writes the
 * 7-byte cells at layout.out7 + 7·cell and a flag byte per cell at layout.flags + cell (1: near
 * tie, which the host refits). Lanes past the last column compute
 * garbage into the next row's cells, which that row then overwrites, or into the slack.
 */
function generate(parts: readonly Partition[], structure: MosaicStructure, layout: Layout): Generated {
  const slots = new Map<string, number>();
  const pool = new Map<string, number>();
  const entry = new Phase(['in', 'cols', 'rows', 'extras'], slots, pool, false);
  const phases: Phase[] = [];
  const sumSlots: string[][] = [];
  const sign = new Int8Array(parts.length).fill(1);
  const e = entry;
  e.body.localGet('cols');
  e.i32(12);
  e.op(Op.i32Mul);
  e.body.localSet('stride', I32);
  e.body.localGet('cols');
  e.i32(3);
  e.op(Op.i32Add);
  e.i32(2);
  e.op(Op.i32ShrU);
  e.body.localSet('ngx', I32);
  e.i32(0);
  e.body.localSet('cy', I32);
  e.op(Op.block, Op.void, Op.loop, Op.void);
  e.body.localGet('cy');
  e.body.localGet('rows');
  e.op(Op.i32GeU, Op.brIf, 1);
  e.body.localGet('in');
  e.body.localGet('cy');
  e.body.localGet('stride');
  e.op(Op.i32Mul);
  e.i32(3);
  e.op(Op.i32Shl, Op.i32Add);
  e.body.localSet('rowBase', I32);
  e.i32(0);
  e.body.localSet('gx', I32);
  e.body.localGet('cy');
  e.body.localGet('cols');
  e.op(Op.i32Mul);
  e.body.localSet('o', I32);
  e.op(Op.block, Op.void, Op.loop, Op.void);
  e.body.localGet('gx');
  e.body.localGet('ngx');
  e.op(Op.i32GeU, Op.brIf, 1);
  e.body.localGet('rowBase');
  e.body.localGet('gx');
  e.i32(48);
  e.op(Op.i32Mul, Op.i32Add);
  e.body.localSet('ay', I32);
  let inExtras = false;
  const phase = (): Phase => {
    const p = new Phase(PHASE_PARAMS, slots, pool, inExtras);
    phases.push(p);
    return p;
  };
  groupBody(phase, parts, structure, layout, sumSlots, sign, (v) => (inExtras = v));
  let open = false;
  phases.forEach((p, k) => {
    if (p.underExtras && !open) {
      e.body.localGet('extras');
      e.op(Op.if, Op.void);
      open = true;
    }
    if (!p.underExtras && open) {
      e.op(Op.end);
      open = false;
    }
    for (const n of PHASE_PARAMS) e.body.localGet(n);
    e.op(Op.call, ...uleb(k + 1));
  });
  if (open) e.op(Op.end);
  e.body.addI32('o', 4);
  e.body.addI32('gx', 1);
  e.op(Op.br, 0, Op.end, Op.end);
  e.body.addI32('cy', 1);
  e.op(Op.br, 0, Op.end, Op.end);
  return { entry, phases, sumSlots, sign };
}

/** The per-group search, as phases: gather and bases, sextants, quadrants/eighths/columns, extras, colours. */
function groupBody(
  phase: () => Phase,
  parts: readonly Partition[],
  structure: MosaicStructure,
  layout: Layout,
  sumSlots: string[][],
  sign: Int8Array,
  setExtras: (v: boolean) => void,
): void {
  let f = phase();
  const S = (c: Channel, i: number): string => `x${c}${i}`;
  // 1. Gather: per sample row, 4 loads (one per cell) and a 4×4 transpose of 32-bit words: word k
  // of lane j is bytes 4k..4k+3 of cell j's 12-byte sample row; sample x, channel ch is byte 3x + ch.
  const w32 = (...l: number[]): number[] => l.flatMap((k) => [4 * k, 4 * k + 1, 4 * k + 2, 4 * k + 3]);
  const shuffle = (a: string, b: string, lanes: number[], dst: string): void => {
    f.get(a);
    f.get(b);
    f.simd(Simd.shuffle, ...lanes);
    f.set(dst);
  };
  for (let y = 0; y < 8; y++) {
    for (let j = 0; j < 4; j++) {
      f.body.localGet('ay');
      f.simd(Simd.load, 0, ...uleb(12 * j));
      f.set(`a${j}`);
    }
    shuffle('a0', 'a1', w32(0, 4, 1, 5), 's0');
    shuffle('a2', 'a3', w32(0, 4, 1, 5), 's1');
    shuffle('a0', 'a1', w32(2, 6, 3, 7), 's2');
    shuffle('a2', 'a3', w32(2, 6, 3, 7), 's3');
    shuffle('s0', 's1', w32(0, 1, 4, 5), 'u0');
    shuffle('s0', 's1', w32(2, 3, 6, 7), 'u1');
    shuffle('s2', 's3', w32(0, 1, 4, 5), 'u2');
    for (let b = 0; b < 12; b++) {
      const x = Math.floor(b / 3);
      const c = CH[b % 3]!;
      const sh = 8 * (b & 3);
      f.get(`u${b >> 2}`);
      if (sh) {
        f.i32(sh);
        f.simd(Simd.i32x4ShrU);
      }
      if (sh < 24) {
        f.i32x4(255);
        f.simd(Simd.and);
      }
      f.body.localTee(`iv${c}${x}`);
      f.simd(Simd.f32x4ConvertI32x4S);
      f.body.localTee(`cv${c}${x}`);
      f.set(S(c, 4 * y + x));
    }
    // i16 pairs (x0 | x1 << 16, x2 | x3 << 16) per channel, for the extras' dot products.
    f.body.localGet('extras');
    f.op(Op.if, Op.void);
    for (const c of CH) {
      for (const h of [0, 1]) {
        f.body.localGet(`iv${c}${2 * h}`);
        f.body.localGet(`iv${c}${2 * h + 1}`);
        f.i32(16);
        f.simd(Simd.i32x4Shl);
        f.simd(Simd.or);
        f.set(`D${c}${y}${h}`);
      }
    }
    f.op(Op.end);
    for (const c of CH) {
      f.body.localGet(`cv${c}0`);
      f.body.localGet(`cv${c}1`);
      f.simd(Simd.f32x4Add);
      f.set(`uL${c}${y}`);
      f.body.localGet(`cv${c}2`);
      f.body.localGet(`cv${c}3`);
      f.simd(Simd.f32x4Add);
      f.set(`uR${c}${y}`);
    }
    if (y < 7) {
      f.body.localGet('ay');
      f.body.localGet('stride');
      f.op(Op.i32Add);
      f.body.localSet('ay', I32);
    }
  }
  // 2. Totals and means; centred row halves, rows and prefixes.
  const add = (dst: string, a: string, b: string): void => {
    f.get(a);
    f.get(b);
    f.simd(Simd.f32x4Add);
    f.set(dst);
  };
  for (const c of CH) {
    for (let y = 0; y < 8; y++) add(`uW${c}${y}`, `uL${c}${y}`, `uR${c}${y}`);
    add(`t${c}`, `uW${c}0`, `uW${c}1`);
    for (let y = 2; y < 8; y++) add(`t${c}`, `t${c}`, `uW${c}${y}`);
    f.get(`t${c}`);
    f.f32x4(1 / 32);
    f.simd(Simd.f32x4Mul);
    f.set(`mu${c}`);
    f.get(`t${c}`);
    f.f32x4(1 / 16);
    f.simd(Simd.f32x4Mul);
    f.set(`mu2${c}`);
    for (let y = 0; y < 8; y++) {
      f.get(`uL${c}${y}`);
      f.get(`mu2${c}`);
      f.simd(Simd.f32x4Sub);
      f.set(`L${c}${y}`);
      f.get(`uR${c}${y}`);
      f.get(`mu2${c}`);
      f.simd(Simd.f32x4Sub);
      f.set(`R${c}${y}`);
      add(`W${c}${y}`, `L${c}${y}`, `R${c}${y}`);
    }
    f.get(`W${c}0`);
    f.set(`P${c}1`);
    for (let k = 2; k < 8; k++) add(`P${c}${k}`, `P${c}${k - 1}`, `W${c}${k - 1}`);
  }
  // 3. Best and runner-up, the space first with gain tau = |T|²(SCORE_TIE − 1)/32.
  f.get('tr');
  f.get('tr');
  f.simd(Simd.f32x4Mul);
  f.get('tg');
  f.get('tg');
  f.simd(Simd.f32x4Mul);
  f.simd(Simd.f32x4Add);
  f.get('tb');
  f.get('tb');
  f.simd(Simd.f32x4Mul);
  f.simd(Simd.f32x4Add);
  f.set('tt');
  f.get('tt');
  f.f32x4((SCORE_TIE - 1) / 32);
  f.simd(Simd.f32x4Mul);
  f.i32x4(MASK);
  f.simd(Simd.and);
  f.set('best');
  f.f32x4(-1);
  f.set('second');
  /** Scores partition p from its centred sums fr(c): gain |F|²·K with the index in its low bits. */
  const score = (p: number, fr: (c: Channel) => string): void => {
    const { c, scale } = parts[p]!;
    sumSlots[p] = CH.map((ch) => {
      const n = fr(ch);
      if (Phase.inMemory(n) && !/^f[rgb]$/.test(n)) return n;
      f.get(n);
      f.set(`F${ch}_${p}`);
      return `F${ch}_${p}`;
    });
    const K = 32 / (c * (32 - c)) / (scale * scale);
    CH.forEach((ch, k) => {
      const n = fr(ch);
      if (Phase.inMemory(n)) {
        f.get(n);
        f.body.localTee('__sq');
        f.body.localGet('__sq');
      } else {
        f.get(n);
        f.get(n);
      }
      f.simd(Simd.f32x4Mul);
      if (k) f.simd(Simd.f32x4Add);
    });
    f.f32x4(K);
    f.simd(Simd.f32x4Mul);
    f.i32x4(MASK);
    f.simd(Simd.and);
    f.i32x4(p);
    f.simd(Simd.or);
    f.set('g');
    f.get('second');
    f.get('g');
    f.get('best');
    f.simd(Simd.f32x4Pmin);
    f.simd(Simd.f32x4Pmax);
    f.set('second');
    f.get('best');
    f.get('g');
    f.simd(Simd.f32x4Pmax);
    f.set('best');
  };
  /** dst = Σ k·value, k small integers. */
  const lin = (dst: string, terms: readonly (readonly [number, string])[]): void => {
    terms.forEach(([k, n], i) => {
      f.get(n);
      if (k !== 1) {
        f.f32x4(k);
        f.simd(Simd.f32x4Mul);
      }
      if (i) f.simd(Simd.f32x4Add);
    });
    f.set(dst);
  };
  // Sextant regions 0–4 at scale 3 (region 5 stays in the background), walked in Gray-code order.
  f = phase();
  for (const c of CH) {
    lin(`xs0${c}`, [[3, `L${c}0`], [3, `L${c}1`], [2, `L${c}2`]]);
    lin(`xs1${c}`, [[3, `R${c}0`], [3, `R${c}1`], [2, `R${c}2`]]);
    lin(`xs2${c}`, [[1, `L${c}2`], [3, `L${c}3`], [3, `L${c}4`], [1, `L${c}5`]]);
    lin(`xs3${c}`, [[1, `R${c}2`], [3, `R${c}3`], [3, `R${c}4`], [1, `R${c}5`]]);
    lin(`xs4${c}`, [[2, `L${c}5`], [3, `L${c}6`], [3, `L${c}7`]]);
    f.f32x4(0);
    f.set(`sf${c}`);
  }
  for (let i = 1; i < 32; i++) {
    const gray = i ^ (i >> 1);
    const bit = structure.stepBit[i]!;
    for (const c of CH) {
      f.get(`sf${c}`);
      f.get(`xs${bit}${c}`);
      f.simd((gray >> bit) & 1 ? Simd.f32x4Add : Simd.f32x4Sub);
      f.set(`sf${c}`);
    }
    score(gray, (c) => `sf${c}`);
  }
  // Quadrants (TL, TR, BL, BR, top half, TL + BR), the rows above row k, the outer columns.
  f = phase();
  for (const c of CH) {
    lin(`qa${c}`, [0, 1, 2, 3].map((y) => [1, `L${c}${y}`] as const));
    lin(`qb${c}`, [0, 1, 2, 3].map((y) => [1, `R${c}${y}`] as const));
    lin(`qc${c}`, [4, 5, 6, 7].map((y) => [1, `L${c}${y}`] as const));
    lin(`qd${c}`, [4, 5, 6, 7].map((y) => [1, `R${c}${y}`] as const));
  }
  let p0 = 32;
  for (const split of structure.quadrantSplits) {
    const ps = ['qa', 'qb', 'qc', 'qd'].filter((_, k) => split & (1 << k));
    const p = p0++;
    if (ps.length === 1) score(p, (c) => `${ps[0]}${c}`);
    else {
      for (const c of CH) lin(`F${c}_${p}`, ps.map((q) => [1, `${q}${c}`] as const));
      score(p, (c) => `F${c}_${p}`);
    }
  }
  for (const k of structure.eighthRows) score(p0++, (c) => `P${c}${k}`);
  [0, 3].forEach((x) => {
    const p = p0++;
    for (const c of CH) {
      for (let y = 0; y < 8; y++) {
        f.get(S(c, 4 * y + x));
        if (y) f.simd(Simd.f32x4Add);
      }
      f.get(`mu${c}`);
      f.f32x4(8);
      f.simd(Simd.f32x4Mul);
      f.simd(Simd.f32x4Sub);
      f.set(`F${c}_${p}`);
    }
    score(p, (c) => `F${c}_${p}`);
  });
  // The extras at scale 48: whole rows, halves and prefixes from the centred sums, row halves with
  // a cut sample as i32 dot products of the sample pairs with their weights (exact), the glyph or
  // its complement, whichever takes fewer operations.
  setExtras(true);
  for (let p = p0; p < parts.length; p++) {
    if ((p - p0) % EXTRAS_PER_PHASE === 0) f = phase();
    const d = plan(parts[p]!.weights);
    const cp = plan(parts[p]!.weights.map((w) => 48 - w));
    const useComplement = cp.cost < d.cost;
    const pl = useComplement ? cp : d;
    if (useComplement) sign[p] = -1;
    for (const c of CH) {
      let n = 0;
      if (pl.bases.length) {
        pl.bases.forEach(([sg, kind, y], i) => {
          if (i === 0 && sg < 0) f.f32x4(0);
          f.get(`${kind}${c}${y}`);
          if (i > 0 || sg < 0) f.simd(sg < 0 ? Simd.f32x4Sub : Simd.f32x4Add);
        });
        f.f32x4(48);
        f.simd(Simd.f32x4Mul);
        n++;
      }
      let cutWeight = 0;
      if (pl.halves.length) {
        pl.halves.forEach(([y, h, a, b], k) => {
          f.get(`D${c}${y}${h}`);
          f.vconst(new Uint8Array(new Uint16Array([a, b, a, b, a, b, a, b]).buffer));
          f.simd(Simd.i32x4DotI16x8S);
          if (k) f.simd(Simd.i32x4Add);
          cutWeight += a + b;
        });
        f.simd(Simd.f32x4ConvertI32x4S);
        if (n) f.simd(Simd.f32x4Add);
        n++;
      }
      if (n === 0) f.f32x4(0);
      // The cut samples were taken uncentred: the mean comes off once (exact).
      if (cutWeight) {
        f.get(`mu${c}`);
        f.f32x4(cutWeight);
        f.simd(Simd.f32x4Mul);
        f.simd(Simd.f32x4Sub);
      }
      f.set(`F${c}_${p}`);
    }
    score(p, (c) => `F${c}_${p}`);
  }
  setExtras(false);
  f = phase();
  winnerSums(f, layout);
  colours(f, layout);
}

/**
 * How an extra's centred sum (weights at scale 48) is formed: whole-weight bases (prefix, rows,
 * halves, sign −1 for "total less a prefix", the centred total being 0) and row halves with a cut
 * sample [y, half, weight a, weight b]; cost in operations.
 */
function plan(w: Int32Array): { bases: [number, string, number][]; halves: [number, number, number, number][]; cost: number } {
  const full = (y: number): boolean => [0, 1, 2, 3].every((x) => w[4 * y + x] === 48);
  let top = 0;
  while (top < 8 && full(top)) top++;
  let bottom = 8;
  while (bottom > top && full(bottom - 1)) bottom--;
  const bases: [number, string, number][] = [];
  if (top > 0) bases.push([1, 'P', top]);
  if (bottom === 7) bases.push([1, 'W', 7]);
  else if (bottom < 7) bases.push([-1, 'P', bottom]);
  for (let y = top; y < bottom; y++) {
    if (full(y)) {
      bases.push([1, 'W', y]);
      continue;
    }
    for (const [a, half] of [[0, 'L'], [2, 'R']] as const) if (w[4 * y + a] === 48 && w[4 * y + a + 1] === 48) bases.push([1, half, y]);
  }
  const halves: [number, number, number, number][] = [];
  for (let y = top; y < bottom; y++) {
    if (full(y)) continue;
    for (const h of [0, 1]) {
      const a = w[4 * y + 2 * h]!;
      const b = w[4 * y + 2 * h + 1]!;
      if ((a || b) && !(a === 48 && b === 48)) halves.push([y, h, a, b]);
    }
  }
  return { bases, halves, cost: bases.length + 1 + 2 * halves.length };
}

/** After the search: the winner's index per lane, the near-tie flag, and its uncentred sums at scale 48. */
function winnerSums(f: Phase, layout: Layout): void {
  f.get('best');
  f.i32x4(MASK);
  f.simd(Simd.and);
  f.set('bg');
  f.get('second');
  f.i32x4(MASK);
  f.simd(Simd.and);
  f.set('sg');
  f.get('bg');
  f.f32x4(0);
  f.simd(Simd.f32x4Eq);
  f.set('bgz');
  // Every gain 0 with tau 0: the space, as in the JS kernel.
  f.get('best');
  f.i32x4(127);
  f.simd(Simd.and);
  f.get('bgz');
  f.simd(Simd.andNot);
  f.set('idx');
  // Near tie: bg − sg ≤ TIE_RELATIVE·bg + min(5e-13·|T|², 1e-6), unless every gain is exactly 0.
  f.get('bg');
  f.get('sg');
  f.simd(Simd.f32x4Sub);
  f.get('bg');
  f.f32x4(TIE_RELATIVE);
  f.simd(Simd.f32x4Mul);
  f.get('tt');
  f.f32x4(5e-13);
  f.simd(Simd.f32x4Mul);
  f.f32x4(1e-6);
  f.simd(Simd.f32x4Pmin);
  f.simd(Simd.f32x4Add);
  f.simd(Simd.f32x4Le);
  f.get('sg');
  f.f32x4(0);
  f.simd(Simd.f32x4Eq);
  f.get('idx');
  f.i32x4(0);
  f.simd(Simd.i32x4Eq);
  f.simd(Simd.and);
  f.simd(Simd.andNot);
  f.set('flag');
  f.slot('ZERO'); // the all-zero slot the space's sums point to (never written)
  for (let l = 0; l < 4; l++) {
    f.get('idx');
    f.simd(Simd.i32x4ExtractLane, l);
    f.i32(4);
    f.op(Op.i32Shl);
    f.set(`fa${l}`, I32);
    f.get('idx');
    f.simd(Simd.i32x4ExtractLane, l);
    f.i32(6);
    f.op(Op.i32Shl);
    f.set(`pc${l}`, I32);
  }
  gather32(f, layout.table + 32, 'fac');
  gather32(f, layout.table, 'cW0');
  CH.forEach((c, ci) => {
    f.get('fa0');
    f.op(Op.i32Load, 2, ...uleb(layout.sumAddress + 4 * ci));
    f.simd(Simd.load32Splat, 2, 0);
    for (let l = 1; l < 4; l++) {
      f.set('fv');
      f.get(`fa${l}`);
      f.op(Op.i32Load, 2, ...uleb(layout.sumAddress + 4 * ci));
      f.get('fv');
      f.simd(Simd.load32Lane, 2, ...uleb(4 * l), l);
    }
    // Uncentred at scale 48: F·sign·48/scale + W·mean (exact).
    f.get('fac');
    f.simd(Simd.f32x4Mul);
    f.get('cW0');
    f.get(`mu${c}`);
    f.simd(Simd.f32x4Mul);
    f.simd(Simd.f32x4Add);
    f.set(`bF${c}`);
  });
}

/** dst = per lane l, the 32-bit word at `address` + the lane's table row (pc{l}). */
function gather32(f: Phase, address: number, dst: string): void {
  f.get('pc0');
  f.simd(Simd.load32Splat, 2, ...uleb(address));
  for (let l = 1; l < 4; l++) {
    f.set(dst);
    f.get(`pc${l}`);
    f.get(dst);
    f.simd(Simd.load32Lane, 2, ...uleb(address), l);
  }
  f.set(dst);
}

/**
 * The 7 bytes of the 4 cells: the partitions rounded from 48ths (MosaicStructure.exactColour) in f32
 * from the exact integers, the others and the space with the JS kernel's f64 operations in f64x2;
 * packed by narrowing and two shuffles. Flag bytes: 1 near tie.
 */
function colours(f: Phase, layout: Layout): void {
  const T = layout.table;
  const gather64 = (offset: number, l0: number, dst: string): void => {
    f.get(`pc${l0}`);
    f.simd(Simd.load64Splat, 3, ...uleb(T + offset));
    f.set(dst);
    f.get(`pc${l0 + 1}`);
    f.get(dst);
    f.simd(Simd.load64Lane, 3, ...uleb(T + offset), 1);
    f.set(dst);
  };
  gather32(f, T, 'cW');
  gather32(f, T + 4, 'cFrac');
  gather32(f, T + 8, 'cSwap');
  gather32(f, T + 12, 'cGly');
  gather64(16, 0, 'iClo');
  gather64(16, 2, 'iChi');
  gather64(24, 0, 'iBlo');
  gather64(24, 2, 'iBhi');
  f.get('idx');
  f.i32x4(0);
  f.simd(Simd.i32x4Eq);
  f.set('isSpace');
  f.i32(0);
  f.simd(Simd.load32Splat, 2, ...uleb(layout.quant));
  f.set('q4');
  f.get('cW');
  f.get('cW');
  f.simd(Simd.f32x4Add);
  f.set('d1'); // 2W
  f.f32x4(3072);
  f.get('d1');
  f.simd(Simd.f32x4Sub);
  f.set('d2'); // 2(1536 − W)
  const hiToLo = [8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15];
  const join = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];
  /** dst = i32x4 trunc(src · inv + 0.5) in f64, src f32x4 integers: the JS kernel's operations. */
  const f64path = (src: string, lo: string, hi: string, dst: string): void => {
    f.get(src);
    f.simd(Simd.f64x2PromoteLowF32x4);
    f.get(lo);
    f.simd(Simd.f64x2Mul);
    f.f64x2(0.5);
    f.simd(Simd.f64x2Add);
    f.simd(Simd.i32x4TruncSatF64x2SZero);
    f.get(src);
    f.get(src);
    f.simd(Simd.shuffle, ...hiToLo);
    f.simd(Simd.f64x2PromoteLowF32x4);
    f.get(hi);
    f.simd(Simd.f64x2Mul);
    f.f64x2(0.5);
    f.simd(Simd.f64x2Add);
    f.simd(Simd.i32x4TruncSatF64x2SZero);
    f.simd(Simd.shuffle, ...join);
    f.set(dst);
  };
  /** dst = floor(n / d), exact: n and d are whole numbers under 2^24, and a quotient short of a whole one is short by 1/d at least, more than f32's rounding near 256. */
  const floorOf = (n: string, d: string, dst: string): void => {
    f.get(n);
    f.get(d);
    f.simd(Simd.f32x4Div);
    f.simd(Simd.f32x4Floor);
    f.set(dst);
  };
  /** dst = the fractional partitions' colour (frac, f32) or the integer ones' (int, i32) per lane, & quant. */
  const quantisedSide = (frac: string, int: string, dst: string): void => {
    f.get(frac);
    f.simd(Simd.i32x4TruncSatF32x4S);
    f.get(int);
    f.get('cFrac');
    f.simd(Simd.bitselect);
    f.get('q4');
    f.simd(Simd.and);
    f.set(dst);
  };
  for (const c of CH) {
    // From 48ths (mosaic-kernel.ts exactColoursOf): a = floor((2F + W) / 2W), k = floor((2(48T − F) + 1536 − W) / 2(1536 − W)), half up.
    f.get(`bF${c}`);
    f.get(`bF${c}`);
    f.simd(Simd.f32x4Add);
    f.get('cW');
    f.simd(Simd.f32x4Add);
    f.set('n1');
    floorOf('n1', 'd1', 'fa');
    f.get(`t${c}`);
    f.f32x4(48);
    f.simd(Simd.f32x4Mul);
    f.get(`bF${c}`);
    f.simd(Simd.f32x4Sub);
    f.set('n2');
    f.get('n2');
    f.get('n2');
    f.simd(Simd.f32x4Add);
    f.get('d2');
    f.f32x4(0.5);
    f.simd(Simd.f32x4Mul);
    f.simd(Simd.f32x4Add);
    f.set('n2');
    floorOf('n2', 'd2', 'fk');
    // Integer partitions and the space: F/48 (exact), then the JS kernel's f64 arithmetic.
    f.get(`bF${c}`);
    f.f32x4(48);
    f.simd(Simd.f32x4Div);
    f.set('F1');
    f.get(`t${c}`);
    f.get('F1');
    f.simd(Simd.f32x4Sub);
    f.set('B1');
    f64path('F1', 'iClo', 'iChi', 'ia');
    f64path('B1', 'iBlo', 'iBhi', 'ik');
    f.get('ik');
    f.get('ia');
    f.get('isSpace');
    f.simd(Simd.bitselect);
    f.set('ia'); // the space: fg = bg
    // Per lane: fractional or integer, & quant, swap.
    quantisedSide('fa', 'ia', 'ra');
    quantisedSide('fk', 'ik', 'rk');
    f.get('rk');
    f.get('ra');
    f.get('cSwap');
    f.simd(Simd.bitselect);
    f.set(`fg${c}`);
    f.get('ra');
    f.get('rk');
    f.get('cSwap');
    f.simd(Simd.bitselect);
    f.set(`bg${c}`);
  }
  // Pack [glyph, fg rgb, bg rgb] × 4 cells into 28 bytes.
  const narrow = (a: string, b: string): void => {
    f.get(a);
    f.get(b);
    f.simd(Simd.i16x8NarrowI32x4U);
  };
  narrow('cGly', 'fgr');
  narrow('fgg', 'fgb');
  f.simd(Simd.i8x16NarrowI16x8U);
  f.set('pX');
  narrow('bgr', 'bgg');
  narrow('bgb', 'bgb');
  f.simd(Simd.i8x16NarrowI16x8U);
  f.set('pY');
  const seq: number[] = [];
  for (let l = 0; l < 4; l++) for (let q = 0; q < 7; q++) seq.push(q < 4 ? 4 * q + l : 16 + 4 * (q - 4) + l);
  while (seq.length < 32) seq.push(0);
  f.body.localGet('o');
  f.i32(7);
  f.op(Op.i32Mul);
  f.set('c7', I32);
  for (const half of [0, 1]) {
    f.get('c7');
    f.get('pX');
    f.get('pY');
    f.simd(Simd.shuffle, ...seq.slice(16 * half, 16 * half + 16));
    f.simd(Simd.store, 0, ...uleb(layout.out7 + 16 * half));
  }
  f.get('flag');
  f.i32x4(1);
  f.simd(Simd.and);
  f.set('fl');
  f.body.localGet('o');
  narrow('fl', 'fl');
  narrow('fl', 'fl');
  f.simd(Simd.i8x16NarrowI16x8U);
  f.simd(Simd.store32Lane, 0, ...uleb(layout.flags), 0);
}

type ModuleFit = (input: number, cols: number, rows: number, extras: number) => void;
/** The JS kernel's fit (mosaic-kernel.ts), for the cells refitted here and grids wider than the module. */
export type JsFit = (rgb: Uint8Array, cols: number, rows: number, quant: number, out: Uint8Array, offset: number, extras: boolean) => number;

/**
 * The SIMD fitter of one style table: one module instance with its own memory, sized once for the
 * largest grid the server allows and never grown, so the views made here stay valid. Calls are
 * synchronous, so one instance serves a whole thread.
 */
export class MosaicSimd {
  /** Cells the JS kernel refitted in the last call: near ties. */
  nearTies = 0;
  private readonly input: Uint8Array;
  private readonly out7: Uint8Array;
  private readonly flags: Uint8Array;
  /** The flags as words, to skip four clear cells at a time. */
  private readonly flagWords: Int32Array;
  private readonly quant: Int32Array;
  /** One cell's samples, for the JS kernel's refit. */
  private readonly one = new Uint8Array(96);

  private constructor(
    private readonly run: ModuleFit,
    memory: ArrayBuffer,
    private readonly layout: Layout,
    private readonly maxCells: number,
    private readonly jsFit: JsFit,
  ) {
    this.input = new Uint8Array(memory, layout.input, maxCells * 96 + SLACK);
    this.out7 = new Uint8Array(memory, layout.out7, maxCells * 7 + SLACK);
    this.flags = new Uint8Array(memory, layout.flags, maxCells + SLACK);
    this.flagWords = new Int32Array(memory, layout.flags, (maxCells + SLACK) >> 2);
    this.quant = new Int32Array(memory, layout.quant, 1);
  }

  /**
   * The SIMD fitter for a mosaic kernel's structure, or null where this runtime's WebAssembly lacks
   * SIMD (WebAssembly.validate refuses the module) or the structure is not the one generated here.
   */
  static build(structure: MosaicStructure, jsFit: JsFit, maxCells = MAX_CELLS): MosaicSimd | null {
    if (!wasmApi) return null;
    const parts = partitionsOf(structure);
    if (!parts) return null;
    const layout = layoutFor(maxCells);
    const { entry, phases, sumSlots, sign } = generate(parts, structure, layout);
    const pages = Math.ceil((layout.end + 1024) / PAGE);
    const bytes = moduleBytes(
      [entry, ...phases].map((p) => ({ body: p.body, i32Params: p === entry ? 4 : PHASE_PARAMS.length })),
      pages,
      'fit',
    );
    if (!wasmApi.validate(bytes)) return null;
    const memory = new wasmApi.Memory({ initial: pages });
    const buffer = memory.buffer;
    const u8 = new Uint8Array(buffer);
    for (const [hex, at] of entry.pool) for (let i = 0; i < 16; i++) u8[at + i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
    const dv = new DataView(buffer);
    const zero = entry.slots.get('ZERO');
    if (zero === undefined) return null;
    parts.forEach((p, i) => {
      const row = layout.table + 64 * i;
      const space = i === 0;
      const W48 = space ? 0 : (p.weights.reduce((a, v) => a + v, 0) * 48) / p.scale;
      dv.setFloat32(row, W48, true);
      dv.setInt32(row + 4, structure.exactColour[i] ? -1 : 0, true);
      dv.setInt32(row + 8, structure.swapOf[i] ? -1 : 0, true);
      dv.setInt32(row + 12, structure.glyphOf[i]!, true);
      // 1/c and 1/(32 − c) as the JS kernel's literals hold them (num() round-trips).
      dv.setFloat64(row + 16, space ? 0 : 1 / p.c, true);
      dv.setFloat64(row + 24, space ? 1 / 32 : 1 / (32 - p.c), true);
      dv.setFloat32(row + 32, space ? 0 : (sign[i]! * 48) / p.scale, true);
      for (let c = 0; c < 3; c++) {
        const at = space ? zero : entry.slots.get(sumSlots[i]![c]!);
        if (at === undefined) throw new Error(`mosaic-simd: partition ${i} has no sums`);
        dv.setInt32(layout.sumAddress + 16 * i + 4 * c, at, true);
      }
    });
    const instance = new wasmApi.Instance(new wasmApi.Module(bytes), { env: { mem: memory } });
    const run = instance.exports['fit'] as ModuleFit;
    const simd = new MosaicSimd(run, buffer, layout, maxCells, jsFit);
    simd.warmUp();
    return simd;
  }

  /**
   * Runs the module on a throwaway grid until V8 has its optimised code: compiled lazily, its
   * functions first run as baseline code (a first 160×48 frame took 21 ms, the next 11, then 3 until
   * the optimising tier took over around the twentieth), and a view change waited behind those.
   */
  private warmUp(): void {
    const cols = WARM_UP_COLS;
    const rows = WARM_UP_ROWS;
    const rgb = new Uint8Array(cols * rows * 96);
    let seed = 1;
    for (let i = 0; i < rgb.length; i++) rgb[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    const out = new Uint8Array(cols * rows * 7);
    for (let k = 0; k < WARM_UP_RUNS; k++) this.fit(rgb, cols, rows, 0xff, out, 0, k % 2 === 0);
  }

  /** MosaicKernel.fit's contract: the same bytes at `offset`, nothing outside them written. */
  fit(rgb: Uint8Array, cols: number, rows: number, quant: number, out: Uint8Array, offset: number, extras: boolean): number {
    this.nearTies = 0;
    if (cols > this.maxCells) return this.jsFit(rgb, cols, rows, quant, out, offset, extras);
    // Rows are contiguous in the samples, so a grid larger than the module is fitted a band at a time.
    const band = Math.floor(this.maxCells / cols);
    let o = offset;
    for (let r0 = 0; r0 < rows; r0 += band) o = this.fitBand(rgb, cols, r0, Math.min(band, rows - r0), quant, out, o, extras);
    return o;
  }

  private fitBand(rgb: Uint8Array, cols: number, row0: number, rows: number, quant: number, out: Uint8Array, offset: number, extras: boolean): number {
    const n = cols * rows;
    const from = row0 * cols * 96;
    this.input.set(from === 0 && rgb.length === n * 96 ? rgb : rgb.subarray(from, from + n * 96));
    this.quant[0] = quant;
    this.run(this.layout.input, cols, rows, extras ? 1 : 0);
    out.set(this.out7.subarray(0, 7 * n), offset);
    const { flags, flagWords, input, one } = this;
    const stride = cols * 12;
    for (let w = 0, words = (n + 3) >> 2; w < words; w++) {
      if (flagWords[w] === 0) continue;
      for (let i = w * 4, e = Math.min(n, i + 4); i < e; i++) {
        if (flags[i] === 0) continue;
        this.nearTies++;
        const cy = (i / cols) | 0;
        const at = cy * 8 * stride + (i - cy * cols) * 12;
        for (let y = 0, s = at, d = 0; y < 8; y++, s += stride) for (let k = 0; k < 12; k++) one[d++] = input[s + k]!;
        this.jsFit(one, 1, 1, quant, out, offset + 7 * i, extras);
      }
    }
    return offset + 7 * n;
  }
}
