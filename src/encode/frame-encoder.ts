/**
 * The adaptive codec's encoder for one distinct view (PROTOCOL-NOTES.md §3.2, §3.7, §3.8): it keeps
 * the frame the view's viewers show and sends what changed, in whichever of ASCILINE's tags is
 * smallest, never more than RAW.
 *
 * Every state the viewers can show has an id. A DELTA names the id it patches (its base); a viewer
 * whose last frame is not that base gets the keyframe of the same state instead (transport decides
 * per viewer; `needKey` asks for one). A cell is sent when its character or glyph changed or a
 * colour channel moved past the tolerance from what is shown, and then exactly: the shown frame
 * never drifts further than the tolerance from the true one.
 */
import { deflateSync } from 'node:zlib';
import { KEYFRAME_EVERY, RUN_MAX, Tag, writeFrameHeader } from '../../protocol/index.js';
import { HuffmanDeflater } from './huffman-deflate.js';

/** ASCILINE's zlib level (its browser decoder inflates with DecompressionStream('deflate')). */
const ZLIB_LEVEL = 3;
/**
 * Planes are runs of zeros and a few small values, their runs already packed (packZeros): Huffman
 * codes alone make them as small as zlib's run-length strategy did (which made them smaller than
 * its default search), since no run is left to match, and cost less both ways. They are written by
 * huffman-deflate.ts straight into the frame, not by zlib (why there).
 */
/** ASCILINE's encoder: DELTA is worth trying below this share of changed cells, ZLIB and RLE at or above the next. */
const DELTA_BELOW = 0.6;
const WHOLE_FROM = 0.1;
/** codec=tagged: below this share of changed cells a DELTA's index list beats planes of zeros. */
const FEW_CHANGED = 0.05;

/**
 * Ids of shown states, unique across the process's workers and their restarts: the render pool gives
 * each worker it starts a new generation (workerData), and ids count up within it.
 */
let idBase = 0;
let idCount = 0;
export function setIdGeneration(generation: number): void {
  idBase = generation * 2 ** 32;
  idCount = 0;
}
function nextId(): number {
  return idBase + ++idCount;
}

export interface EncodedFrame {
  /** Bytes written to `out`. */
  length: number;
  /** The id of the state this frame's DELTA patches, or -1 when it stands alone. */
  base: number;
  /** The id of the state a viewer shows after it. */
  id: number;
  /** Bytes of the keyframe written to `keyOut` (0: none was needed, or the frame stands alone). */
  keyLength: number;
}

export interface EncoderShape {
  units: number;
  unitBytes: number;
  /** Leading bytes of a unit compared exactly (the character or glyph); the rest are colour. */
  exactBytes: number;
  /** Colour tolerance per channel (QUALITIES). */
  tolerance: number;
  /** ASCILINE's periodic keyframe every KEYFRAME_EVERY indices (codec=adaptive). */
  periodicKeys: boolean;
  /** codec=tagged: ascii360's plane tags (PLANES, PLANES_DELTA) instead of ASCILINE's four. */
  planes?: boolean;
  /**
   * With planes: a colour past the tolerance moves by a multiple of 2·tolerance+1 toward the true
   * one, which lands within the tolerance in fewer distinct steps than the exact value (mode 5
   * only: the other modes' colours keep their truncated grid).
   */
  quantise?: boolean;
}

export class FrameEncoder {
  private readonly shown: Uint8Array;
  private hasShown = false;
  private run: number | undefined;
  private id = 0;
  /** Changed unit indices of the current frame. */
  private readonly changed: Uint32Array;
  /** A DELTA body (indices, then units) or RLE runs, before zlib. */
  private readonly scratch: Uint8Array;
  /** Planes with their zero runs packed (packZeros), before zlib: at most 1.5 bytes a byte (a zero between non-zeros takes 2). */
  private readonly packed: Uint8Array;
  /**
   * The move a colour makes toward a change d past the tolerance, at d + 255: d itself, or when
   * quantising the nearest multiple of step = 2·tolerance + 1, which is within the tolerance of d
   * (a table: a division per changed byte cost a fifth of the encode).
   */
  private readonly moveOf: Int16Array;
  /** The scratch buffer as words, for packZeros to cross zero runs four bytes at a time. */
  private readonly scratchWords: Uint32Array;
  /** Non-zero bytes the last packZeros kept. */
  private literals = 0;
  /** The residual pass for this shape (residualPass). */
  private readonly residuals: ResidualPass;
  private readonly huffman = new HuffmanDeflater();

