/**
 * Which blocks of two byte grids differ, as WebAssembly SIMD over a thread's frame memory. Asked by
 * FitReuse (quantise/fit-reuse.ts): which cells' samples differ from the frame before's, the same
 * list, in the same order, as its JS scan; and by FrameChanges (source/frame-changes.ts): which
 * tiles of a picture changed, a tile being a block of 16 rows of 16 luma, 8 chroma or 48 RGB24 bytes.
 *
 * Why: on a still scene (a tripod clip keeps 92–99 % of a view's cells from frame to frame) every
 * byte of both sample buffers is compared, 737 KB each for a 160×48 mosaic view. The JS scan does
 * that a 32-bit word at a time in 0.4–0.5 ms; here it is 16 bytes an instruction.
 *
 * How: a grid row of cells at a time. First the XOR of the two buffers, ORed over the row's subY
 * sample rows, 16 bytes at a time into `acc` (one sample row's width: each cell's bytes then lie
 * together, at the same place as in a sample row); then each cell's rowBytes bytes of `acc` are
 * ORed as whole words, and a cell with any bit set is listed. The first pass reads up to 15 bytes
 * past a sample row's end (the next row's, or the arena block's spare tail past the buffer's end:
 * wasm-arena.ts TAIL) and writes them to `acc`'s own tail, which the second pass never reads.
 */
import { PerMemoryModule } from './wasm-api.js';
import { MAX_PAGES, type SharedMemory, type WasmArena } from './wasm-arena.js';
import { FunctionBody, I32, moduleBytes, Op, Simd } from './wasm-emitter.js';

/** Cell row widths the module has code for: 2 and 4 samples across (every fitted style), RGB each; a frame tile's rows (frame-changes.ts). */
const ROW_BYTES = [6, 12, 8, 16, 48] as const;

type Scan = (cur: number, prev: number, rowLen: number, subY: number, cols: number, rows: number, list: number, acc: number, result: number) => void;

/** Bytes `acc` must hold for a grid `cols` cells wide: one sample row, rounded up to whole vectors, then the count. */
export function accBytes(cols: number, rowBytes: number): number {
  return Math.ceil((cols * rowBytes) / 16) * 16 + 4;
}

function scanBody(rowBytes: number): FunctionBody {
  const f = new FunctionBody([
    ['cur', I32],
    ['prev', I32],
    ['rowLen', I32],
    ['subY', I32],
    ['cols', I32],
    ['rows', I32],
    ['list', I32],
    ['acc', I32],
    ['result', I32],
  ]);
  /** Pushes load(p) ^ load(q) after p += by and q += by (`by` a local, or the first row's `i`). */
  const xorNext = (pFrom: string, qFrom: string, by: string): void => {
    for (const [at, from] of [['p', pFrom], ['q', qFrom]] as const) {
      f.localGet(from);
      f.localGet(by);
      f.op(Op.i32Add);
      f.localTee(at, I32);
      f.simd(Simd.load, 0, 0);
    }
    f.simd(Simd.xor);
  };
  f.i32(0);
  f.localSet('n', I32);
  f.i32(0);
  f.localSet('cell', I32);
  f.countUp('cy', 0, 'rows', 1, () => {
    // Pass 1: acc[i…i+15] = OR over the sample rows y of (cur ^ prev) at row y, byte i.
    f.countUp('i', 0, 'rowLen', 16, () => {
      xorNext('cur', 'prev', 'i');
      f.localSet('v');
      f.countUp('y', 1, 'subY', 1, () => {
        xorNext('p', 'q', 'rowLen');
        f.localGet('v');
        f.simd(Simd.or);
        f.localSet('v');
      });
      f.localGet('acc');
      f.localGet('i');
      f.op(Op.i32Add);
      f.localGet('v');
      f.simd(Simd.store, 0, 0);
    });
    // Pass 2: a cell whose bytes of acc are not all zero is listed.
    f.localGet('acc');
    f.localSet('at', I32);
    f.countUp('cx', 0, 'cols', 1, () => {
      for (let b = 0; b + 4 <= rowBytes; b += 4) {
        f.localGet('at');
        f.op(Op.i32Load, 0, b);
        if (b > 0) f.op(Op.i32Or);
      }
      if (rowBytes % 4 === 2) {
        f.localGet('at');
        f.op(Op.i32Load16U, 0, rowBytes - 2);
        f.op(Op.i32Or);
      }
      f.op(Op.if, Op.void);
      f.push('list', 'n', 'cell');
      f.op(Op.end);
      f.addI32('at', rowBytes);
      f.addI32('cell', 1);
    });
    // The next grid row: subY sample rows on.
    f.localGet('rowLen');
    f.localGet('subY');
    f.op(Op.i32Mul);
    f.localSet('step', I32);
    for (const base of ['cur', 'prev']) f.addLocal(base, 'step');
  });
  f.localGet('result');
  f.localGet('n');
  f.op(Op.i32Store, 2, 0);
  return f;
}

