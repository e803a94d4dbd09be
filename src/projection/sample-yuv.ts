/**
 * Sampling a 4:2:0 frame (source/frame-pixels.ts): a table's taps read luma, each sample reads one
 * chroma pair, and the sample is converted to RGB there, so the rest of the pipeline sees the same
 * RGB samples as from an RGB24 frame. A view converts a few hundred thousand samples a frame where
 * ffmpeg converted every pixel of the working frame.
 *
 * Why one chroma pair a sample: chroma has a quarter of luma's pixels, and a sample covers one or
 * two luma pixels across (the working size gives 1.6–2 a sample), so its taps almost always fall
 * in one or two chroma pixels; the pair at the taps' centre is what ffmpeg's own upsampling would
 * give within a level or two, at a third of the reads that averaging chroma over every tap takes.
 */
import type { SamplingTable } from './projection.js';
import { yuvCoefficients, type FramePixels, type SlotLayout, type YuvCoefficients } from '../shared/frame-pixels.js';

/**
 * A table for 4:2:0 frames: per sample, `taps` luma offsets, then the offset of its U (its V lies
 * `vFromU` further). Made from the RGB24 table the layouts build (sampling-table.ts).
 */
export interface YuvSamplingTable {
  readonly cols: number;
  readonly rows: number;
  readonly taps: number;
  /** cols·rows·(taps + 1) slot offsets. */
  readonly entries: Int32Array;
  readonly vFromU: number;
  /** The slot these offsets read: picture, planes and black bytes (frame-pixels.ts). */
  readonly slotBytes: number;
  readonly coefficients: YuvCoefficients;
}

/** `rgb`'s taps, for 4:2:0 frames of its size laid out as `slot`, into `storage` (a new array when absent). */
export function yuvTableOf(rgb: SamplingTable, pixels: FramePixels & { kind: 'yuv420p' }, slot: SlotLayout, storage?: (length: number) => Int32Array): YuvSamplingTable {
  const { cols, rows, taps, offsets, srcWidth: width, srcHeight: height } = rgb;
  const count = cols * rows;
  const stride = taps + 1;
  const entries = storage ? storage(count * stride) : new Int32Array(count * stride);
  const blackRgb = width * height * 3;
  const chromaWidth = width >> 1;
  const u0 = slot.planes[1]![0];
  for (let c = 0, t = 0, e = 0; c < count; c++) {
    let sx = 0;
    let sy = 0;
    let shown = 0;
    for (let k = 0; k < taps; k++, t++) {
      const o = offsets[t]!;
      if (o >= blackRgb) {
        entries[e++] = slot.black;
        continue;
      }
      const p = o / 3;
      const y = Math.floor(p / width);
      entries[e++] = p;
      sx += p - y * width;
      sy += y;
      shown++;
    }
    // The chroma pixel under the centre of the taps that show the picture; black's when none does.
    entries[e++] = shown === 0 ? slot.blackChroma : u0 + (Math.floor(sy / shown + 0.5) >> 1) * chromaWidth + (Math.floor(sx / shown + 0.5) >> 1);
  }
  return { cols, rows, taps, entries, vFromU: slot.vFromU, slotBytes: slot.slotBytes, coefficients: yuvCoefficients(pixels.matrix, pixels.range, taps) };
}

/** Throws unless `frame` and `out` hold what `table` reads and writes (the SIMD sampler relies on it too); returns the sample count. */
export function checkYuvSampling(table: YuvSamplingTable, frame: Uint8Array, out: Uint8Array): number {
  const count = table.cols * table.rows;
  if (out.length < count * 3) throw new RangeError(`sampleCellsYuv: out holds ${out.length} bytes, the table needs ${count * 3}`);
  if (frame.length < table.slotBytes) throw new RangeError(`sampleCellsYuv: frame holds ${frame.length} bytes, not the ${table.slotBytes} of its 4:2:0 slot`);
  if (table.entries.length < count * (table.taps + 1)) throw new RangeError(`sampleCellsYuv: the table holds ${table.entries.length} entries, not ${count * (table.taps + 1)}`);
  return count;
}

/**
 * Writes the RGB of samples `from`… of `table` into `out` (3 bytes each, at their own place): the
 * integer conversion of frame-pixels.ts, exactly as the SIMD sampler computes it.
 */
export function sampleCellsYuv(table: YuvSamplingTable, frame: Uint8Array, out: Uint8Array, from = 0): void {
  const count = checkYuvSampling(table, frame, out);
  const { entries, taps, vFromU } = table;
  const { y: ky, rv, gu, gv, bu, r0, g0, b0 } = table.coefficients;
  for (let c = from, e = from * (taps + 1), d = from * 3; c < count; c++, d += 3) {
    let s = 0;
    for (const end = e + taps; e < end; e++) s += frame[entries[e]!]!;
    const at = entries[e++]!;
    const u = frame[at]!;
    const v = frame[at + vFromU]!;
    const ys = s * ky;
    const r = (ys + v * rv + r0) >> 16;
    const g = (ys - u * gu - v * gv + g0) >> 16;
    const b = (ys + u * bu + b0) >> 16;
    out[d] = r < 0 ? 0 : r > 255 ? 255 : r;
    out[d + 1] = g < 0 ? 0 : g > 255 ? 255 : g;
    out[d + 2] = b < 0 ? 0 : b > 255 ? 255 : b;
  }
}