  constructor(readonly shape: EncoderShape) {
    const { units, unitBytes } = shape;
    this.shown = new Uint8Array(units * unitBytes);
    this.changed = new Uint32Array(units);
    this.scratch = new Uint8Array(units * (4 + unitBytes));
    this.packed = new Uint8Array(Math.ceil(units * unitBytes * 1.5) + 2);
    this.scratchWords = new Uint32Array(this.scratch.buffer, 0, this.scratch.length >> 2);
    this.residuals = residualPass(unitBytes, shape.exactBytes);
    const tol = shape.tolerance;
    const step = shape.quantise && tol > 0 ? 2 * tol + 1 : 0;
    this.moveOf = new Int16Array(511);
    for (let d = -255; d <= 255; d++) {
      // 0 within the tolerance: the encoder's test for an unchanged byte is this one load.
      this.moveOf[d + 255] = d <= tol && d >= -tol ? 0 : step === 0 ? d : d > 0 ? Math.floor((d + tol) / step) * step : -Math.floor((tol - d) / step) * step;
    }
  }

  /** Bytes held. */
  get bytes(): number {
    return this.shown.byteLength + this.changed.byteLength + this.scratch.byteLength + this.packed.byteLength;
  }

  /**
   * Encodes `current` (the view's units for frame `index` of timeline run `run`) into `out`; with
   * `keyOut`, also the keyframe of the same state when `out` got a DELTA. `current` may be `out`'s
   * own body (the uncoded frame rendered in place): it is read in full before `out` is written.
   */
  encode(current: Uint8Array, index: number, run: number, out: Uint8Array, keyOut: Uint8Array | null): EncodedFrame {
    if (this.shape.planes) return this.encodePlanes(current, index, run, out, keyOut);
    const { units, unitBytes, periodicKeys } = this.shape;
    const base = this.id;
    const forced = !this.hasShown || run !== this.run || (periodicKeys && index % KEYFRAME_EVERY === 0);
    this.run = run;
    this.id = nextId();
    if (forced) {
      this.shown.set(current.subarray(0, units * unitBytes));
      this.hasShown = true;
      return { length: this.writeKey(out, index), base: -1, id: this.id, keyLength: 0 };
    }
    const n = this.diff(current);
    let best = Tag.RAW as number;
    let bestBody: Uint8Array | null = null;
    if (n < DELTA_BELOW * units) {
      bestBody = deflateSync(this.deltaBody(n), { level: ZLIB_LEVEL });
      best = Tag.DELTA;
    }
    if (n >= WHOLE_FROM * units) {
      const whole = this.smallestWhole();
      if (!bestBody || (whole.body && whole.body.length < bestBody.length)) {
        best = whole.tag;
        bestBody = whole.body;
      }
    }
    const tag = this.tagFor(best, bestBody);
    const length = this.writeFrame(out, index, tag, bestBody);
    if (tag !== Tag.DELTA) return { length, base: -1, id: this.id, keyLength: 0 };
    return { length, base, id: this.id, keyLength: keyOut ? this.writeKey(keyOut, index) : 0 };
  }

