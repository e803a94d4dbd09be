/**
 * Which frame tiles each cell of a view reads (shared/tile-stamps.ts), from the view's table, and
 * so which cells a frame changed since the one the view sampled last: those whose tiles a later
 * frame stamped. The others' samples would be the same bytes again (view-renderer.ts keeps them).
 *
 * A cell's taps mostly lie in one tile or two neighbours (a mosaic cell spans about 7 × 13 working
 * pixels at the 1.6 pixels a sample fitted styles get, a tile 16 × 16), so each cell keeps the box
 * of tiles its taps fall in; a cell whose box is wider than MAX_SPAN tiles either way (taps on both
 * sides of an equirect's seam, or spread by a pole) counts as changed every frame.
 *
 * Each frame the view asks which cells changed. The answer is found from the tiles' side: the
 * distinct tiles the view reads, each with the cells that read it, so a still frame costs a check
 * of a few thousand tiles rather than of every cell's box (a tenth of a millisecond a mosaic view).
 */

/** Tiles a cell's box may span along each axis before the cell counts as changed every frame. */
const MAX_SPAN = 3;
/** In `first`: the cell counts as changed every frame. */
const ALWAYS = -1;

export class CellTiles {
  /** Per cell: 1 where the last `changedSince` found it changed. */
  changed = new Uint8Array(0);
  /** The distinct tiles any cell reads; for tile k, the cells reading it are readers[start[k]] … readers[start[k + 1] − 1]. */
  private tiles = new Int32Array(0);
  private start = new Int32Array(0);
  private readers = new Int32Array(0);
  /** The cells that count as changed every frame. */
  private always = new Int32Array(0);
  /** The first and last row of tiles any cell reads (to < from: none). */
  rowFrom = 0;
  rowTo = -1;
  private cells = 0;

  /** Bytes held. */
  get bytes(): number {
    return this.changed.byteLength + this.tiles.byteLength + this.start.byteLength + this.readers.byteLength + this.always.byteLength;
  }

  /**
   * The tiles of each of the cols × rows cells of subX × subY samples, from a table of `stride`
   * entries a sample whose first `taps` are the taps' offsets into a plane of width × height pixels
   * of `pixelBytes` bytes each (an offset past the plane reads the black bytes after it, which never
   * change), `tile` pixels a tile side, tilesX tiles a row.
   */
  build(entries: Int32Array, stride: number, taps: number, pixelBytes: number, width: number, height: number, cols: number, rows: number, subX: number, subY: number, tile: number, tilesX: number): void {
    const cells = cols * rows;
    if (this.changed.length < cells) this.changed = new Uint8Array(cells);
    this.cells = cells;
    // Per cell, its box (only while building: `index` turns the boxes into each tile's readers):
    // its first tile (row-major index) or ALWAYS, and its tiles across and down as across | down << 8.
    const first = new Int32Array(cells);
    const span = new Uint16Array(cells);
    const planeEnd = width * height * pixelBytes;
    this.rowFrom = Number.MAX_SAFE_INTEGER;
    this.rowTo = -1;
    const rowSamples = cols * subX;
    for (let cy = 0, cell = 0; cy < rows; cy++) {
      for (let cx = 0; cx < cols; cx++, cell++) {
        let x0 = width, y0 = height, x1 = -1, y1 = -1;
        for (let sy = 0; sy < subY; sy++) {
          let e = ((cy * subY + sy) * rowSamples + cx * subX) * stride;
          for (let sx = 0; sx < subX; sx++, e += stride) {
            for (let k = 0; k < taps; k++) {
              const o = entries[e + k]!;
              if (o >= planeEnd) continue;
              const p = (o / pixelBytes) | 0;
              const y = (p / width) | 0;
              const x = p - y * width;
              if (x < x0) x0 = x;
              if (x > x1) x1 = x;
              if (y < y0) y0 = y;
              if (y > y1) y1 = y;
            }
          }
        }
        if (x1 < 0) {
          // Every tap reads black: nothing a frame brings changes it.
          continue;
        }
        const tx0 = (x0 / tile) | 0, ty0 = (y0 / tile) | 0;
        const across = ((x1 / tile) | 0) - tx0 + 1;
        const down = ((y1 / tile) | 0) - ty0 + 1;
        if (ty0 < this.rowFrom) this.rowFrom = ty0;
        if (ty0 + down - 1 > this.rowTo) this.rowTo = ty0 + down - 1;
        if (across > MAX_SPAN || down > MAX_SPAN) {
          first[cell] = ALWAYS;
          continue;
        }
        first[cell] = ty0 * tilesX + tx0;
        span[cell] = across | (down << 8);
      }
    }
    this.index(first, span, tilesX);
  }

  /** The tiles' side of the boxes: each distinct tile read, and its readers. */
  private index(first: Int32Array, span: Uint16Array, tilesX: number): void {
    const cells = this.cells;
    const rowFrom = Math.max(0, this.rowFrom);
    const area = Math.max(0, this.rowTo - rowFrom + 1) * tilesX;
    // Readers per tile of the rows read, counted, then laid out tile after tile.
    const count = new Int32Array(area);
    let always = 0;
    for (let cell = 0; cell < cells; cell++) {
      const at = first[cell]!;
      if (at === ALWAYS) {
        always++;
        continue;
      }
      const s = span[cell]!;
      for (let j = 0, row = at - rowFrom * tilesX; j < s >> 8; j++, row += tilesX) for (let i = 0; i < (s & 0xff); i++) count[row + i]!++;
    }
    let distinct = 0;
    let entries = 0;
    for (let t = 0; t < area; t++) {
      if (count[t]! > 0) distinct++;
      entries += count[t]!;
    }
    this.tiles = new Int32Array(distinct);
    this.start = new Int32Array(distinct + 1);
    this.readers = new Int32Array(entries);
    this.always = new Int32Array(always);
    // slot[t]: where tile t's next reader goes in `readers`; k: its place among the distinct tiles.
    const slot = new Int32Array(area);
    for (let t = 0, k = 0, at = 0; t < area; t++) {
      if (count[t] === 0) continue;
      this.tiles[k] = rowFrom * tilesX + t;
      this.start[k] = at;
      slot[t] = at;
      at += count[t]!;
      this.start[++k] = at;
    }
    for (let cell = 0, a = 0; cell < cells; cell++) {
      const at = first[cell]!;
      if (at === ALWAYS) {
        this.always[a++] = cell;
        continue;
      }
      const s = span[cell]!;
      for (let j = 0, row = at - rowFrom * tilesX; j < s >> 8; j++, row += tilesX) for (let i = 0; i < (s & 0xff); i++) this.readers[slot[row + i]!++] = cell;
    }
  }

  /**
   * Marks in `changed` the cells with a tile that `stamps` (laid out as `build`'s tilesX said)
   * stamped after frame `seq`; returns how many.
   */
  changedSince(stamps: Int32Array, seq: number): number {
    const { changed, tiles, start, readers, always } = this;
    changed.fill(0, 0, this.cells);
    for (let a = 0; a < always.length; a++) changed[always[a]!] = 1;
    let n = always.length;
    for (let k = 0; k < tiles.length; k++) {
      if (stamps[tiles[k]!]! <= seq) continue;
      for (let r = start[k]!; r < start[k + 1]!; r++) {
        const cell = readers[r]!;
        if (changed[cell] === 0) {
          changed[cell] = 1;
          n++;
        }
      }
    }
    return n;
  }
}
