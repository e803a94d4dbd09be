/**
 * A view's fitted cells carried from frame to frame: a cell whose samples are the same bytes as in
 * the frame before keeps that frame's glyph and colours instead of being searched again. The fit of
 * a cell depends on nothing but its samples and the fit's settings (style, palette, mode, extras),
 * so the result is the same bytes a full fit writes; test/fit-reuse.test.ts holds it to that.
 *
 * Why it pays: a still part of a video decodes to the same pixels frame after frame (an encoder
 * codes it as skipped blocks, which copy the reference exactly), and the scaler and the table are
 * deterministic, so its cells' samples repeat to the byte. On a tripod clip with sensor noise
 * coded at crf 23, 92–99 % of a view's cells kept their samples from one frame to the next; the
 * black outside a fisheye's circle or a VR180's back half always does. Where everything moves
 * (heavy noise at crf 18: under 1 % repeat) the comparison stops at a cell's first differing word,
 * a few nanoseconds a cell beside the 0.4 µs a mosaic cell's search costs.
 *
 * The samples are compared where the renderer wrote them: this owns the two sample buffers and
 * hands the renderer the one to write next (`samples`). A renderer that samples again only the
 * cells whose part of the frame changed first has the other cells' samples carried into it
 * (`carryLast`): only the cells the last fit found changed are copied.
 */
import type { Mode } from '../../protocol/index.js';
import type { CellFitter } from './fit-cells.js';
import { ArenaBuffer, type WasmArena } from '../shared/wasm-arena.js';
import { accBytes, ChangedCellsSimd } from '../shared/changed-blocks-simd.js';
import { CellGatherSimd } from '../shared/cell-gather-simd.js';

/** Bytes per fitted cell on the wire: glyph, foreground RGB, background RGB. */
const CELL_BYTES = 7;
/**
 * Above this share of changed cells the whole grid is fitted in one pass: gathering the changed
 * cells into a row of their own costs a copy of their samples, which a mostly changed grid does not
 * save back.
 */
const GATHER_BELOW = 0.5;

export class FitReuse {
  /** Where the two sample buffers live: the thread's arena in the frame memory where there is one (the SIMD sampler writes only there). */
  private readonly stores = [new ArenaBuffer(), new ArenaBuffer()] as const;
  private arena: WasmArena | null = null;
  /** The sample buffers: `current` is written by the renderer this frame, `previous` holds the last fitted frame's. */
  private current: Uint8Array = new Uint8Array(0);
  private previous: Uint8Array = new Uint8Array(0);
  /** The same two buffers, whole words long, as words too, for the comparisons and copies. */
  private currentWords = WordViews.EMPTY;
  private previousWords = WordViews.EMPTY;
  /** The last fit's cells (cols·rows × 7 bytes), what a cell that did not change is given again. */
  private cells = new Uint8Array(0);
  /** Whether `previous` and `cells` belong together and to the settings below. */
  private valid = false;
  private fitter: CellFitter | null = null;
  private mode: Mode = 5;
  private extras = true;
  private cols = 0;
  private rows = 0;
  /** The changed cells' indices (in the arena, where the SIMD scan writes them), their samples gathered into one row, and that row's cells. */
  private readonly changedStore = new ArenaBuffer();
  private changed: Int32Array = new Int32Array(0);
  /** The SIMD scan's accumulator row and count (shared/changed-blocks-simd.ts), for the grid width and arena they were made for. */
  private readonly accStore = new ArenaBuffer();
  private acc: Uint8Array = new Uint8Array(0);
  private accCount: Int32Array = new Int32Array(0);
  private readonly gatheredStore = new ArenaBuffer();
  private gathered = WordViews.EMPTY;
  private gatheredCells = new Uint8Array(0);
  /** The candidates copied into the arena for the SIMD list (CellGatherSimd.among), and the 4 bytes after them its count passes through. */
  private readonly candidatesStore = new ArenaBuffer();
  private candidatesIn: Uint8Array<ArrayBufferLike> = new Uint8Array(0);
  private amongCount: Int32Array<ArrayBufferLike> = new Int32Array(0);
  /**
   * How many cells the last fit listed in `changed` as differing between its samples and the ones
   * before (so between the two buffers now), or −1 where it did not compare them: `carryLast` then
   * copies every sample.
   */
  private listed = -1;