/** The scan's module, once per thread, and its instance per frame memory. */
const scanModule = new PerMemoryModule(
  () => moduleBytes(ROW_BYTES.map((r) => ({ body: scanBody(r), i32Params: 9 })), 1, ROW_BYTES.map((r) => `scan${r}`), { maximum: MAX_PAGES }),
  (exports) => new Map(ROW_BYTES.map((r) => [r as number, exports[`scan${r}`] as Scan])),
);
const scanners = new WeakMap<SharedMemory, ChangedCellsSimd | null>();

/** The scan over one frame memory. */
export class ChangedCellsSimd {
  /** Scans run here since the thread started, for the tests (the JS scan takes the rest). */
  static scans = 0;

  private constructor(
    private readonly arena: WasmArena,
    private readonly scans: ReadonlyMap<number, Scan>,
  ) {}

  /** The scan of `arena`'s memory; null where this runtime cannot run it. */
  static over(arena: WasmArena): ChangedCellsSimd | null {
    let s = scanners.get(arena.memory);
    if (s !== undefined) return s;
    const scans = scanModule.over(arena.memory);
    s = scans ? new ChangedCellsSimd(arena, scans) : null;
    scanners.set(arena.memory, s);
    return s;
  }

  /**
   * Lists in `list` the cells of the cols × rows grid whose samples differ between `cur` and
   * `prev` (rowBytes = subX·3 bytes a cell a sample row, subY rows a cell) and returns how many;
   * -1 (nothing done) when a buffer lies outside this memory or the width has no code here.
   * `acc` must hold accBytes(cols, rowBytes) bytes, its last four the count (`count`, a view of
   * them made once by the caller), and the sample buffers 15 readable bytes past their end (an
   * arena block's tail). With `firstRow`, the grid's rows from it on (cells listed from 0 there).
   */
  scan(cur: Uint8Array, prev: Uint8Array, rowBytes: number, subY: number, cols: number, rows: number, list: Int32Array, acc: Uint8Array, count: Int32Array, firstRow = 0): number {
    const run = this.scans.get(rowBytes);
    const arena = this.arena;
    if (!run || cols <= 0 || rows <= 0 || !arena.owns(cur) || !arena.owns(prev) || !arena.owns(list) || !arena.owns(acc)) return -1;
    const skip = firstRow * cols * rowBytes * subY;
    const need = skip + cols * rowBytes * subY * rows;
    const countAt = acc.byteOffset + accBytes(cols, rowBytes) - 4;
    if (cur.length < need || prev.length < need || list.length < cols * rows || acc.length < accBytes(cols, rowBytes) || count.byteOffset !== countAt || count.buffer !== acc.buffer) {
      throw new RangeError(`changed-cells scan: buffers do not fit ${cols}×${rows} cells of ${rowBytes}×${subY} bytes`);
    }
    run(cur.byteOffset + skip, prev.byteOffset + skip, cols * rowBytes, subY, cols, rows, list.byteOffset, acc.byteOffset, countAt);
    ChangedCellsSimd.scans++;
    return count[0]!;
  }
}
