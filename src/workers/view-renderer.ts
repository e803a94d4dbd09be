/**
 * One distinct view's per-frame work: sample the frame through its table, then quantise into the
 * wire payload. Tables and scratch buffers live here and are rebuilt only when the view, grid or
 * working size changes. Used in worker threads and, when no worker starts, inline.
 */
import { CELL_STYLES, frameShape, QUALITIES, writeFrameHeader, type FrameShape, type StyleName } from '../../protocol/index.js';
import { FrameEncoder } from '../encode/frame-encoder.js';
import { sampleCells } from '../projection/sample-cells.js';
import { sampleCellsYuv, yuvTableOf, type YuvSamplingTable } from '../projection/sample-yuv.js';
import { slotLayout } from '../shared/frame-pixels.js';
import { SimdSampler } from '../projection/sample-cells-simd.js';
import { EQUIRECT_FORMAT, type PictureFormat } from '../projection/layouts/index.js';
import { projectionFor } from '../projection/projections.js';
import type { SamplingTable } from '../projection/projection.js';
import { CellFitter } from '../quantise/fit-cells.js';
import { FitReuse } from '../quantise/fit-reuse.js';
import { writeCells, writePixels, writeTextFrame } from '../quantise/quantise.js';
import type { ViewSpec } from '../shared/types.js';
import { ArenaBuffer, type WasmArena } from '../shared/wasm-arena.js';
import { TILE, type TileStamps } from '../shared/tile-stamps.js';
import { CellTiles } from '../projection/cell-tiles.js';
import { EFFORT_LEVELS, fittedAs, type FitEffort } from './fit-effort.js';

/**
 * A decoded frame as a renderer reads it: its bytes (a frame ring's slot, or any array), its size and
 * picture format, the thread's arena in the memory holding it (the SIMD paths need it), and, for a
 * ring that compares its frames, its tile stamps and the frame's number among its delivered frames
 * (0: not known), which let a fitted view sample again only the cells whose tiles changed.
 */
export interface SourceFrame {
  readonly pixels: Uint8Array;
  readonly width: number;
  readonly height: number;
  /** Absent: EQUIRECT_FORMAT (RGB24 equirect). */
  readonly format?: PictureFormat;
  /** This thread's arena in the memory holding `pixels`, where the table and samples go; absent or null: none (JS sampling). */
  readonly arena?: WasmArena | null;
  /** The frame ring's tile stamps; absent or null: frames not compared. */
  readonly stamps?: TileStamps | null;
  /** The frame's number among its ring's delivered frames (FrameSlots.delivered); absent or 0: not known. */
  readonly seq?: number;
}

/** Bytes one payload of this spec needs (the largest mode-1 text frame for mode 1). */
export function payloadCapacity(s: ViewSpec): number {
  return frameShape(s).frameBytes;
}

/**
 * Renders per style (as fitted) in this thread. A style's first renders run code V8 has not
 * optimised yet (each fitted style has its own search): a fresh mosaic search took 262, 28, 18, 18,
 * 26 and 18 ms for its first six frames on the bench machine alone, then 11, and in `play`, beside
 * ffmpeg and the terminal, 20–30 ms until its fifteenth; a lone viewer pressing `s` through the
 * styles stepped the mosaic fit down to quadrants for ten seconds. Like a worker's first jobs, the
 * first WARM_UP_RENDERS of a style count as setup, not load (fit-effort.ts).
 */
const rendersOf = new Map<StyleName, number>();
const WARM_UP_RENDERS = 16;

/** Most taps per sample along each axis at the reduced fit efforts. */
const REDUCED_TAPS = 2;
/**
 * Taps per sample of a view's coarse first frame: one. Its table is what a key press waits for, and
 * one tap builds in less than half the time of up to two by two (a fresh 160×48 sextant table from a
 * 4096-wide frame: 2.7 against 6.3 ms); the frame is shown for one frame interval, or 40 ms.
 */