  /** Bytes held. */
  get bytes(): number {
    return this.stores[0].byteLength + this.stores[1].byteLength + this.cells.byteLength + this.changedStore.byteLength + this.accStore.byteLength + this.gatheredStore.byteLength + this.candidatesStore.byteLength + this.gatheredCells.byteLength;
  }

  /** Cells of the last `fit` that kept the previous frame's result, not searched again. */
  reused = 0;

  /** The buffer for this frame's `length` sample bytes (in `arena` where it has room): the renderer samples into it, then calls `fit`. */
  samples(length: number, arena: WasmArena | null = null): Uint8Array {
    if (this.current.length !== length || this.arena !== arena) {
      // Whole 32-bit words for the comparison, however the buffer ends.
      const bytes = Math.ceil(length / 4) * 4;
      const [a, b] = this.stores.map((store) => store.bytes(bytes, arena)) as [Uint8Array, Uint8Array];
      this.currentWords = new WordViews(a);
      this.previousWords = new WordViews(b);
      this.current = a.subarray(0, length);
      this.previous = b.subarray(0, length);
      if (this.arena !== arena) {
        // The scan's buffers follow the sample buffers into the new arena (changedCells); the
        // gather's, used only where candidates are listed, are given back now rather than pin the
        // old memory until then.
        this.changed = new Int32Array(0);
        this.acc = new Uint8Array(0);
        this.gatheredStore.release();
        this.candidatesStore.release();
        this.gathered = WordViews.EMPTY;
        this.candidatesIn = new Uint8Array(0);
      }
      this.arena = arena;
      this.valid = false;
    }
    return this.current;
  }

  /**
   * Makes the buffer `samples` handed out hold the last fit's samples, for a renderer that samples
   * again only the cells whose part of the frame changed. The two buffers differ only in the cells
   * the last fit found changed, so only those are copied where it compared them (a still view: a
   * few hundred cells, not the whole 0.7 MB a mosaic view's samples take). Cells marked in `skip`
   * (a byte per cell) are left out: the renderer samples them again.
   */
  carryLast(skip: Uint8Array | null = null): void {
    const n = this.listed;
    const style = this.fitter?.style;
    if (n < 0 || !this.valid || !style || this.current.length !== this.previous.length) {
      this.current.set(this.previous);
      return;
    }
    const rowBytes = style.subX * 3;
    copyCells(this.previousWords.of(rowBytes), this.currentWords.of(rowBytes), this.changed, n, rowBytes / wordBytes(rowBytes), style.subY, this.cols, skip);
  }

  /** Returns the sample buffers to their arena (a renderer being dropped). */
  release(): void {
    for (const store of [...this.stores, this.changedStore, this.accStore, this.gatheredStore, this.candidatesStore]) store.release();
    this.changed = new Int32Array(0);
    this.acc = new Uint8Array(0);
    this.gathered = WordViews.EMPTY;
    this.candidatesIn = new Uint8Array(0);
    this.accCount = new Int32Array(0);
    this.current = this.previous = new Uint8Array(0);
    this.arena = null;
    this.valid = false;
    this.listed = -1;
  }

  /** Forgets the last frame (a renderer serving another view). */
  reset(): void {
    this.valid = false;
  }

  /**
   * Fits the cols × rows grid whose samples `samples` returned (and the renderer filled) with
   * `fitter`, as `fitter.fit` would, into `out` at `offset`; returns the end offset. `candidates`
   * (a byte per cell): the renderer carried the last samples (`carryLast`) and sampled again the
   * cells marked 1, and perhaps others whose samples come out the same bytes (their part of the
   * frame did not change): only the marked cells can differ, and only they are compared. The
   * list of changed cells, which the next carry copies, stays complete so.
   */
  fit(fitter: CellFitter, cols: number, rows: number, mode: Mode, out: Uint8Array, offset: number, candidates: Uint8Array | null = null): number {
    const count = cols * rows;
    const cellBytes = count * CELL_BYTES;
    if (this.cells.length !== cellBytes) {
      this.cells = new Uint8Array(cellBytes);
      this.valid = false;
    }
    const same = this.valid && fitter === this.fitter && mode === this.mode && fitter.extras === this.extras && cols === this.cols && rows === this.rows;
    this.reused = 0;
    this.listed = -1;
    if (!same) {
      fitter.fit(this.current, cols, rows, mode, this.cells, 0);
    } else {
      const changed = candidates ? this.changedAmong(candidates, fitter.style.subX, fitter.style.subY, cols, rows) : this.changedCells(fitter.style.subX, fitter.style.subY, cols, rows);
      this.listed = changed;
      if (changed > count * GATHER_BELOW) {
        fitter.fit(this.current, cols, rows, mode, this.cells, 0);
      } else {
        if (changed > 0) this.fitChanged(fitter, changed, cols, mode);
        this.reused = count - changed;
      }
    }
    out.set(this.cells, offset);
    this.fitter = fitter;
    this.mode = mode;
    this.extras = fitter.extras;
    this.cols = cols;
    this.rows = rows;
    this.valid = true;
    const next = this.previous;
    this.previous = this.current;
    this.current = next;
    const nextWords = this.previousWords;
    this.previousWords = this.currentWords;
    this.currentWords = nextWords;
    return offset + cellBytes;
  }

