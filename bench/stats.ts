/** Small statistics for benchmarks: the machine is shared and noisy, so we report medians. */
import { EQUIRECT_FORMAT, type PictureFormat } from '../src/projection/layouts/index.js';
import { FrameRing } from '../src/source/frame-ring.js';
import { KR_KB, RGB24, type FramePixels, type SlotLayout } from '../src/shared/frame-pixels.js';

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
export function twinRing(frame: Uint8Array, w: number, h: number, format: PictureFormat = EQUIRECT_FORMAT, pixels: FramePixels = RGB24): FrameRing {
  const ring = new FrameRing(w, h, format, pixels, 2);
  const picture = frame.subarray(0, w * h * 3);
  const twin = changedTwin(picture);
  if (ring.format.pixels.kind === 'rgb24') {
    ring.slots[0]!.set(picture);
    ring.slots[1]!.set(twin);
  } else {
    writeYuv420(picture, w, h, ring.slots[0]!, ring.layout);
    writeYuv420(twin, w, h, ring.slots[1]!, ring.layout);
  }
  return ring;
}

/** An RGB24 picture as BT.601 limited-range 4:2:0 planes in a slot (chroma the mean of each 2×2), as a decoder would hand it over. */
export function writeYuv420(rgb: Uint8Array, w: number, h: number, slot: Uint8Array, layout: SlotLayout): void {
  const [u0, v0] = [layout.planes[1]![0], layout.planes[2]![0]];
  const [kr, kb] = KR_KB.bt601;
  const kg = 1 - kr - kb;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3;
      slot[y * w + x] = Math.round(16 + (219 / 255) * (kr * rgb[i]! + kg * rgb[i + 1]! + kb * rgb[i + 2]!));
    }
  }
  for (let y = 0; y < h; y += 2) {
    for (let x = 0; x < w; x += 2) {
      let r = 0, g = 0, b = 0;
      for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]] as const) {
        const i = ((y + dy) * w + x + dx) * 3;
        r += rgb[i]! / 4;
        g += rgb[i + 1]! / 4;
        b += rgb[i + 2]! / 4;
      }
      const c = (y / 2) * (w / 2) + x / 2;
      const luma = kr * r + kg * g + kb * b;
      slot[u0 + c] = Math.round(128 + (224 / 255) * ((b - luma) / (2 * (1 - kb))));
      slot[v0 + c] = Math.round(128 + (224 / 255) * ((r - luma) / (2 * (1 - kr))));
    }
  }
}