const COARSE_TAPS = 1;

/**
 * A fitted view samples again only the cells a frame changed (CellTiles) while they are at most this
 * share of its cells; above it, every cell (the whole grid in order, and no samples carried).
 */
const RESAMPLE_CHANGED_BELOW = 0.5;

/** For a style and one it is reduced to: the style's glyph index of each of the other's glyphs (the same character). */
const indexTables = new Map<string, Uint8Array>();
function indicesIn(style: StyleName, reduced: StyleName): Uint8Array {
  const key = `${reduced}>${style}`;
  let table = indexTables.get(key);
  if (!table) {
    const into = CELL_STYLES[style].glyphs;
    table = Uint8Array.from(CELL_STYLES[reduced].glyphs, (cp) => Math.max(0, into.indexOf(cp)));
    indexTables.set(key, table);
  }
  return table;
}

const blanks = new Map<StyleName, number>();

/** The glyph index of a style's blank (the first glyph that covers nothing: the space, or braille's empty pattern). */
function blankOf(style: StyleName): number {
  let blank = blanks.get(style);
  if (blank === undefined) {
    const { glyphs, coverage, subX, subY } = CELL_STYLES[style];
    const n = subX * subY;
    blank = glyphs.findIndex((cp, g) => cp !== 0 && coverage.subarray(g * n, (g + 1) * n).every((share) => share === 0));
    blanks.set(style, blank);
  }
  return blank;
}

/**
 * Where a 4:2:0 view's RGB24 table is built before it becomes the view's own (yuvTableOf), reused by
 * every view of the thread: it grows to the thread's largest table (a 4K mosaic view's, about 6 MB)
 * and stays, outside any one renderer's `bytes`.
 */
let scratch = new Int32Array(0);
const rgbScratch = (length: number): Int32Array => (scratch.length >= length ? scratch : (scratch = new Int32Array(length))).subarray(0, length);
const NO_OFFSETS = new Int32Array(0);

export class ViewRenderer {
  /** The view's table; for a 4:2:0 frame only its shape, the taps being in `yuv`. */
  private table: SamplingTable | null = null;
  /** The table for 4:2:0 frames (sample-yuv.ts), or null for RGB24 ones. */
  private yuv: YuvSamplingTable | null = null;
  /** Whether `table` still matches `spec` (a recycled renderer keeps its memory, not its table). */
  private stale = true;
  /**
   * The table's offsets and an unfitted view's samples, in the frame memory's arena of this thread
   * where there is one (the SIMD sampler reads only there), refilled in place from view to view.
   */
  private readonly offsets = new ArenaBuffer();
  private readonly rgbStore = new ArenaBuffer();
  private rgb: Uint8Array = new Uint8Array(0);
  /** The arena `table` and the samples were placed for, and its sampler (null: JS sampling). */
  private arena: WasmArena | null = null;
  private sampler: SimdSampler | null = null;
  private shape: FrameShape;
  private fitter: CellFitter | null = null;
  /** A fitted view's samples and cells from frame to frame: unchanged cells are not searched again. */
  private readonly reuse = new FitReuse();
  /**
   * The tiles each cell reads, for `tilesOf`'s grid and this table (built on the second frame, when
   * there is a frame before to keep samples from); and the ring's stamps and the frame whose samples
   * `reuse` holds (null: none to keep).
   */
  private readonly tiles = new CellTiles();
  private tilesOf: TileStamps | null = null;
  private sampledFrom: TileStamps | null = null;
  private sampledSeq = 0;
  /** The changed runs' sample ranges (from, end pairs), in the arena where there is one (the SIMD sampler reads them there), grown as needed. */
  private readonly rangesStore = new ArenaBuffer();
  private ranges: Int32Array<ArrayBufferLike> = new Int32Array(0);
  /**
   * ms of the last render that were one-off cost, not load (fit-effort.ts): a view change's table and
   * fitter, or the whole render while its style is new to this thread.
   */
  setupMs = 0;
  /** The style whose samples `table` takes: the view's own, or a cheaper one at a reduced fit effort. */
  private fitAs: StyleName | null = null;
  /** The most taps per sample `table` was built with (undefined: the full count). */
  private tableTaps: number | undefined = undefined;
  /** At a reduced fit effort: the view's style's glyph index of each of the cheaper style's glyphs. */
  private remap: Uint8Array | null = null;
  /** The frames' format `table` was built for (one object per frame ring, so identity will do). */
  private format: PictureFormat | null = null;
  /** The codec state of a tagged view (frame-encoder.ts): what its viewers show. */
  private encoder: FrameEncoder | null = null;
  /** Render count at last use, for eviction. */
  lastUsed = 0;
  /** Whether the last render was a view's first, fitted as the style's cheaper one (render's `coarseFirst`). */
  coarse = false;

