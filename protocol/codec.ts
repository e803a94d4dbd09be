/**
 * The adaptive codec (PROTOCOL-NOTES.md §3.2, §3.7): tags, quality levels, and the one decoder both
 * clients use. ASCILINE's four tags over a frame's units (a 4-byte cell, a 3-byte pixel, a 7-byte
 * fitted cell): RAW, ZLIB, DELTA onto the frame the client shows, and RLE_FULL runs.
 *
 * Inflating is the platform's (Node's zlib, the browser's DecompressionStream): the decoder takes
 * it as a function, sync or async, so this file stays platform-free.
 */
import { ProtocolError } from './errors.js';
import type { FrameKind } from './frame-shape.js';

/** `raw` untagged; `adaptive` ASCILINE's tagged ramp cells (§3.2); `tagged` every binary frame tagged (§3.7). */
export type Codec = 'raw' | 'adaptive' | 'tagged';

export const CODECS: readonly Codec[] = ['raw', 'adaptive', 'tagged'];

export function isCodec(value: unknown): value is Codec {
  return value === 'raw' || value === 'adaptive' || value === 'tagged';
}

/**
 * ASCILINE's tags 0-3 (§3.2); 5 and 6 are ascii360's own, sent only under codec=tagged (§3.7):
 * the frame as byte planes, each byte the difference from the one before it in its plane (5,
 * stands alone) or from the byte the client shows (6, patches it). Tag 4 is ASCILINE's DCT.
 */
export const Tag = { RAW: 0, ZLIB: 1, DELTA: 2, RLE_FULL: 3, PLANES: 5, PLANES_DELTA: 6 } as const;
export type TagValue = (typeof Tag)[keyof typeof Tag];

/** ASCILINE's periodic keyframe: every frame whose index is a multiple of this (codec=adaptive only). */
export const KEYFRAME_EVERY = 48;
/** Longest RLE_FULL run: its count is a u16. */
export const RUN_MAX = 0xffff;

/** How far a shown colour channel may stay from the true one before a delta carries the cell (§3.8). */
export const QUALITIES = { lossless: 0, high: 4, balanced: 8, low: 16 } as const;
export type Quality = keyof typeof QUALITIES;
export const QUALITY_NAMES = Object.keys(QUALITIES) as Quality[];
export const DEFAULT_QUALITY: Quality = 'balanced';

export function isQuality(value: unknown): value is Quality {
  return typeof value === 'string' && Object.hasOwn(QUALITIES, value);
}

export function unknownQualityReason(value: unknown): string {
  return `unknown quality ${JSON.stringify(String(value)).slice(0, 40)}; qualities: ${QUALITY_NAMES.join(', ')}`;
}

/** Whether frames of this kind carry a tag byte under `codec`: ASCILINE tags ramp cells only. */
export function isTagged(kind: FrameKind, codec: Codec): boolean {
  if (kind === 'text') return false;
  if (codec === 'tagged') return true;
  return codec === 'adaptive' && kind === 'cells';
}

/**
 * Inflates a zlib stream (RFC 1950), sync (Node) or async (DecompressionStream('deflate')); it
 * fails rather than produce more than `maxBytes` (a frame's largest body: no zlib bomb).
 */
export type Inflate = (data: Uint8Array, maxBytes: number) => Uint8Array | Promise<Uint8Array>;

function corrupt(reason: string): never {
  throw new ProtocolError('FRAME_CODEC', reason);
}

/**
 * One viewer's decoding state: the frame it shows, which DELTA patches. `decode` returns the whole
 * frame's units in a new array the caller owns: clients hold frames (the browser keeps them until
 * their sound is heard), as they hold each raw frame's message buffer. A frame that does not
 * decode throws (or rejects) a ProtocolError and leaves no frame shown, so the next DELTA fails too
 * until a keyframe comes: the client asks for one (§5 `keyframe`).
 */
export class FrameDecoder {
  private shown: Uint8Array | null = null;

  constructor(private readonly inflate: Inflate) {}

  /** Forget the shown frame (a new INIT: the next frame is a keyframe). */
  reset(): void {
    this.shown = null;
  }

  get hasBase(): boolean {
    return this.shown !== null;
  }

