/**
 * The adaptive codec (PROTOCOL-NOTES.md §3.2, §3.7): tags, quality levels, and the one decoder both
 * clients use. ASCILINE's four tags over a frame's units (a 4-byte cell, a 3-byte pixel, a 7-byte
 * fitted cell): RAW, ZLIB, DELTA onto the frame the client shows, and RLE_FULL runs.
 *
 * Inflating is the platform's (Node's zlib, the browser's DecompressionStream): the decoder takes
 * it as a function, sync or async, so this file stays platform-free.
 */
import { ProtocolError, quoted } from './errors.js';
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
  return `unknown quality ${quoted(value)}; qualities: ${QUALITY_NAMES.join(', ')}`;
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

/** Handed-back frames kept for reuse: a client replaces one a frame, a burst a few more. */
const SPARE_FRAMES = 4;

function corrupt(reason: string): never {
  throw new ProtocolError('FRAME_CODEC', reason);
}

/**
 * One viewer's decoding state: the frame it shows, which DELTA patches. `decode` returns the whole
 * frame's units in an array the caller owns until it hands it back with `recycle`: clients hold
 * frames (the browser keeps them until their sound is heard), as they hold each raw frame's
 * message buffer, and hand each back once a newer one has replaced it on screen. A frame that does not
 * decode throws (or rejects) a ProtocolError and leaves no frame shown, so the next DELTA fails too
 * until a keyframe comes: the client asks for one (§5 `keyframe`).
 */
export class FrameDecoder {
  private shown: Uint8Array | null = null;
  /**
   * With an async inflate, the last frame's patch, which the next frame's inflate waits for
   * (frames are inflated and patched one at a time, in arrival order). Null when none is pending.
   */
  private pending: Promise<unknown> | null = null;
  /** Frames handed back by recycle(), and every frame this decoder made (only those are taken back). */
  private readonly spare: Uint8Array[] = [];
  private readonly made = new WeakSet<Uint8Array>();
  /** Bumped by reset(): patches still pending from before it neither show nor leave a base. */
  private epoch = 0;

  constructor(private readonly inflate: Inflate) {}

  /** Forget the shown frame and any frame still decoding (a new INIT, a lost frame: a keyframe comes next). */
  reset(): void {
    this.shown = null;
    this.epoch++;
  }

  get hasBase(): boolean {
    return this.shown !== null;
  }

