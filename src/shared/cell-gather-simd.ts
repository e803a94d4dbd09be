/**
 * A fitted view's changed cells, as WebAssembly SIMD over a thread's frame memory, for FitReuse
 * (quantise/fit-reuse.ts): which of the cells the renderer sampled again really differ from the
 * frame before's samples (`among`), and those cells' samples side by side in a row of their own,
 * the fitter's input (`gather`). The same list, in the same order, and the same bytes as its JS
 * loops.
 *
 * Why: on a video whose frames change in places (the bench clip: a fifth of a view's cells a
 * frame) these two JS loops, a 32-bit word at a time, were a fifth of a mosaic view's render
 * (0.17 of 0.85 ms); the sampling and the fit of the same cells run in WebAssembly already.
 *
 * How: a candidate cell's sample rows are compared 16 bytes at a time, masked to its rowBytes
 * (the bytes past them belong to the next cell or the buffer's tail: an arena block's spare TAIL,
 * wasm-arena.ts), and listed when any bit differs; the gather copies each listed cell's rows with
 * scalar loads and stores of exactly rowBytes, so nothing past a row's end is written.
 */
import { PerMemoryModule } from './wasm-api.js';
import { MAX_PAGES, type SharedMemory, type WasmArena } from './wasm-arena.js';
import { FunctionBody, I32, moduleBytes, Op, Simd } from './wasm-emitter.js';

/** Cell row widths with code here: 4 samples across (mosaic, 12 bytes) and 2 (the other fitted styles, 6). */
const ROW_BYTES = [12, 6] as const;

type Among = (cur: number, prev: number, rowLen: number, subY: number, cols: number, rows: number, candidates: number, list: number, result: number) => void;
type Gather = (src: number, dst: number, rowLen: number, subY: number, cols: number, list: number, n: number) => void;

/** Lists the candidate cells (a non-zero byte each) whose rowBytes × subY sample bytes differ between cur and prev. */
function amongBody(rowBytes: number): FunctionBody {
  const f = new FunctionBody([
    ['cur', I32],
    ['prev', I32],
    ['rowLen', I32],
    ['subY', I32],
    ['cols', I32],
    ['rows', I32],
    ['candidates', I32],
    ['list', I32],
    ['result', I32],
  ]);
  // Lanes 0…rowBytes−1 set: the cell's own bytes of a 16-byte load.
  for (let lane = 0; lane < 4; lane++) {
    const bytes = Math.max(0, Math.min(4, rowBytes - 4 * lane));
    f.i32(bytes === 4 ? -1 : (1 << (8 * bytes)) - 1);
    if (lane === 0) f.simd(Simd.i32x4Splat);
    else {
      f.localSet('m', I32);
      f.localGet('mask');
      f.localGet('m');
      f.simd(Simd.i32x4ReplaceLane, lane);
    }
    f.localSet('mask');
  }
  f.i32(0);
  f.localSet('n', I32);
  f.i32(0);
  f.localSet('cell', I32);
  // Bytes from one grid row of cells to the next.
  f.localGet('rowLen');
  f.localGet('subY');
  f.op(Op.i32Mul);
  f.localSet('step', I32);
  f.countUp('cy', 0, 'rows', 1, () => {
    f.i32(0);
    f.localSet('at', I32);
    f.countUp('cx', 0, 'cols', 1, () => {
      f.localGet('candidates');
      f.localGet('cell');
      f.op(Op.i32Add);
      f.op(Op.i32Load8U, 0, 0);
      f.op(Op.if, Op.void);
      f.i32(0);
      f.simd(Simd.i32x4Splat);
      f.localSet('v');
      f.localGet('at');
      f.localSet('p', I32);
      f.countUp('y', 0, 'subY', 1, () => {
        for (const base of ['cur', 'prev']) {
          f.localGet(base);
          f.localGet('p');
          f.op(Op.i32Add);
          f.simd(Simd.load, 0, 0);
        }
        f.simd(Simd.xor);
        f.localGet('v');
        f.simd(Simd.or);
        f.localSet('v');
        f.addLocal('p', 'rowLen');
      });
      f.localGet('v');
      f.localGet('mask');
      f.simd(Simd.and);
      f.simd(Simd.anyTrue);
      f.op(Op.if, Op.void);
      f.push('list', 'n', 'cell');
      f.op(Op.end);
      f.op(Op.end);
      f.addI32('at', rowBytes);
      f.addI32('cell', 1);
    });
    for (const base of ['cur', 'prev']) f.addLocal(base, 'step');
  });
  f.localGet('result');
  f.localGet('n');
  f.op(Op.i32Store, 2, 0);
  return f;
}

