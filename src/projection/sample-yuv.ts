/**
 * Sampling a 4:2:0 frame (shared/frame-pixels.ts): a sample's taps read luma, up to CHROMA_TAPS of
 * them the chroma pair over them too, and the sums are converted to RGB there, so the rest of the
 * pipeline sees RGB samples as from an RGB24 frame. A view converts a few hundred thousand samples
 * a frame where ffmpeg converted every pixel of the working frame.
 *
 * How much chroma, measured on test/decode-quality.test.ts's detailed 4:2:0 frame (a view against
 * the area-averaged one; ffmpeg's RGB24 frames, whose chroma it upsamples bilinearly, 34.76 dB):
 * chroma of every tap 34.20 dB, of two (opposite corners of the taps) 33.96, of one under the
 * taps' centre 33.06. Every chroma read is two scattered loads in planes of their own: with every
 * tap, a mosaic view's sampling took 1.5× RGB24's on the bench, with two 1.3×.
 */
import type { SamplingTable } from './projection.js';
import { checkRange } from './sample-cells.js';
import { yuvCoefficients, type FramePixels, type SlotLayout, type YuvCoefficients } from '../shared/frame-pixels.js';

/**
 * A table for 4:2:0 frames: per sample, its `taps` luma offsets, then the U offsets of its `chroma`
 * chroma taps (each V lies `vFromU` further). Made from the RGB24 table the layouts build
 * (sampling-table.ts).
 */
export interface YuvSamplingTable {
  readonly cols: number;
  readonly rows: number;
  readonly taps: number;
  /** Taps whose chroma a sample reads (chromaTapsOf). */
  readonly chroma: number;
  /** cols·rows·(taps + chroma) slot offsets. */
  readonly entries: Int32Array;
  readonly vFromU: number;
  /** The slot these offsets read: picture, planes and black bytes (frame-pixels.ts). */
  readonly slotBytes: number;
  readonly coefficients: YuvCoefficients;
}

/** Most taps a sample reads chroma at. */
export const CHROMA_TAPS = 2;

/** The taps whose chroma a sample reads: all up to CHROMA_TAPS, else spread from the first to the last (opposite corners). */
function chromaTapsOf(taps: number): number[] {
  if (taps <= CHROMA_TAPS) return Array.from({ length: taps }, (_, i) => i);
  return Array.from({ length: CHROMA_TAPS }, (_, i) => Math.round((i * (taps - 1)) / (CHROMA_TAPS - 1)));
}

/** `rgb`'s taps, for 4:2:0 frames of its size laid out as `slot`, into `storage` (a new array when absent). */
export function yuvTableOf(rgb: SamplingTable, pixels: FramePixels & { kind: 'yuv420p' }, slot: SlotLayout, storage?: (length: number) => Int32Array): YuvSamplingTable {
  const { cols, rows, taps, offsets, srcWidth: width, srcHeight: height } = rgb;
  const count = cols * rows;
  const chromaTaps = chromaTapsOf(taps);
  const stride = taps + chromaTaps.length;
  const entries = storage ? storage(count * stride) : new Int32Array(count * stride);
  // The RGB24 frame's black pixel, past its picture (layout.ts), is the slot's black bytes here.
  const blackRgb = width * height * 3;
  const chromaWidth = width >> 1;
  const u0 = slot.planes[1]![0];
  for (let c = 0, t = 0, e = 0; c < count; c++, t += taps) {
    for (let k = 0; k < taps; k++) {
      const o = offsets[t + k]!;
      entries[e++] = o >= blackRgb ? slot.black : o / 3;
    }
    for (const k of chromaTaps) {
      const o = offsets[t + k]!;
      if (o >= blackRgb) {
        entries[e++] = slot.blackChroma;
        continue;
      }
      const p = o / 3;
      const y = Math.floor(p / width);
      entries[e++] = u0 + (y >> 1) * chromaWidth + ((p - y * width) >> 1);
    }
  }
  return { cols, rows, taps, chroma: chromaTaps.length, entries, vFromU: slot.vFromU, slotBytes: slot.slotBytes, coefficients: yuvCoefficients(pixels.matrix, pixels.range, taps, chromaTaps.length) };
}

/** Throws unless `frame` and `out` hold what `table` reads and writes (the SIMD sampler relies on it too); returns the sample count. */
export function checkYuvSampling(table: YuvSamplingTable, frame: Uint8Array, out: Uint8Array): number {
  const count = table.cols * table.rows;
  if (out.length < count * 3) throw new RangeError(`sampleCellsYuv: out holds ${out.length} bytes, the table needs ${count * 3}`);
  if (frame.length < table.slotBytes) throw new RangeError(`sampleCellsYuv: frame holds ${frame.length} bytes, not the ${table.slotBytes} of its 4:2:0 slot`);
  if (table.entries.length < count * (table.taps + table.chroma)) throw new RangeError(`sampleCellsYuv: the table holds ${table.entries.length} entries, not ${count * (table.taps + table.chroma)}`);
  return count;
}

/**
 * Writes the RGB of samples `from`… up to `to` (< 0: the last) of `table` into `out` (3 bytes each,
 * at their own place): the integer conversion of frame-pixels.ts on the taps' sums, exactly as the
 * SIMD sampler computes it.
 */
export function sampleCellsYuv(table: YuvSamplingTable, frame: Uint8Array, out: Uint8Array, from = 0, to = -1): void {
  const count = checkRange(checkYuvSampling(table, frame, out), from, to);
  const { entries, taps, chroma, vFromU } = table;
  const { y: ky, rv, gu, gv, bu, r0, g0, b0 } = table.coefficients;
  for (let c = from, e = from * (taps + chroma), d = from * 3; c < count; c++, d += 3) {
    let s = 0;
    for (const end = e + taps; e < end; e++) s += frame[entries[e]!]!;
    let u = 0;
    let v = 0;
    for (const end = e + chroma; e < end; e++) {
      const at = entries[e]!;
      u += frame[at]!;
      v += frame[at + vFromU]!;
    }
    const ys = s * ky;
    const r = (ys + v * rv + r0) >> 16;
    const g = (ys - u * gu - v * gv + g0) >> 16;
    const b = (ys + u * bu + b0) >> 16;
    out[d] = r < 0 ? 0 : r > 255 ? 255 : r;
    out[d + 1] = g < 0 ? 0 : g > 255 ? 255 : g;
    out[d + 2] = b < 0 ? 0 : b > 255 ? 255 : b;
  }
}