  /**
   * codec=tagged: the residual of every byte against the shown frame, by plane, as PLANES_DELTA:
   * unchanged cells are runs of zeros, a pan's small colour moves are small numbers, both of which
   * deflate far better than whole cells.
   */
  private encodePlanes(current: Uint8Array, index: number, run: number, out: Uint8Array, keyOut: Uint8Array | null): EncodedFrame {
    const { units, unitBytes } = this.shape;
    const base = this.id;
    const forced = !this.hasShown || run !== this.run;
    this.run = run;
    this.id = nextId();
    const shown = this.shown;
    if (forced) {
      shown.set(current.subarray(0, units * unitBytes));
      this.hasShown = true;
      return { length: this.writePlanesKey(out, index), base: -1, id: this.id, keyLength: 0 };
    }
    // Two passes: the residuals of every plane at once, a unit at a time (residualPass), then the
    // zero runs packed (packZeros). The residual pass reads the frames in order and writes each
    // plane in order, in code unrolled for the unit's size: one pass per plane, striding through
    // the frames, cost three times as much.
    const total = units * unitBytes;
    const planes = this.scratch;
    this.residuals(current, shown, planes, this.moveOf, units);
    const q = this.packZeros(planes, total);
    const nonZero = this.literals;
    // A few changed cells (a still scene, a small moving part) are cheaper as a DELTA's index list
    // than as planes that are nearly all zeros (deflate spends a byte per 258 of them). A changed
    // unit has 1 to unitBytes non-zero residuals, so the units are listed only when these are few.
    if (q > 0 && nonZero < FEW_CHANGED * total) {
      const changed = this.changed;
      let n = 0;
      for (let u = 0; u < units; u++) {
        let moved = 0;
        for (let b = 0, at = u; b < unitBytes; b++, at += units) moved |= planes[at]!;
        if (moved !== 0) changed[n++] = u;
      }
      if (n < FEW_CHANGED * units) {
        const body = deflateSync(this.deltaBody(n), { level: ZLIB_LEVEL });
        const tag = this.tagFor(Tag.DELTA, body);
        const length = this.writeFrame(out, index, tag, body);
        if (tag === Tag.RAW) return { length, base: -1, id: this.id, keyLength: 0 };
        return { length, base, id: this.id, keyLength: keyOut ? this.writePlanesKey(keyOut, index) : 0 };
      }
    }
    if (q === 0) return { length: this.writeFrame(out, index, Tag.RAW, null), base: -1, id: this.id, keyLength: 0 };
    const length = this.writePlanes(out, index, Tag.PLANES_DELTA, q);
    if (out[4] === Tag.RAW) return { length, base: -1, id: this.id, keyLength: 0 };
    return { length, base, id: this.id, keyLength: keyOut ? this.writePlanesKey(keyOut, index) : 0 };
  }

  /**
   * Writes frame `index` as `tag` with the first `length` bytes of the packed planes, Huffman coded,
   * or as RAW when they would not be smaller than the frame; returns the frame's length.
   */
  private writePlanes(out: Uint8Array, index: number, tag: number, length: number): number {
    const at = writeFrameHeader(out, index, 5);
    const end = length < this.shown.length ? this.huffman.deflate(this.packed.subarray(0, length), out, at, at + this.shown.length, true) : -1;
    if (end < 0) return this.writeFrame(out, index, Tag.RAW, null);
    out[4] = tag;
    return end;
  }

  /** The shown frame standing alone as PLANES (each byte less the one before it in its plane), or RAW when not smaller. */
  private writePlanesKey(out: Uint8Array, index: number): number {
    const { units, unitBytes } = this.shape;
    const shown = this.shown;
    const planes = this.scratch;
    for (let b = 0; b < unitBytes; b++) {
      let p = b * units;
      let prev = 0;
      for (let o = b; o < units * unitBytes; o += unitBytes, p++) {
        planes[p] = (shown[o]! - prev) & 0xff;
        prev = shown[o]!;
      }
    }
    const packed = this.packZeros(planes, units * unitBytes);
    return packed ? this.writePlanes(out, index, Tag.PLANES, packed) : this.writeFrame(out, index, Tag.RAW, null);
  }

  /** `tag`, or RAW when there is no body or it is not smaller than the frame: never more than RAW. */
  private tagFor(tag: number, body: Uint8Array | null): number {
    return body && body.length < this.shown.length ? tag : Tag.RAW;
  }