/** Copies the n listed cells' sample rows from the grid at src into one row of n cells at dst. */
function gatherBody(rowBytes: number): FunctionBody {
  const f = new FunctionBody([
    ['src', I32],
    ['dst', I32],
    ['rowLen', I32],
    ['subY', I32],
    ['cols', I32],
    ['list', I32],
    ['n', I32],
  ]);
  // The gathered row's sample rows are n cells long.
  f.localGet('n');
  f.i32(rowBytes);
  f.op(Op.i32Mul);
  f.localSet('outLen', I32);
  f.localGet('dst');
  f.localSet('to0', I32);
  f.countUp('i', 0, 'n', 1, () => {
    // cell = list[i]; its first byte: src + cy·subY·rowLen + cx·rowBytes.
    f.localGet('list');
    f.localGet('i');
    f.i32(2);
    f.op(Op.i32Shl);
    f.op(Op.i32Add);
    f.op(Op.i32Load, 2, 0);
    f.localTee('cell', I32);
    f.localGet('cols');
    f.op(Op.i32DivU);
    f.localSet('cy', I32);
    f.localGet('src');
    f.localGet('cy');
    f.localGet('subY');
    f.op(Op.i32Mul);
    f.localGet('rowLen');
    f.op(Op.i32Mul);
    f.op(Op.i32Add);
    f.localGet('cell');
    f.localGet('cy');
    f.localGet('cols');
    f.op(Op.i32Mul);
    f.op(Op.i32Sub);
    f.i32(rowBytes);
    f.op(Op.i32Mul);
    f.op(Op.i32Add);
    f.localSet('from', I32);
    f.localGet('to0');
    f.localSet('to', I32);
    f.countUp('y', 0, 'subY', 1, () => {
      // Exactly rowBytes: 8 + 4 (mosaic) or 4 + 2.
      const parts: [load: number, store: number, width: number, align: number][] = rowBytes === 12 ? [[Op.i64Load, Op.i64Store, 8, 3], [Op.i32Load, Op.i32Store, 4, 2]] : [[Op.i32Load, Op.i32Store, 4, 2], [Op.i32Load16U, Op.i32Store16, 2, 1]];
      let offset = 0;
      for (const [load, store, width] of parts) {
        f.localGet('to');
        f.localGet('from');
        f.op(load, 0, offset);
        f.op(store, 0, offset);
        offset += width;
      }
      f.addLocal('from', 'rowLen');
      f.addLocal('to', 'outLen');
    });
    f.addI32('to0', rowBytes);
  });
  return f;
}

const gatherModule = new PerMemoryModule(
  () =>
    moduleBytes(
      [...ROW_BYTES.map((r) => ({ body: amongBody(r), i32Params: 9 })), ...ROW_BYTES.map((r) => ({ body: gatherBody(r), i32Params: 7 }))],
      1,
      [...ROW_BYTES.map((r) => `among${r}`), ...ROW_BYTES.map((r) => `gather${r}`)],
      { maximum: MAX_PAGES },
    ),
  (exports) => ({
    among: new Map(ROW_BYTES.map((r) => [r as number, exports[`among${r}`] as Among])),
    gather: new Map(ROW_BYTES.map((r) => [r as number, exports[`gather${r}`] as Gather])),
  }),
);
const gatherers = new WeakMap<SharedMemory, CellGatherSimd | null>();

/** The two passes over one frame memory. */
export class CellGatherSimd {
  /** Calls run here since the thread started, for the tests (the JS loops take the rest). */
  static calls = 0;

  private constructor(
    private readonly arena: WasmArena,
    private readonly amongs: ReadonlyMap<number, Among>,
    private readonly gathers: ReadonlyMap<number, Gather>,
  ) {}

  /** The passes over `arena`'s memory; null where this runtime cannot run them. */
  static over(arena: WasmArena): CellGatherSimd | null {
    let g = gatherers.get(arena.memory);
    if (g !== undefined) return g;
    const fns = gatherModule.over(arena.memory);
    g = fns ? new CellGatherSimd(arena, fns.among, fns.gather) : null;
    gatherers.set(arena.memory, g);
    return g;
  }

  /**
   * Lists in `list` the cells of the cols × rows grid marked non-zero in `candidates` whose samples
   * differ between `cur` and `prev` (rowBytes bytes a cell a sample row, subY rows a cell) and
   * returns how many; −1 (nothing done) when a buffer lies outside this memory or the width has no
   * code here. `result`: 4 bytes of this memory the count passes through. The sample buffers must
   * have 15 readable bytes past their end (an arena block's tail).
   */
  among(cur: Uint8Array, prev: Uint8Array, rowBytes: number, subY: number, cols: number, rows: number, candidates: Uint8Array, list: Int32Array, result: Int32Array): number {
    const run = this.amongs.get(rowBytes);
    const arena = this.arena;
    if (!run || cols <= 0 || rows <= 0 || !arena.owns(cur) || !arena.owns(prev) || !arena.owns(candidates) || !arena.owns(list) || !arena.owns(result)) return -1;
    const need = cols * rowBytes * subY * rows;
    if (cur.length < need || prev.length < need || candidates.length < cols * rows || list.length < cols * rows || result.length < 1) {
      throw new RangeError(`changed-cell list: buffers do not fit ${cols}×${rows} cells of ${rowBytes}×${subY} bytes`);
    }
    run(cur.byteOffset, prev.byteOffset, cols * rowBytes, subY, cols, rows, candidates.byteOffset, list.byteOffset, result.byteOffset);
    CellGatherSimd.calls++;
    return result[0]!;
  }

  /**
   * The `n` cells listed in `list` of the grid `src` (cols cells across, rowBytes × subY bytes a
   * cell) side by side in `dst`, as one row of n cells; false (nothing done) when a buffer lies
   * outside this memory or the width has no code here. The listed cells must lie in the grid.
   */
  gather(src: Uint8Array, dst: Uint8Array, rowBytes: number, subY: number, cols: number, list: Int32Array, n: number): boolean {
    const run = this.gathers.get(rowBytes);
    const arena = this.arena;
    if (!run || n <= 0 || cols <= 0 || !arena.owns(src) || !arena.owns(dst) || !arena.owns(list)) return false;
    if (dst.length < n * rowBytes * subY || list.length < n) throw new RangeError(`cell gather: buffers do not fit ${n} cells of ${rowBytes}×${subY} bytes`);
    run(src.byteOffset, dst.byteOffset, cols * rowBytes, subY, cols, list.byteOffset, n);
    CellGatherSimd.calls++;
    return true;
  }
}
