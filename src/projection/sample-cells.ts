/**
 * Sampling tables applied to frames: per frame per view, each output sample the rounded mean of
 * its taps. The hot loop of the projection; integer arithmetic only, no allocation.
 */
import type { SamplingTable } from './projection.js';

/**
 * Throws unless `frame` holds what `table` reads and `out` what it writes (the SIMD sampler
 * reads and writes by address, unchecked, so it relies on this too); returns the sample count.
 */
export function checkSampling(table: SamplingTable, frame: Uint8Array, out: Uint8Array): number {
  const cells = table.cols * table.rows;
  if (out.length < cells * 3) {
    throw new RangeError(`sampleCells: out holds ${out.length} bytes, the table needs ${cells * 3}`);
  }
  if (frame.length < table.srcWidth * table.srcHeight * 3 + (table.readsBlack ? 3 : 0)) {
    throw new RangeError(
      `sampleCells: frame holds ${frame.length} bytes, not ${table.srcWidth}×${table.srcHeight} RGB24${table.readsBlack ? ' and the black pixel after it' : ''}`,
    );
  }
  if (table.offsets.length < cells * table.taps) throw new RangeError(`sampleCells: the table holds ${table.offsets.length} offsets, not ${cells * table.taps}`);
  return cells;
}

/** The end of samples from… to of `count` (to < 0: all), or a RangeError where they are not among them. */
export function checkRange(count: number, from: number, to: number): number {
  const end = to < 0 ? count : to;
  if (!(Number.isInteger(from) && Number.isInteger(end) && from >= 0 && from <= end && end <= count)) throw new RangeError(`sampling: samples ${from}…${to} are not among the table's ${count}`);
  return end;
}

/**
 * Writes cols·rows RGB triplets into `out`, each the rounded mean of its taps in `frame`; with
 * `from` and `to`, only samples from… up to (not including) to, each at its own place in `out`.
 */
export function sampleCells(table: SamplingTable, frame: Uint8Array, out: Uint8Array, from = 0, to = -1): void {
  const { offsets, taps } = table;
  const cells = checkRange(checkSampling(table, frame, out), from, to);

  if (taps === 1) {
    for (let c = from, d = from * 3; c < cells; c++, d += 3) {
      const s = offsets[c]!;
      out[d] = frame[s]!;
      out[d + 1] = frame[s + 1]!;
      out[d + 2] = frame[s + 2]!;
    }
    return;
  }

  if (taps === 4) {
    // The common 2×2 case, unrolled: about a fifth faster than the general loop.
    for (let c = from, t = from * 4, d = from * 3; c < cells; c++, t += 4, d += 3) {
      const s0 = offsets[t]!, s1 = offsets[t + 1]!, s2 = offsets[t + 2]!, s3 = offsets[t + 3]!;
      out[d] = (frame[s0]! + frame[s1]! + frame[s2]! + frame[s3]! + 2) >> 2;
      out[d + 1] = (frame[s0 + 1]! + frame[s1 + 1]! + frame[s2 + 1]! + frame[s3 + 1]! + 2) >> 2;
      out[d + 2] = (frame[s0 + 2]! + frame[s1 + 2]! + frame[s2 + 2]! + frame[s3 + 2]! + 2) >> 2;
    }
    return;
  }

  // Rounded mean = floor((sum + taps/2) / taps). The division is a multiply by ceil(2^16 / taps)
  // and a shift, exact for taps ≤ 16 and 8-bit channels (error < 0.07, less than 1/taps).
  const half = taps >> 1;
  const mul = Math.ceil(65536 / taps);
  for (let c = from, t0 = from * taps, d = from * 3; c < cells; c++, d += 3) {
    let r = half;
    let g = half;
    let b = half;
    for (const end = t0 + taps; t0 < end; t0++) {
      const s = offsets[t0]!;
      r += frame[s]!;
      g += frame[s + 1]!;
      b += frame[s + 2]!;
    }
    out[d] = (r * mul) >>> 16;
    out[d + 1] = (g * mul) >>> 16;
    out[d + 2] = (b * mul) >>> 16;
  }
}