  /** Writes frame `index` as `tag` (from tagFor) with `body`, RAW being the shown frame itself; returns the length. */
  private writeFrame(out: Uint8Array, index: number, tag: number, body: Uint8Array | null): number {
    const at = writeFrameHeader(out, index, 5);
    out[4] = tag;
    const payload = tag === Tag.RAW ? this.shown : body!;
    out.set(payload, at);
    return at + payload.length;
  }

  /**
   * The first `length` bytes of `planes` (the scratch buffer) with each run of zeros written as
   * 0, n (n = 1–255; longer runs take several pairs), other bytes as they are: the planes are
   * mostly zeros (on the bench's pan 77–85 %), so the coder reads and the client inflates about a
   * third of the bytes. A run is crossed four bytes at a time where it covers whole words. Returns
   * how many bytes it packed into `packed` (and counts the literals in `literals`, each byte value
   * in the Huffman coder's counts); 0 when packing would not make it smaller than the frame.
   */
  private packZeros(planes: Uint8Array, length: number): number {
    const out = this.packed;
    const words = this.scratchWords;
    const wordEnd = length >> 2;
    // The Huffman coder's byte counts, taken here as the bytes are written (writePlanes).
    const counts = this.huffman.counts;
    counts.fill(0);
    let q = 0;
    let i = 0;
    let literals = 0;
    while (i < length) {
      const v = planes[i]!;
      if (v !== 0) {
        if (q + 1 > length) return 0;
        out[q++] = v;
        counts[v]!++;
        literals++;
        i++;
        continue;
      }
      let j = i + 1;
      while ((j & 3) !== 0 && j < length && planes[j] === 0) j++;
      if ((j & 3) === 0) {
        let w = j >> 2;
        while (w < wordEnd && words[w] === 0) w++;
        j = w << 2;
        while (j < length && planes[j] === 0) j++;
      }
      let run = j - i;
      i = j;
      for (; run > 0; run -= 255) {
        if (q + 2 > length) return 0;
        const n = run < 255 ? run : 255;
        out[q++] = 0;
        out[q++] = n;
        counts[0]!++;
        counts[n]!++;
      }
    }
    this.literals = literals;
    return q;
  }

  /** Marks the units that changed past the tolerance and copies them into the shown frame; returns how many. */
  private diff(current: Uint8Array): number {
    const { units, unitBytes, exactBytes, tolerance } = this.shape;
    const shown = this.shown;
    const changed = this.changed;
    let n = 0;
    for (let u = 0, o = 0; u < units; u++, o += unitBytes) {
      let moved = false;
      for (let b = 0; b < exactBytes; b++) if (current[o + b] !== shown[o + b]) moved = true;
      if (!moved) {
        for (let b = exactBytes; b < unitBytes; b++) {
          const d = current[o + b]! - shown[o + b]!;
          if (d > tolerance || d < -tolerance) {
            moved = true;
            break;
          }
        }
      }
      if (moved) {
        changed[n++] = u;
        for (let b = 0; b < unitBytes; b++) shown[o + b] = current[o + b]!;
      }
    }
    return n;
  }

  /** DELTA's body before zlib: n u32 LE indices, then the n units. */
  private deltaBody(n: number): Uint8Array {
    const { unitBytes } = this.shape;
    const s = this.scratch;
    const changed = this.changed;
    let p = 0;
    for (let i = 0; i < n; i++, p += 4) {
      const u = changed[i]!;
      s[p] = u & 0xff;
      s[p + 1] = (u >>> 8) & 0xff;
      s[p + 2] = (u >>> 16) & 0xff;
      s[p + 3] = u >>> 24;
    }
    for (let i = 0; i < n; i++) {
      const o = changed[i]! * unitBytes;
      for (let b = 0; b < unitBytes; b++) s[p++] = this.shown[o + b]!;
    }
    return s.subarray(0, p);
  }

