/**
 * Projected RGB samples → wire payloads (PROTOCOL-NOTES.md §3, §4). Pure functions over
 * preallocated buffers: these run per frame per distinct view, so they allocate nothing.
 */
import { channelMask, LUMA_TO_RAMP, MODE_MONO, type Mode } from '../../protocol/index.js';

/**
 * `[char, R, G, B]` cells: the character from BT.601 luma of the unquantised colour, the colour
 * truncated to the mode's bits. Writes `count` cells at `offset` and returns the end offset.
 */
export function writeCells(rgb: Uint8Array, count: number, mode: Mode, out: Uint8Array, offset: number): number {
  const mask = channelMask(mode);
  let o = offset;
  for (let i = 0, s = 0; i < count; i++, s += 3) {
    const r = rgb[s]!;
    const g = rgb[s + 1]!;
    const b = rgb[s + 2]!;
    out[o] = LUMA_TO_RAMP[(4899 * r + 9617 * g + 1868 * b + 8192) >> 14]!;
    out[o + 1] = r & mask;
    out[o + 2] = g & mask;
    out[o + 3] = b & mask;
    o += 4;
  }
  return o;
}

/**
 * BGR pixels for half-block frames. Colour modes truncate as for cells; mode 1 sends grey (luma in
 * every channel) so a monochrome viewer still gets a picture.
 */
export function writePixels(rgb: Uint8Array, count: number, mode: Mode, out: Uint8Array, offset: number): number {
  let o = offset;
  if (mode === MODE_MONO) {
    for (let i = 0, s = 0; i < count; i++, s += 3) {
      const y = (4899 * rgb[s]! + 9617 * rgb[s + 1]! + 1868 * rgb[s + 2]! + 8192) >> 14;
      out[o] = y;
      out[o + 1] = y;
      out[o + 2] = y;
      o += 3;
    }
    return o;
  }
  const mask = channelMask(mode);
  for (let i = 0, s = 0; i < count; i++, s += 3) {
    out[o] = rgb[s + 2]! & mask;
    out[o + 1] = rgb[s + 1]! & mask;
    out[o + 2] = rgb[s]! & mask;
    o += 3;
  }
  return o;
}

/** Mode 1: `"{index}\n"` then the rows joined by `\n`, as ASCII bytes. Returns the byte length. */
export function writeTextFrame(rgb: Uint8Array, cols: number, rows: number, index: number, out: Uint8Array): number {
  // The index in decimal without making a string: digits backwards into a scratch position.
  let o = 0;
  let n = index >>> 0;
  let digits = 1;
  for (let t = n; t >= 10; t = Math.floor(t / 10)) digits++;
  for (let d = digits - 1; d >= 0; d--) {
    out[d] = 48 + (n % 10);
    n = Math.floor(n / 10);
  }
  o = digits;
  out[o++] = 10;
  for (let y = 0, s = 0; y < rows; y++) {
    if (y > 0) out[o++] = 10;
    for (let x = 0; x < cols; x++, s += 3) {
      out[o++] = LUMA_TO_RAMP[(4899 * rgb[s]! + 9617 * rgb[s + 1]! + 1868 * rgb[s + 2]! + 8192) >> 14]!;
    }
  }
  return o;
}