  constructor(public spec: ViewSpec) {
    this.shape = frameShape(spec);
  }

  /** Bytes held: the table's offsets and the samples' buffer (the fitter's scratch is small and fixed). */
  get bytes(): number {
    return this.offsets.byteLength + this.rgbStore.byteLength + this.rangesStore.byteLength + this.reuse.bytes + this.tiles.bytes + (this.encoder?.bytes ?? 0);
  }

  /** Fitted cells of the last render (0 for a view that is not fitted), and those of them given the frame before's fit again, their samples unchanged (fit-reuse.ts). */
  cellsFitted = 0;
  cellsReused = 0;
  /** Samples the last render took, and whether they went to the SIMD sampler (sample-cells-simd.ts, which takes a 4:2:0 run under 4 samples in JS); and those it kept from the frame before instead. */
  samplesTaken = 0;
  samplesKept = 0;
  sampledSimd = false;

  /** The view's encoder when its frames are tagged (PROTOCOL-NOTES.md §3.7), else null. */
  get codec(): FrameEncoder | null {
    const shape = this.shape;
    if (!shape.tagged) return null;
    if (!this.encoder) {
      this.encoder = new FrameEncoder({
        units: (shape.frameBytes - shape.headerBytes) / shape.bytesPerUnit,
        unitBytes: shape.bytesPerUnit,
        // A pixel is all colour; a cell's first byte is its character or glyph, always exact.
        exactBytes: shape.kind === 'pixels' ? 0 : 1,
        tolerance: QUALITIES[this.spec.quality],
        periodicKeys: this.spec.codec === 'adaptive',
        planes: this.spec.codec === 'tagged',
        // Colours fitted within a 256- or 16-colour palette stay palette colours (§8.3): sent exactly.
        quantise: this.spec.mode === 5 && (shape.kind !== 'fitted' || this.spec.palette === 'rgb'),
      });
    }
    return this.encoder;
  }

  /** Serve another view with this renderer's buffers. */
  respec(spec: ViewSpec): void {
    this.spec = spec;
    this.shape = frameShape(spec);
    this.stale = true;
    this.encoder = null;
    this.reuse.reset();
    this.forgetSamples();
  }

  /** Returns the table's and samples' blocks to their arena: call when dropping the renderer. */
  release(): void {
    this.offsets.release();
    this.rgbStore.release();
    this.releaseRanges();
    this.reuse.release();
    this.forgetSamples();
    this.table = null;
    this.yuv = null;
    this.stale = true;
  }

