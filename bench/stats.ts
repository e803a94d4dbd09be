/** Small statistics for benchmarks: the machine is shared and noisy, so we report medians. */
import { EQUIRECT_FORMAT, type PictureFormat } from '../src/projection/layouts/index.js';
import { FrameRing } from '../src/source/frame-ring.js';
import { RGB24 } from '../src/shared/frame-pixels.js';

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function percentile(values: readonly number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

export function fmt(n: number, digits = 2): string {
  return Number.isFinite(n) ? n.toFixed(digits) : 'n/a';
}

/**
 * `frame` with every byte one more (mod 256): each projected sample's mean moves too, so no cell's
 * samples repeat and a renderer fits every cell (src/quantise/fit-reuse.ts reuses the ones that
 * repeat). Per-frame costs alternate a frame and its twin to measure the full work.
 */
export function changedTwin(frame: Uint8Array): Uint8Array {
  const twin = new Uint8Array(frame.length);
  for (let i = 0; i < frame.length; i++) twin[i] = (frame[i]! + 1) & 0xff;
  return twin;
}

/**
 * A two-slot frame ring holding `frame` (w·h RGB24, without the black pixel) and its changed twin:
 * in the shared frame memory where the runtime has one, so renders sample with SIMD as the
 * server's workers do.
 */
export function twinRing(frame: Uint8Array, w: number, h: number, format: PictureFormat = EQUIRECT_FORMAT): FrameRing {
  const ring = new FrameRing(w, h, format, RGB24, 2);
  const picture = frame.subarray(0, w * h * 3);
  ring.slots[0]!.set(picture);
  ring.slots[1]!.set(changedTwin(picture));
  return ring;
}