  /**
   * Lists in `changed` the cells whose samples differ from the previous frame's; returns how many.
   * A cell's row of samples is 3·subX bytes: compared as 32-bit words where that is whole words
   * (mosaic: 12 bytes), else as 16-bit ones (the 2-wide styles: 6), else as bytes (WordViews).
   */
  private changedCells(subX: number, subY: number, cols: number, rows: number): number {
    const count = cols * rows;
    const arena = this.arena;
    if (this.changed.length < count) this.changed = this.changedStore.int32(count, arena);
    const rowBytes = subX * 3;
    const scan = arena ? ChangedCellsSimd.over(arena) : null;
    if (scan) {
      const accLength = accBytes(cols, rowBytes);
      if (this.acc.length !== accLength) {
        this.acc = this.accStore.bytes(accLength, arena);
        this.accCount = new Int32Array(this.acc.buffer, this.acc.byteOffset + accLength - 4, 1);
      }
      const n = scan.scan(this.current, this.previous, rowBytes, subY, cols, rows, this.changed, this.acc, this.accCount);
      if (n >= 0) return n;
    }
    return listChanged(this.currentWords.of(rowBytes), this.previousWords.of(rowBytes), rowBytes / wordBytes(rowBytes), subY, cols, rows, this.changed);
  }

  /** As changedCells, comparing only the cells marked in `candidates` (the others are the same). */
  private changedAmong(candidates: Uint8Array, subX: number, subY: number, cols: number, rows: number): number {
    const count = cols * rows;
    const arena = this.arena;
    if (this.changed.length < count) this.changed = this.changedStore.int32(count, arena);
    const rowBytes = subX * 3;
    const simd = arena && candidates.length >= count ? CellGatherSimd.over(arena) : null;
    if (simd) {
      // The candidates are the renderer's (a JS array): copied next to the count, a few KB.
      const bytes = Math.ceil(count / 4) * 4;
      if (this.candidatesIn.length !== count) {
        const block = this.candidatesStore.bytes(bytes + 4, arena);
        this.candidatesIn = block.subarray(0, count);
        this.amongCount = new Int32Array(block.buffer, block.byteOffset + bytes, 1);
      }
      this.candidatesIn.set(candidates.length === count ? candidates : candidates.subarray(0, count));
      const n = simd.among(this.current, this.previous, rowBytes, subY, cols, rows, this.candidatesIn, this.changed, this.amongCount);
      if (n >= 0) return n;
    }
    return listChanged(this.currentWords.of(rowBytes), this.previousWords.of(rowBytes), rowBytes / wordBytes(rowBytes), subY, cols, rows, this.changed, candidates);
  }

  /** Fits the `n` listed cells as one row of their own and puts each result in its place. */
  private fitChanged(fitter: CellFitter, n: number, cols: number, mode: Mode): void {
    const { subX, subY } = fitter.style;
    const rowBytes = subX * 3;
    const need = n * subY * rowBytes;
    if (this.gathered.bytes.length < need) {
      // Whole words, in the arena for the SIMD gather.
      const bytes = Math.ceil(Math.max(need, this.gathered.bytes.length * 2) / 4) * 4;
      this.gathered = new WordViews(this.gatheredStore.bytes(bytes, this.arena));
    }
    if (this.gatheredCells.length < n * CELL_BYTES) this.gatheredCells = new Uint8Array(Math.max(n * CELL_BYTES, this.gatheredCells.length * 2));
    const simd = this.arena ? CellGatherSimd.over(this.arena) : null;
    if (!simd?.gather(this.current, this.gathered.bytes, rowBytes, subY, cols, this.changed, n)) {
      gatherCells(this.currentWords.of(rowBytes), this.gathered.of(rowBytes), this.changed, n, rowBytes / wordBytes(rowBytes), subY, cols);
    }
    fitter.fit(this.gathered.bytes, n, 1, mode, this.gatheredCells, 0);
    const list = this.changed;
    const cells = this.cells;
    const fitted = this.gatheredCells;
    for (let i = 0; i < n; i++) {
      const to = list[i]! * CELL_BYTES;
      const from = i * CELL_BYTES;
      for (let k = 0; k < CELL_BYTES; k++) cells[to + k] = fitted[from + k]!;
    }
  }
}