  /**
   * Renders `frame` (its pixels, width×height in its format's layout and pixels) into `out`; returns the payload length. A fitted
   * view fits with `effort` (fit-effort.ts): without the glyphs scored from weighted samples, or as
   * a cheaper style its table names (mosaic: sextants, quadrants) on that style's own samples,
   * sending the same characters' indices of its own table. The table and samples go in the frame's
   * `arena` (this thread's arena in the memory holding it; null where it has none).
   *
   * With `coarseFirst`, a view's first frame (new, or its working frame changed) of a style that
   * has a cheaper one is fitted as that one, and the next frame at `effort`: a mosaic view's table
   * (32 samples a cell, up to six taps each) took 40–80 ms to build on the bench machine, so a key
   * press or every step of a drag waited two frames and more; the sextant table takes a fifth of
   * that. The caller renders the view again soon when no next frame comes (`coarse` says so).
   *
   * The frame's `stamps` and `seq` (its ring's tile stamps and its number among the ring's delivered
   * frames, FrameSlots.delivered; 0: not known): a fitted view then samples again only the cells whose
   * tiles changed since the frame it sampled last, and keeps the other cells' samples.
   */
  render(frame: SourceFrame, index: number, out: Uint8Array, effort: FitEffort = 'full', coarseFirst = false): number {
    const format = frame.format ?? EQUIRECT_FORMAT;
    const arena = frame.arena ?? null;
    const firstFrame = !this.table || this.stale || this.format !== format || this.arena !== arena || this.table.srcWidth !== frame.width || this.table.srcHeight !== frame.height;
    this.coarse = coarseFirst && firstFrame && EFFORT_LEVELS[effort].reduce === 0 && this.shape.style.reducedTo.length > 0;
    const fitAs = this.coarse ? this.shape.style.reducedTo[0]! : fittedAs(this.shape.style.name, effort);
    const renders = rendersOf.get(fitAs) ?? 0;
    if (renders >= WARM_UP_RENDERS) return this.renderFrame(frame, format, arena, index, out, effort, fitAs);
    rendersOf.set(fitAs, renders + 1);
    const started = performance.now();
    const length = this.renderFrame(frame, format, arena, index, out, effort, fitAs);
    this.setupMs = performance.now() - started;
    return length;
  }

