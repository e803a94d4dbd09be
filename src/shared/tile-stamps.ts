/**
 * A frame ring's tile stamps (source/frame-changes.ts writes them as frames are delivered) as any
 * thread reads them: for each TILE × TILE tile of the picture, the sequence number of the last
 * delivered frame that changed it. Render threads get the buffer with the ring (workers/messages.ts)
 * and say which rows of tiles their views read (`want`): only those are compared, the others are
 * stamped with every frame, as changed.
 */

/** Frames a row of tiles stays wanted after a view said so: a view renders every frame it can, a paused one less often. */
export const WANT_FRAMES = 30;

/** Tile side in pixels (luma pixels for 4:2:0): 16 rows of 16 luma bytes, 8 of 8 chroma bytes or of 48 RGB24 bytes, the widths the scan has code for. */
export const TILE = 16;

/** Bytes of the buffer for a grid of tilesX × tilesY tiles. */
export function stampBytes(tilesX: number, tilesY: number): number {
  return 4 * (1 + tilesX * tilesY + tilesY);
}

/** A ring's stamps over the SharedArrayBuffer the writer made: word 0 the last reset, a word per tile, then a word per row of tiles. */
export class TileStamps {
  /** Every tile's stamp, row-major, tilesX a row. */
  readonly stamps: Int32Array;
  /** Per row of tiles, the last frame a view wants it compared for. */
  protected readonly wanted: Int32Array;
  private readonly resetWord: Int32Array;

  constructor(
    readonly buffer: SharedArrayBuffer,
    readonly tilesX: number,
    readonly tilesY: number,
  ) {
    this.resetWord = new Int32Array(buffer, 0, 1);
    this.stamps = new Int32Array(buffer, 4, tilesX * tilesY);
    this.wanted = new Int32Array(buffer, 4 * (1 + tilesX * tilesY), tilesY);
  }

  /** A view sampling frame `seq` reads rows `from`…`to` of tiles (inclusive): have them compared for the next WANT_FRAMES frames. */
  want(from: number, to: number, seq: number): void {
    const until = seq + WANT_FRAMES;
    const wanted = this.wanted;
    for (let row = Math.max(0, from); row <= to && row < this.tilesY; row++) {
      // An atomic max: another thread may want the row for longer.
      for (let now = Atomics.load(wanted, row); now < until; now = Atomics.load(wanted, row)) if (Atomics.compareExchange(wanted, row, now, until) === now) break;
    }
  }

  /** The last frame that stamped every tile: nothing sampled before it can be kept. */
  get reset(): number {
    return Atomics.load(this.resetWord, 0);
  }

  protected stampAll(seq: number): void {
    Atomics.store(this.resetWord, 0, seq);
  }
}