  /** Decodes a tagged frame's body (the bytes after the tag) into `units` units of `unitBytes`. */
  decode(tag: number, body: Uint8Array, units: number, unitBytes: number): Uint8Array | Promise<Uint8Array> {
    const size = units * unitBytes;
    if (tag === Tag.RAW) return this.take(this.raw(body, size));
    if (tag !== Tag.ZLIB && tag !== Tag.DELTA && tag !== Tag.RLE_FULL && tag !== Tag.PLANES && tag !== Tag.PLANES_DELTA) corrupt(`unknown frame tag ${tag}`);
    if ((tag === Tag.DELTA || tag === Tag.PLANES_DELTA) && !this.shown) corrupt('delta frame with no frame to patch');
    const base = this.shown;
    // Until this frame is done there is no trustworthy base: a failure below leaves none.
    this.shown = null;
    const done = (inflated: Uint8Array): Uint8Array => this.take(this.apply(tag, inflated, size, unitBytes, base));
    let inflated: Uint8Array | Promise<Uint8Array>;
    try {
      // The largest body a frame has: DELTA of every unit, indices included.
      inflated = this.inflate(body, units * (4 + unitBytes));
    } catch {
      corrupt('frame payload is not a valid zlib stream');
    }
    if (inflated instanceof Promise) {
      return inflated.then(done, () => corrupt('frame payload is not a valid zlib stream'));
    }
    return done(inflated);
  }

  private raw(body: Uint8Array, size: number): Uint8Array {
    if (body.length !== size) corrupt(`raw frame of ${body.length} bytes, expected ${size}`);
    const out = this.next(size);
    out.set(body);
    return out;
  }

  private apply(tag: number, data: Uint8Array, size: number, unit: number, base: Uint8Array | null): Uint8Array {
    const out = this.next(size);
    if (tag === Tag.ZLIB) {
      if (data.length !== size) corrupt(`zlib frame of ${data.length} bytes, expected ${size}`);
      out.set(data);
      return out;
    }
    if (tag === Tag.PLANES || tag === Tag.PLANES_DELTA) {
      if (data.length !== size) corrupt(`plane frame of ${data.length} bytes, expected ${size}`);
      const units = size / unit;
      if (tag === Tag.PLANES_DELTA && (!base || base.length !== size)) corrupt('delta frame with no frame to patch');
      for (let b = 0; b < unit; b++) {
        let p = b * units;
        if (tag === Tag.PLANES_DELTA) {
          for (let o = b; o < size; o += unit, p++) out[o] = (base![o]! + data[p]!) & 0xff;
        } else {
          let prev = 0;
          for (let o = b; o < size; o += unit, p++) out[o] = prev = (prev + data[p]!) & 0xff;
        }
      }
      return out;
    }
    if (tag === Tag.RLE_FULL) {
      const step = 2 + unit;
      if (data.length % step !== 0) corrupt('run-length frame is cut inside a run');
      let at = 0;
      for (let p = 0; p < data.length; p += step) {
        const count = data[p]! | (data[p + 1]! << 8);
        if (count === 0 || at + count * unit > size) corrupt('run-length frame runs past the frame');
        for (let k = 0; k < count; k++, at += unit) for (let b = 0; b < unit; b++) out[at + b] = data[p + 2 + b]!;
      }
      if (at !== size) corrupt(`run-length frame fills ${at / unit} of ${size / unit} units`);
      return out;
    }
    // DELTA: n u32 LE indices, then n units, patched onto the shown frame.
    if (!base || base.length !== size) corrupt('delta frame with no frame to patch');
    if (data.length % (4 + unit) !== 0) corrupt('delta frame is cut inside a unit');
    const n = data.length / (4 + unit);
    const units = size / unit;
    out.set(base);
    let v = n * 4;
    for (let i = 0; i < n; i++, v += unit) {
      const p = i * 4;
      const index = (data[p]! | (data[p + 1]! << 8) | (data[p + 2]! << 16) | (data[p + 3]! << 24)) >>> 0;
      if (index >= units) corrupt(`delta index ${index} is past the frame's ${units} units`);
      out.set(data.subarray(v, v + unit), index * unit);
    }
    return out;
  }

  private next(size: number): Uint8Array {
    return new Uint8Array(size);
  }

  private take(frame: Uint8Array): Uint8Array {
    this.shown = frame;
    return frame;
  }
}