  /** `format`, `arena`: the frame's, defaults applied (render reads them first, to tell a view's first frame). */
  private renderFrame(frame: SourceFrame, format: PictureFormat, arena: WasmArena | null, index: number, out: Uint8Array, effort: FitEffort, fitAs: StyleName): number {
    const { pixels: bytes, width, height } = frame;
    const stamps = frame.stamps ?? null;
    const seq = frame.seq ?? 0;
    const s = this.spec;
    const shape = this.shape;
    const level = EFFORT_LEVELS[effort];
    this.setupMs = 0;
    const reduced = fitAs !== shape.style.name;
    // A reduced level is for overload: a tap or two per sample, not the smoothest nine.
    const maxTaps = this.coarse ? COARSE_TAPS : reduced ? REDUCED_TAPS : undefined;
    if (!this.table || this.stale || this.fitAs !== fitAs || this.tableTaps !== maxTaps || this.format !== format || this.arena !== arena || this.table.srcWidth !== width || this.table.srcHeight !== height) {
      const setupStart = performance.now();
      const sampled = reduced ? frameShape({ ...s, style: fitAs }) : shape;
      const grid = { cols: sampled.sampleCols, rows: sampled.sampleRows, aspect: sampled.sampleAspect, maxTaps };
      const pixels = format.pixels;
      if (pixels.kind === 'yuv420p') {
        // The layouts place taps in RGB24 (layout.ts); a 4:2:0 frame's table is made from those.
        const rgb = projectionFor(s.camera, format).buildTable(s, grid, width, height, rgbScratch);
        this.yuv = yuvTableOf(rgb, pixels, slotLayout(pixels, width, height), (length) => this.offsets.int32(length, arena));
        this.table = { ...rgb, offsets: NO_OFFSETS };
      } else {
        this.yuv = null;
        this.table = projectionFor(s.camera, format).buildTable(s, grid, width, height, (length) => this.offsets.int32(length, arena));
      }
      this.stale = false;
      this.forgetSamples();
      this.format = format;
      // The ranges block follows the other buffers out of an old ring's memory, which it would keep alive.
      if (this.arena !== arena) this.releaseRanges();
      this.arena = arena;
      this.sampler = arena ? SimdSampler.over(arena) : null;
      this.fitAs = fitAs;
      this.tableTaps = maxTaps;
      this.remap = reduced && shape.kind === 'fitted' ? indicesIn(shape.style.name, fitAs) : null;
      const samples = this.table.cols * this.table.rows * 3;
      // A fitted view samples into its FitReuse's buffers instead.
      if (shape.kind !== 'fitted') this.rgb = this.rgbStore.bytes(samples, arena);
      const f = this.fitter;
      if (shape.kind === 'fitted' && (!f || f.style !== sampled.style || f.palette !== s.palette)) this.fitter = new CellFitter(sampled.style, s.palette);
      this.setupMs = performance.now() - setupStart;
    }
    if (this.fitter) this.fitter.extras = level.diagonals;
    const count = this.table.cols * this.table.rows;
    this.cellsFitted = 0;
    this.cellsReused = 0;
    this.samplesTaken = 0;
    this.samplesKept = 0;
    if (shape.kind === 'fitted') {
      const samples = this.reuse.samples(count * 3, arena);
      const kept = this.sampleChangedCells(bytes, samples, stamps, seq);
      if (kept) this.samplesKept = count - this.samplesTaken;
      else this.sample(bytes, samples);
      const start = writeFrameHeader(out, index, shape.headerBytes);
      // Kept: only the cells whose tiles changed can differ from the last samples.
      const end = this.reuse.fit(this.fitter!, s.cols, s.rows, s.mode, out, start, kept ? this.tiles.changed : null);
      // Only now are these samples the ones `reuse.carryLast` gives (fit swaps the buffers).
      this.sampledFrom = seq > 0 ? stamps : null;
      this.sampledSeq = seq;
      this.cellsFitted = s.cols * s.rows;
      this.cellsReused = this.reuse.reused;
      // One pass over the cells: a reduced fit's glyphs into the style's indices, and a split whose
      // two sides' means round (or truncate, in modes 2-4) to one colour drawn as a blank on it
      // (§8.2): its glyph, chosen by differences the colours no longer show, flipped from frame to
      // frame over a still near-flat area, and each flip cost the coded frame bytes.
      const map = this.remap;
      const blank = blankOf(shape.style.name);
      for (let o = start; o < end; o += 7) {
        if (out[o + 1] === out[o + 4] && out[o + 2] === out[o + 5] && out[o + 3] === out[o + 6]) out[o] = blank;
        else if (map) out[o] = map[out[o]!]!;
      }
      return end;
    }
    this.sample(bytes, this.rgb);
    switch (shape.kind) {
      case 'text':
        return writeTextFrame(this.rgb, s.cols, s.rows, index, out);
      case 'pixels':
        return writePixels(this.rgb, count, s.mode, out, writeFrameHeader(out, index, shape.headerBytes));
      case 'cells':
        return writeCells(this.rgb, count, s.mode, out, writeFrameHeader(out, index, shape.headerBytes));
    }
  }

  /** The table applied to `frame`: by the SIMD sampler where all three lie in its memory, else in JS. */
  private sample(frame: Uint8Array, out: Uint8Array): void {
    const table = this.table!;
    this.samplesTaken = table.cols * table.rows;
    const yuv = this.yuv;
    if (yuv) {
      this.sampledSimd = this.sampler?.sampleYuv(yuv, frame, out) ?? false;
      if (!this.sampledSimd) sampleCellsYuv(yuv, frame, out);
      return;
    }
    this.sampledSimd = this.sampler?.sample(table, frame, out) ?? false;
    if (!this.sampledSimd) sampleCells(table, frame, out);
  }