  /** RLE_FULL's body before zlib, or null when it would not be smaller than the frame itself. */
  private runs(): Uint8Array | null {
    const { units, unitBytes } = this.shape;
    const shown = this.shown;
    const s = this.scratch;
    const limit = units * unitBytes;
    let p = 0;
    let u = 0;
    while (u < units) {
      const o = u * unitBytes;
      let count = 1;
      while (u + count < units && count < RUN_MAX && sameUnit(shown, o, o + count * unitBytes, unitBytes)) count++;
      if (p + 2 + unitBytes >= limit) return null;
      s[p] = count & 0xff;
      s[p + 1] = count >>> 8;
      for (let b = 0; b < unitBytes; b++) s[p + 2 + b] = shown[o + b]!;
      p += 2 + unitBytes;
      u += count;
    }
    return s.subarray(0, p);
  }

  /** The smaller of ZLIB and RLE_FULL for the shown frame as a whole. */
  private smallestWhole(): { tag: number; body: Uint8Array } {
    const zlib = deflateSync(this.shown, { level: ZLIB_LEVEL });
    const runs = this.runs();
    const rle = runs ? deflateSync(runs, { level: ZLIB_LEVEL }) : null;
    return rle && rle.length < zlib.length ? { tag: Tag.RLE_FULL, body: rle } : { tag: Tag.ZLIB, body: zlib };
  }

  /** The shown frame as a frame that stands alone: the smallest of ZLIB, RLE_FULL and RAW. */
  private writeKey(out: Uint8Array, index: number): number {
    const whole = this.smallestWhole();
    return this.writeFrame(out, index, this.tagFor(whole.tag, whole.body), whole.body);
  }
}

/**
 * Writes the residual of every byte of `current` against `shown` into `planes`, plane by plane
 * (plane b's unit u at b·units + u), and moves `shown` to what the viewer will show: exact bytes
 * (characters, glyphs) to the current ones, colours by `moveOf` (0 within the tolerance; see
 * FrameEncoder.moveOf), kept within 0–255.
 */
type ResidualPass = (current: Uint8Array, shown: Uint8Array, planes: Uint8Array, moveOf: Int16Array, units: number) => void;

const RESIDUAL_PASSES = new Map<string, ResidualPass>();

/**
 * The residual pass for units of `unitBytes` whose first `exactBytes` are exact, compiled once per
 * shape with the unit's bytes unrolled: with a constant offset per byte, V8 keeps the frames' reads
 * in order and each plane's writes in order (three times faster than a loop over the unit's bytes).
 */
function residualPass(unitBytes: number, exactBytes: number): ResidualPass {
  const key = `${unitBytes}:${exactBytes}`;
  let pass = RESIDUAL_PASSES.get(key);
  if (pass) return pass;
  const body: string[] = [];
  for (let b = 0; b < unitBytes; b++) {
    const at = b === 0 ? 'u' : `${b} * units + u`;
    if (b < exactBytes) {
      body.push(`c = current[o + ${b}]; planes[${at}] = (c - shown[o + ${b}]) & 255; shown[o + ${b}] = c;`);
    } else {
      body.push(`w = shown[o + ${b}]; v = w + moveOf[current[o + ${b}] - w + 255]; v = v < 0 ? 0 : v > 255 ? 255 : v; planes[${at}] = (v - w) & 255; shown[o + ${b}] = v;`);
    }
  }
  pass = new Function('current', 'shown', 'planes', 'moveOf', 'units', `
    let c = 0, w = 0, v = 0;
    for (let u = 0, o = 0; u < units; u++, o += ${unitBytes}) {
      ${body.join('\n      ')}
    }`) as ResidualPass;
  RESIDUAL_PASSES.set(key, pass);
  return pass;
}

function sameUnit(a: Uint8Array, i: number, j: number, unitBytes: number): boolean {
  for (let b = 0; b < unitBytes; b++) if (a[i + b] !== a[j + b]) return false;
  return true;
}