  /**
   * Decodes a tagged frame's body (the bytes after the tag) into `units` units of `unitBytes`.
   * Sync when the inflate is and nothing is pending; otherwise a promise, settled in arrival order.
   */
  decode(tag: number, body: Uint8Array, units: number, unitBytes: number): Uint8Array | Promise<Uint8Array> {
    const size = units * unitBytes;
    if (tag !== Tag.RAW && tag !== Tag.ZLIB && tag !== Tag.DELTA && tag !== Tag.RLE_FULL && tag !== Tag.PLANES && tag !== Tag.PLANES_DELTA) corrupt(`unknown frame tag ${tag}`);
    const epoch = this.epoch;
    // The largest body a frame has: DELTA of every unit, indices included.
    const maxBytes = units * (4 + unitBytes);
    let inflated: Uint8Array | Promise<Uint8Array>;
    if (tag === Tag.RAW) {
      inflated = body;
    } else if (this.pending !== null) {
      // A burst is inflated one frame after another, each once the frame before it is shown: in
      // Chromium, 60 DecompressionStreams at once cost 0.83 ms a frame, one at a time 0.39.
      inflated = this.pending.then(() => this.inflate(body, maxBytes));
    } else {
      try {
        inflated = this.inflate(body, maxBytes);
      } catch {
        this.shown = null;
        corrupt('frame payload is not a valid zlib stream');
      }
    }
    const patch = (data: Uint8Array): Uint8Array => {
      if (epoch !== this.epoch) corrupt('frame decoded after a reset');
      try {
        return this.take(tag === Tag.RAW ? this.raw(data, size) : this.apply(tag, data, size, unitBytes, this.shown));
      } catch (error) {
        // A frame that fails leaves no base: what patches it must fail too, until a keyframe.
        this.shown = null;
        throw error;
      }
    };
    if (!(inflated instanceof Promise) && this.pending === null) return patch(inflated);
    const before = this.pending;
    const inflating = Promise.resolve(inflated).catch(() => corrupt('frame payload is not a valid zlib stream'));
    // Handled below once the frames before it are patched; until then this keeps it from counting as unhandled.
    inflating.catch(() => {});
    const done = (before ? before.then(() => inflating) : inflating).then(patch, (error: unknown) => {
      if (epoch === this.epoch) this.shown = null;
      throw error;
    });
    const settled = done.catch(() => {});
    this.pending = settled;
    void settled.then(() => {
      if (this.pending === settled) this.pending = null;
    });
    return done;
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
      // Plane bytes in order, a run of zeros written as 0, n (§3.7): walked once, straight into
      // the frame (plane b of unit u is byte b of the unit).
      const units = size / unit;
      const delta = tag === Tag.PLANES_DELTA;
      if (delta) {
        if (!base || base.length !== size) corrupt('delta frame with no frame to patch');
        out.set(base);
      }
      const p = delta ? patchPlanes(data, out, units, unit) : fillPlanes(data, out, units, unit);
      if (p !== size) corrupt(`plane frame fills ${p} of ${size} bytes`);
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

  /**
   * Hands `frame` (one this decoder returned) back once the caller no longer reads it (a client:
   * when a newer frame has replaced it on screen): the next frames are decoded into it. A new array
   * a frame cost more than the patch itself: 0.3 ms for a 112 KB frame on a cloud VM, its pages
   * faulted in afresh, against 0.005 ms to refill one already in use. Frames not handed back are
   * simply left to the garbage collector.
   */
  recycle(frame: Uint8Array): void {
    const spare = this.spare;
    if (spare.length >= SPARE_FRAMES || !this.made.has(frame) || spare.includes(frame)) return;
    spare.push(frame);
  }

  /** A frame of `size` bytes to decode into: a handed-back one (never the shown frame, the next patch's base), or a new one. */
  private next(size: number): Uint8Array {
    const spare = this.spare;
    for (let i = spare.length - 1; i >= 0; i--) {
      const frame = spare[i]!;
      if (frame === this.shown) continue;
      spare.splice(i, 1);
      // A spare of another shape (the frames before an INIT) is dropped on the way.
      if (frame.length === size) return frame;
    }
    const frame = new Uint8Array(size);
    this.made.add(frame);
    return frame;
  }

  private take(frame: Uint8Array): Uint8Array {
    this.shown = frame;
    return frame;
  }
}

/*
 * Plane bytes in order, a run of zeros written as 0, n (§3.7), walked once straight into the frame:
 * plane b's unit u is frame byte u·unit + b. Each returns how many plane bytes it filled, which the
 * caller checks against the frame. Two functions, so the per-byte loop carries no branch on the tag.
 */

/** PLANES_DELTA: each byte is added to the shown frame's (mod 256); a run of zeros leaves its bytes as they are. */
function patchPlanes(data: Uint8Array, out: Uint8Array, units: number, unit: number): number {
  const size = units * unit;
  const end = data.length;
  // p: bytes filled; o: where the next byte goes; left: bytes left in plane b.
  let p = 0;
  let o = 0;
  let b = 0;
  let left = units;
  for (let q = 0; q < end; ) {
    let v = data[q++]!;
    if (v !== 0) {
      if (left === 0) {
        if (++b >= unit) corrupt('plane frame runs past the frame');
        o = b;
        left = units;
      }
      // Literals come in stretches (a pan moves whole areas): taken in a loop of their own.
      const from = left;
      for (;;) {
        out[o]! += v;
        o += unit;
        if (--left === 0 || q >= end) break;
        v = data[q]!;
        if (v === 0) break;
        q++;
      }
      p += from - left;
      continue;
    }
    if (q >= end || data[q] === 0) corrupt('plane frame has a zero run with no length');
    let run = data[q++]!;
    if (p + run > size) corrupt('plane frame runs past the frame');
    p += run;
    // Skipped, on into the next planes while it lasts past this one.
    while (run > left) {
      run -= left;
      o = ++b;
      left = units;
    }
    o += run * unit;
    left -= run;
  }
  return p;
}

/** PLANES: each byte is the one before it in its plane plus this (mod 256, from 0); a run of zeros repeats the byte before it. */
function fillPlanes(data: Uint8Array, out: Uint8Array, units: number, unit: number): number {
  const size = units * unit;
  const end = data.length;
  let p = 0;
  let o = 0;
  let b = 0;
  let left = units;
  let prev = 0;
  for (let q = 0; q < end; ) {
    const v = data[q++]!;
    let run = 1;
    if (v === 0) {
      if (q >= end || data[q] === 0) corrupt('plane frame has a zero run with no length');
      run = data[q++]!;
    }
    if (p + run > size) corrupt('plane frame runs past the frame');
    p += run;
    while (run > 0) {
      if (left === 0) {
        o = ++b;
        left = units;
        prev = 0;
      }
      const step = run < left ? run : left;
      if (v !== 0) out[o] = prev = (prev + v) & 0xff;
      else for (let k = 0, x = o; k < step; k++, x += unit) out[x] = prev;
      o += step * unit;
      left -= step;
      run -= step;
    }
  }
  return p;
}