  /** The same for the `n` ranges of samples in `ranges` (from, end pairs) only. */
  private sampleRanges(frame: Uint8Array, out: Uint8Array, ranges: Int32Array, n: number): void {
    for (let i = 0; i < n; i++) this.samplesTaken += ranges[2 * i + 1]! - ranges[2 * i]!;
    const table = this.table!;
    const yuv = this.yuv;
    this.sampledSimd = (yuv ? this.sampler?.sampleYuvRanges(yuv, frame, out, ranges, n) : this.sampler?.sampleRanges(table, frame, out, ranges, n)) ?? false;
    if (this.sampledSimd) return;
    for (let i = 0; i < n; i++) {
      if (yuv) sampleCellsYuv(yuv, frame, out, ranges[2 * i]!, ranges[2 * i + 1]!);
      else sampleCells(table, frame, out, ranges[2 * i]!, ranges[2 * i + 1]!);
    }
  }

  private releaseRanges(): void {
    this.rangesStore.release();
    this.ranges = new Int32Array(0);
  }

  /** No samples kept to take again: the next fitted render samples every cell. */
  private forgetSamples(): void {
    this.sampledFrom = null;
    this.sampledSeq = 0;
    this.tilesOf = null;
  }

  /**
   * A fitted view's samples of frame `seq` into `into`, where the last render's samples (the frame
   * `sampledSeq` of the same ring, with this table) are kept for every cell whose tiles no frame
   * since has stamped, and the rest are sampled again; false (nothing done) where they cannot be
   * kept, or too many changed to gain by it: the caller samples every cell.
   */
  private sampleChangedCells(frame: Uint8Array, into: Uint8Array, stamps: TileStamps | null, seq: number): boolean {
    const last = this.sampledSeq;
    if (!stamps || seq === 0 || this.sampledFrom !== stamps || seq < last) return false;
    const table = this.table!;
    // Stamps of another grid than the frames the table reads cannot say which of its tiles changed.
    if (table.srcWidth !== stamps.tilesX * TILE || table.srcHeight !== stamps.tilesY * TILE) return false;
    const { subX, subY } = this.fitter!.style;
    const cols = table.cols / subX;
    const rows = table.rows / subY;
    const tiles = this.tiles;
    if (this.tilesOf !== stamps) {
      // Once per table and ring (2–3 ms for a 160×48 mosaic view): one-off, like the table.
      const setupStart = performance.now();
      const yuv = this.yuv;
      if (yuv) tiles.build(yuv.entries, yuv.taps + yuv.chroma, yuv.taps, 1, table.srcWidth, table.srcHeight, cols, rows, subX, subY, TILE, stamps.tilesX);
      else tiles.build(table.offsets, table.taps, table.taps, 3, table.srcWidth, table.srcHeight, cols, rows, subX, subY, TILE, stamps.tilesX);
      this.tilesOf = stamps;
      this.setupMs += performance.now() - setupStart;
    }
    // Only the rows of tiles some view reads are compared (frame-changes.ts).
    stamps.want(tiles.rowFrom, tiles.rowTo, seq);
    if (stamps.reset > last) return false;
    const changed = tiles.changedSince(stamps.stamps, last);
    if (changed > cols * rows * RESAMPLE_CHANGED_BELOW) return false;
    // The changed cells are sampled again below: their old samples need not be carried.
    this.reuse.carryLast(tiles.changed);
    if (changed === 0) return true;
    const flags = tiles.changed;
    const sampleCols = table.cols;
    const yuv = this.yuv !== null;
    // The runs' samples, a range per sample row of each (at most one run every other cell).
    const most = rows * subY * Math.ceil(cols / 2) * 2;
    // Empty after a move to another arena (the rebuild gave the old block back).
    if (this.ranges.length < most) this.ranges = this.rangesStore.int32(most, this.arena);
    const ranges = this.ranges;
    let n = 0;
    for (let cy = 0, rowStart = 0; cy < rows; cy++, rowStart += cols) {
      let cx = 0;
      while (cx < cols) {
        if (flags[rowStart + cx] === 0) {
          cx++;
          continue;
        }
        // A run of changed cells: cx … end − 1 (the runs go to the sampler as one list, so a
        // row scattered with changes costs no more calls than one with a single run).
        let end = cx + 1;
        while (end < cols && flags[rowStart + end] !== 0) end++;
        // 4:2:0: at least 4 samples a run where the row has them, the SIMD sampler's group (it
        // would take a shorter run in JS). The cells added read unchanged tiles: the same bytes.
        if (yuv && (end - cx) * subX < 4) end = Math.min(cols, cx + Math.ceil(4 / subX));
        for (let y = cy * subY, from = y * sampleCols + cx * subX; y < (cy + 1) * subY; y++, from += sampleCols, n++) {
          ranges[2 * n] = from;
          ranges[2 * n + 1] = from + (end - cx) * subX;
        }
        cx = end;
      }
    }
    this.sampleRanges(frame, into, ranges, n);
    return true;
  }
}