type Words = Uint32Array<ArrayBufferLike> | Uint16Array<ArrayBufferLike> | Uint8Array<ArrayBufferLike>;

/**
 * A buffer of whole 32-bit words as bytes and as 16- and 32-bit words: a cell's sample row is
 * compared and copied in the widest words that hold it whole (mosaic's 12 bytes as 32-bit words,
 * the 2-wide styles' 6 as 16-bit ones, an odd width as bytes).
 */
class WordViews {
  static readonly EMPTY = new WordViews(new Uint8Array(0));
  private readonly w16: Uint16Array<ArrayBufferLike>;
  private readonly w32: Uint32Array<ArrayBufferLike>;

  constructor(readonly bytes: Uint8Array<ArrayBufferLike>) {
    this.w16 = new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.length >> 1);
    this.w32 = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >> 2);
  }

  /** The view whose words hold a row of `rowBytes` whole. */
  of(rowBytes: number): Words {
    return rowBytes % 4 === 0 ? this.w32 : rowBytes % 2 === 0 ? this.w16 : this.bytes;
  }
}

/** Bytes a word of WordViews.of(rowBytes). */
function wordBytes(rowBytes: number): number {
  return rowBytes % 4 === 0 ? 4 : rowBytes % 2 === 0 ? 2 : 1;
}

/** The `n` listed cells' samples (`words` words a cell's sample row, subY rows, cols cells a grid row) of `src` side by side in `dst`, as one row of cells. */
function gatherCells(src: Words, dst: Words, list: Int32Array, n: number, words: number, subY: number, cols: number): void {
  const stride = cols * words;
  const gatheredStride = n * words;
  for (let i = 0; i < n; i++) {
    const cell = list[i]!;
    const cy = (cell / cols) | 0;
    let from = cy * subY * stride + (cell - cy * cols) * words;
    let to = i * words;
    for (let y = 0; y < subY; y++, from += stride, to += gatheredStride) {
      for (let k = 0; k < words; k++) dst[to + k] = src[from + k]!;
    }
  }
}

/** The `n` listed cells' samples copied from `src` to `dst` in place (the grid's layout, as gatherCells), but those `skip` marks. */
function copyCells(src: Words, dst: Words, list: Int32Array, n: number, words: number, subY: number, cols: number, skip: Uint8Array | null): void {
  const stride = cols * words;
  for (let i = 0; i < n; i++) {
    const cell = list[i]!;
    if (skip && skip[cell] === 1) continue;
    const cy = (cell / cols) | 0;
    let at = cy * subY * stride + (cell - cy * cols) * words;
    for (let y = 0; y < subY; y++, at += stride) {
      for (let k = 0; k < words; k++) dst[at + k] = src[at + k]!;
    }
  }
}

/**
 * The cells of a cols × rows grid whose sample words differ between `a` and `b` (the same layout:
 * `words` words per cell per sample row, subY rows a cell), into `list`; returns how many. With
 * `only`, the cells it marks non-zero alone are compared.
 */
function listChanged(a: Words, b: Words, words: number, subY: number, cols: number, rows: number, list: Int32Array, only: Uint8Array | null = null): number {
  const stride = cols * words;
  let n = 0;
  for (let cy = 0, cell = 0; cy < rows; cy++) {
    for (let cx = 0; cx < cols; cx++, cell++) {
      if (only && only[cell] === 0) continue;
      let at = cy * subY * stride + cx * words;
      let differs = false;
      for (let y = 0; y < subY && !differs; y++, at += stride) {
        for (let w = 0; w < words; w++) {
          if (a[at + w] !== b[at + w]) {
            differs = true;
            break;
          }
        }
      }
      if (differs) list[n++] = cell;
    }
  }
  return n;
}
