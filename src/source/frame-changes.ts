/**
 * Where a ring's frames changed: the picture in tiles of TILE × TILE pixels, each stamped with the
 * sequence number of the last delivered frame whose bytes there differ from the frame delivered
 * before it. A view that sampled frame m keeps the samples of every cell whose taps lie in tiles
 * stamped m or earlier: they would read the same bytes again (view-renderer.ts).
 *
 * Why: a still part of a video decodes to the same bytes frame after frame (an encoder codes it as
 * skipped blocks, which copy the reference exactly), and sampling reads every tap of every cell
 * again: 1.4–1.9 ms a frame for a 160×48 mosaic view, where the fit of the few changed cells
 * costs a tenth of that (fit-reuse.ts). The comparison here is one pass over two frames for every
 * view of them, made once as a frame is delivered.
 *
 * One writer, the main thread, as it delivers each frame; render threads read the stamps. A stamp
 * only grows, so a thread that reads one a later frame already wrote samples a cell it could have
 * kept: more work, never a stale cell. A delivered frame that cannot be compared with the one
 * before (its slot written again since, a ring without the comparison) stamps every tile at once
 * (`reset`).
 */
import { accBytes, ChangedCellsSimd } from '../shared/changed-blocks-simd.js';
import type { SlotLayout } from '../shared/frame-pixels.js';
import type { WasmArena } from '../shared/wasm-arena.js';
import { stampBytes, TILE, TileStamps } from '../shared/tile-stamps.js';

/**
 * Above this share of changed tiles (a moving camera, heavy noise) a comparison saves the views
 * little, and costs a pass over two frames (about 0.9 ms for a 3840×1920 4:2:0 frame here): the
 * next frames are not compared, at first one, doubling up to MAX_SKIP while it stays so.
 */
const MOSTLY_CHANGED = 0.6;
const MAX_SKIP = 32;

/** One plane's comparison: tiles of `rowBytes` × `rows` bytes, tilesX across; the plane in each slot, and `start` in the slot. */
interface PlaneScan {
  readonly rowBytes: number;
  readonly rows: number;
  readonly start: number;
  readonly inSlot: readonly Uint8Array[];
  readonly acc: Uint8Array;
  readonly count: Int32Array;
}

/** The writer: stamps tiles as frames are delivered (FrameRing.delivered). */
export class FrameChanges extends TileStamps {
  /** The last delivered frame's sequence number (the first is 1). */
  private seq = 0;
  /** Per slot, the sequence number of the frame it holds; 0 while it is written or holds none. */
  private readonly slotSeq: Int32Array;
  private lastSlot = -1;
  private readonly list: Int32Array;
  /** Frames still to deliver uncompared, and how many the last mostly changed frame set. */
  private skip = 0;
  private backoff = 0;
  /** Frames compared since the ring was made, for the bench and the tests. */
  compared = 0;

  private constructor(
    tilesX: number,
    tilesY: number,
    slots: number,
    private readonly scan: ChangedCellsSimd,
    private readonly planes: readonly PlaneScan[],
    list: Int32Array,
  ) {
    super(new SharedArrayBuffer(stampBytes(tilesX, tilesY)), tilesX, tilesY);
    this.slotSeq = new Int32Array(slots);
    this.list = list;
  }

  /**
   * The comparison for a ring of `slots` slots of width × height frames laid out as `layout`, in
   * `arena`'s memory; null where it cannot run there (no SIMD, a size not whole tiles): every cell
   * is then sampled every frame, as before.
   */
  static for(width: number, height: number, rgb: boolean, layout: SlotLayout, slots: readonly Uint8Array[], arena: WasmArena | null): FrameChanges | null {
    if (!arena || width % TILE !== 0 || height % TILE !== 0) return null;
    const scan = ChangedCellsSimd.over(arena);
    if (!scan) return null;
    const tilesX = width / TILE;
    const tilesY = height / TILE;
    const list = arena.int32(tilesX * tilesY);
    if (!list) return null;
    const shapes: [start: number, rowBytes: number, rows: number][] = rgb
      ? [[layout.planes[0]![0], TILE * 3, TILE]]
      : layout.planes.map(([start], i) => [start, i === 0 ? TILE : TILE / 2, i === 0 ? TILE : TILE / 2]);
    const planes: PlaneScan[] = [];
    for (const [start, rowBytes, rows] of shapes) {
      const accLength = accBytes(tilesX, rowBytes);
      const acc = arena.bytes(accLength);
      if (!acc) return null;
      const length = rowBytes * tilesX * rows * tilesY;
      const inSlot = slots.map((slot) => slot.subarray(start, start + length));
      planes.push({ rowBytes, rows, start, inSlot, acc, count: new Int32Array(acc.buffer, acc.byteOffset + accLength - 4, 1) });
    }
    return new FrameChanges(tilesX, tilesY, slots.length, scan, planes, list);
  }

  /** `slot` is being written with a new frame: it no longer holds the one it was stamped for. */
  overwritten(slot: number): void {
    this.slotSeq[slot] = 0;
  }

  /**
   * The frame in `slot` is delivered: stamps the tiles where it differs from the frame delivered
   * before, or every tile when that one's slot was written again; returns its sequence number.
   */
  delivered(slot: number): number {
    const seq = ++this.seq;
    const before = this.lastSlot;
    this.slotSeq[slot] = seq;
    this.lastSlot = slot;
    if (this.skip > 0) {
      this.skip--;
      this.stampAll(seq);
      return seq;
    }
    if (before < 0 || before === slot || this.slotSeq[before] !== seq - 1) {
      this.stampAll(seq);
      return seq;
    }
    // The rows of tiles some view wants compared, in bands; the others are stamped as changed.
    const { tilesX, tilesY, wanted, stamps } = this;
    let changed = 0;
    let compared = 0;
    for (let row = 0; row < tilesY; ) {
      if (wanted[row]! < seq) {
        stamps.fill(seq, row * tilesX, (row + 1) * tilesX);
        row++;
        continue;
      }
      let end = row + 1;
      while (end < tilesY && wanted[end]! >= seq) end++;
      const n = this.stampChanged(slot, before, row, end, seq);
      if (n < 0) {
        this.stampAll(seq);
        return seq;
      }
      changed += n;
      compared += (end - row) * tilesX;
      row = end;
    }
    if (compared === 0) return seq;
    this.compared++;
    if (changed > MOSTLY_CHANGED * compared) this.skip = this.backoff = Math.min(MAX_SKIP, Math.max(1, 2 * this.backoff));
    else this.backoff = 0;
    return seq;
  }

  /**
   * Stamps `seq` on every tile of rows `from`…`to` − 1 where slot `now` differs from slot `before`;
   * returns how many tiles of the first plane (luma, or RGB) differ, or -1 when the scan could not run.
   */
  private stampChanged(now: number, before: number, from: number, to: number, seq: number): number {
    const { tilesX, stamps, list } = this;
    const offset = from * tilesX;
    let first = -1;
    for (const p of this.planes) {
      const n = this.scan.scan(p.inSlot[now]!, p.inSlot[before]!, p.rowBytes, p.rows, tilesX, to - from, list, p.acc, p.count, from);
      if (n < 0) return -1;
      for (let i = 0; i < n; i++) stamps[offset + list[i]!] = seq;
      if (first < 0) first = n;
    }
    return first;
  }
}