/**
 * Renderers by view key. A dragging viewer makes a new key every frame, so tables would pile up:
 * a renderer unused for IDLE_RENDERS renders is dropped, and the cache holds at most
 * RENDERERS_PER_VIEW times the most views one render had lately (at least MIN_RENDERERS), least
 * recently used going first. The bound follows the viewers: every view in use keeps its table
 * (no rebuild every frame past a fixed count, which was a cliff at 64 views), and the memory stays
 * in proportion to them (reported in /healthz `tables`).
 */
export const IDLE_RENDERS = 30;
export const MIN_RENDERERS = 64;
/** A view in use, and the one a drag just left (still within IDLE_RENDERS). */
export const RENDERERS_PER_VIEW = 2;
/** Evicted renderers kept to serve new views with their memory. */
const SPARE_RENDERERS = 8;

export class ViewRendererCache {
  /** Map order is insertion order; `get` re-inserts, so the first entry is the least recently used. */
  private readonly renderers = new Map<string, ViewRenderer>();
  private readonly spares: ViewRenderer[] = [];
  private clock = 0;
  /** Views per render over the last idleRenders renders (a ring), for the cap. */
  private readonly recentViews: Int32Array;

  constructor(
    private readonly idleRenders = IDLE_RENDERS,
    private readonly minRenderers = MIN_RENDERERS,
  ) {
    this.recentViews = new Int32Array(Math.max(1, idleRenders));
  }

  /** The most renderers kept now. */
  get capacity(): number {
    let most = 0;
    for (let i = 0; i < this.recentViews.length; i++) if (this.recentViews[i]! > most) most = this.recentViews[i]!;
    return Math.max(this.minRenderers, RENDERERS_PER_VIEW * most);
  }

  get(key: string, spec: ViewSpec): ViewRenderer {
    let r = this.renderers.get(key);
    if (r) {
      this.renderers.delete(key);
    } else {
      r = this.spares.pop();
      if (r) r.respec(spec);
      else r = new ViewRenderer(spec);
    }
    this.renderers.set(key, r);
    r.lastUsed = this.clock;
    return r;
  }

  /** Call once per render, with how many views it had. */
  tick(views: number): void {
    this.clock++;
    this.recentViews[this.clock % this.recentViews.length] = views;
    const capacity = this.capacity;
    for (const [key, r] of this.renderers) {
      if (this.renderers.size <= capacity && this.clock - r.lastUsed <= this.idleRenders) break;
      this.renderers.delete(key);
      if (this.spares.length < SPARE_RENDERERS) this.spares.push(r);
      else r.release();
    }
  }

  get size(): number {
    return this.renderers.size;
  }

  /** Every renderer and spare released (nobody watches: their tables would wait for a viewer who may never come). */
  clear(): void {
    for (const r of this.renderers.values()) r.release();
    for (const r of this.spares) r.release();
    this.renderers.clear();
    this.spares.length = 0;
  }

  /** Bytes of every table and scratch buffer held, spares included. */
  get bytes(): number {
    let total = 0;
    for (const r of this.renderers.values()) total += r.bytes;
    for (const r of this.spares) total += r.bytes;
    return total;
  }
}
