/**
 * The adaptive codec (PROTOCOL-NOTES.md §3.2, §3.7, §3.8): the server's encoder against a decoder
 * written here from PROTOCOL-NOTES alone, and against protocol/'s FrameDecoder, on frames made to
 * call for each tag; tolerance, keyframes, and bad frames.
 */
import { deflateSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FrameDecoder, KEYFRAME_EVERY, ProtocolError, Tag } from '../protocol/index.js';
import { FrameEncoder, type EncoderShape } from '../src/encode/frame-encoder.js';
import { notesDecode } from './helpers/notes-decoder.js';

/** A seeded generator, so a failure repeats. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const COLS = 40;
const ROWS = 12;
const UNITS = COLS * ROWS;

function shapeOf(unitBytes: number, tolerance: number, periodicKeys = false, planes = false): EncoderShape {
  return { units: UNITS, unitBytes, exactBytes: unitBytes === 3 ? 0 : 1, tolerance, periodicKeys, planes, quantise: planes };
}

/** A smooth picture: gradients with a character per cell from its brightness, moved by `shift` columns. */
function smooth(unitBytes: number, shift: number): Uint8Array {
  const f = new Uint8Array(UNITS * unitBytes);
  for (let y = 0; y < ROWS; y++) {
    for (let x = 0; x < COLS; x++) {
      const o = (y * COLS + x) * unitBytes;
      const v = ((x + shift) * 6 + y * 9) & 0xff;
      for (let b = 0; b < unitBytes; b++) f[o + b] = b === 0 && unitBytes !== 3 ? 32 + (v >> 3) : (v + b * 40) & 0xff;
    }
  }
  return f;
}

function noise(unitBytes: number, rnd: () => number): Uint8Array {
  return Uint8Array.from({ length: UNITS * unitBytes }, () => Math.floor(rnd() * 256));
}

/** Runs frames through an encoder and both decoders; returns the tags used and the frames shown. */
function roundTrip(unitBytes: number, tolerance: number, frames: Uint8Array[], periodicKeys = false, planes = false): { tags: number[]; shown: Uint8Array[] } {
  const encoder = new FrameEncoder(shapeOf(unitBytes, tolerance, periodicKeys, planes));
  const decoder = new FrameDecoder((d, max) => inflateSync(d, { maxOutputLength: max }));
  const capacity = 5 + UNITS * unitBytes;
  let notesShown: Uint8Array | null = null;
  const tags: number[] = [];
  const shown: Uint8Array[] = [];
  frames.forEach((frame, i) => {
    const out = new Uint8Array(capacity);
    const coded = encoder.encode(frame, i + 1, 0, out, null);
    expect(coded.length).toBeLessThanOrEqual(capacity);
    const bytes = out.subarray(0, coded.length);
    const mine = notesDecode(bytes, notesShown, UNITS, unitBytes);
    notesShown = mine.cells;
    expect(mine.index).toBe(i + 1);
    const theirs = decoder.decode(bytes[4]!, bytes.subarray(5), UNITS, unitBytes) as Uint8Array;
    expect(Buffer.from(theirs).equals(Buffer.from(mine.cells))).toBe(true);
    tags.push(mine.tag);
    shown.push(mine.cells);
  });
  return { tags, shown };
}

/** Largest channel error and count of character mismatches between the true frame and the one shown. */
function errors(truth: Uint8Array, shown: Uint8Array, unitBytes: number): { colour: number; chars: number } {
  let colour = 0, chars = 0;
  for (let i = 0; i < truth.length; i++) {
    const exact = unitBytes !== 3 && i % unitBytes === 0;
    if (exact) chars += truth[i] !== shown[i] ? 1 : 0;
    else colour = Math.max(colour, Math.abs(truth[i]! - shown[i]!));
  }
  return { colour, chars };
}

describe('adaptive codec', () => {
  it('uses every tag where it is smallest, and both decoders agree with the notes', () => {
    const rnd = random(7);
    const flat = new Uint8Array(UNITS * 4).fill(0).map((_, i) => (i % 4 === 0 ? 64 : 200));
    const slightly = Uint8Array.from(flat);
    for (let k = 0; k < 5; k++) slightly.set([35, 10, 20, 30], Math.floor(rnd() * UNITS) * 4);
    const frames = [flat, slightly, smooth(4, 0), noise(4, rnd), smooth(4, 3)];
    const { tags, shown } = roundTrip(4, 0, frames);
    // A flat frame is one run; five cells changed is a DELTA; random bytes do not compress.
    expect(tags[0]).toBe(Tag.RLE_FULL);
    expect(tags[1]).toBe(Tag.DELTA);
    expect(tags[3]).toBe(Tag.RAW);
    expect(tags).toContain(Tag.ZLIB);
    frames.forEach((f, i) => expect(Buffer.from(shown[i]!).equals(Buffer.from(f))).toBe(true));
  });

  it('codec=tagged: PLANES stands alone, PLANES_DELTA patches, a few changed cells go as a DELTA', () => {
    const rnd = random(11);
    // Two flat halves: planes of differences are nearly all zeros.
    const first = new Uint8Array(UNITS * 4);
    for (let u = 0; u < UNITS; u++) first.set(u % COLS < COLS / 2 ? [64, 200, 40, 10] : [35, 20, 90, 180], u * 4);
    const few = Uint8Array.from(first);
    for (let k = 0; k < 5; k++) few.set([36, 10, 20, 30], Math.floor(rnd() * UNITS) * 4);
    // A block of rows brightens, then another: a tenth and more of the cells, the rest as they were.
    const brighten = (from: Uint8Array, row0: number): Uint8Array => {
      const f = Uint8Array.from(from);
      for (let u = row0 * COLS; u < (row0 + 3) * COLS; u++) for (let c = 1; c < 4; c++) f[u * 4 + c] = Math.min(255, f[u * 4 + c]! + 40);
      return f;
    };
    const third = brighten(few, 2);
    const frames = [first, few, third, brighten(third, 7)];
    const { tags, shown } = roundTrip(4, 0, frames, false, true);
    expect(tags).toEqual([Tag.PLANES, Tag.DELTA, Tag.PLANES_DELTA, Tag.PLANES_DELTA]);
    frames.forEach((f, i) => expect(Buffer.from(shown[i]!).equals(Buffer.from(f))).toBe(true));
  });

  for (const [name, unitBytes, planes] of [['ramp cells', 4, false], ['pixels', 3, false], ['fitted cells', 7, false], ['ramp cells in planes', 4, true], ['pixels in planes', 3, true], ['fitted cells in planes', 7, true]] as const) {
    it(`${name}: characters exact and colours within the tolerance on a moving picture, at every quality`, () => {
      for (const tolerance of [0, 4, 8, 16]) {
        const rnd = random(tolerance + unitBytes);
        const frames: Uint8Array[] = [];
        let base = smooth(unitBytes, 0);
        for (let i = 0; i < 40; i++) {
          // Drift: most colours creep by a step or two a frame (what a slow pan or noise does), a few cells jump.
          const next = Uint8Array.from(base);
          for (let j = 0; j < next.length; j++) if (unitBytes === 3 || j % unitBytes !== 0) next[j] = Math.max(0, Math.min(255, next[j]! + Math.floor(rnd() * 5) - 2));
          for (let k = 0; k < 10; k++) next[Math.floor(rnd() * UNITS) * unitBytes] = Math.floor(rnd() * 256);
          frames.push(next);
          base = next;
        }
        const { shown } = roundTrip(unitBytes, tolerance, frames, false, planes);
        frames.forEach((f, i) => {
          const e = errors(f, shown[i]!, unitBytes);
          expect(e.chars).toBe(0);
          expect(e.colour).toBeLessThanOrEqual(tolerance);
        });
      }
    });
  }

  it('a looser quality sends fewer bytes for the same drifting picture', () => {
    const sizes = [0, 8, 16].map((tolerance) => {
      const encoder = new FrameEncoder(shapeOf(4, tolerance));
      const rnd = random(3);
      let frame = smooth(4, 0);
      let bytes = 0;
      for (let i = 0; i < 30; i++) {
        frame = frame.map((v, j) => (j % 4 === 0 ? v : Math.max(0, Math.min(255, v + Math.floor(rnd() * 7) - 3))));
        const out = new Uint8Array(5 + UNITS * 4);
        bytes += encoder.encode(frame, i + 1, 0, out, null).length;
      }
      return bytes;
    });
    expect(sizes[1]!).toBeLessThan(sizes[0]!);
    expect(sizes[2]!).toBeLessThan(sizes[1]!);
  });

  it('keyframes: the first frame, a new run (a seek), ASCILINE every 48 indices, and one made beside a DELTA', () => {
    const encoder = new FrameEncoder(shapeOf(4, 8, true));
    const out = new Uint8Array(5 + UNITS * 4);
    const key = new Uint8Array(5 + UNITS * 4);
    const picture = smooth(4, 0);
    const first = encoder.encode(picture, 95, 0, out, key);
    expect(first.base).toBe(-1);
    const second = encoder.encode(picture, KEYFRAME_EVERY * 2 - 1, 0, out, key);
    expect(out[4]).toBe(Tag.DELTA);
    expect(second.base).toBe(first.id);
    // The keyframe of the same state stands alone and shows what the DELTA leads to.
    expect(second.keyLength).toBeGreaterThan(0);
    expect([Tag.RAW, Tag.ZLIB, Tag.RLE_FULL]).toContain(key[4]);
    const periodic = encoder.encode(picture, KEYFRAME_EVERY * 2, 0, out, key);
    expect(periodic.base).toBe(-1);
    expect(encoder.encode(picture, KEYFRAME_EVERY * 2 + 1, 0, out, null).base).toBe(periodic.id);
    expect(encoder.encode(picture, 3, 1, out, null).base).toBe(-1);
    // Without ASCILINE's rule (codec=tagged) index 96 is just another frame.
    const tagged = new FrameEncoder(shapeOf(4, 8, false));
    tagged.encode(picture, 95, 0, out, null);
    expect(tagged.encode(picture, 96, 0, out, null).base).not.toBe(-1);
  });

  it('a still picture costs a few bytes a frame', () => {
    const encoder = new FrameEncoder(shapeOf(7, 8));
    const out = new Uint8Array(5 + UNITS * 7);
    const picture = smooth(7, 0);
    encoder.encode(picture, 0, 0, out, null);
    for (let i = 1; i < 10; i++) expect(encoder.encode(picture, i, 0, out, null).length).toBeLessThan(16);
  });

  it('handed-back frames are decoded into again, never the shown frame or an array it did not make, and the pictures stay right', () => {
    const encoder = new FrameEncoder(shapeOf(7, 0, false, true));
    const decoder = new FrameDecoder((d, max) => inflateSync(d, { maxOutputLength: max }));
    const out = new Uint8Array(5 + UNITS * 7);
    const decodeFrame = (picture: Uint8Array, i: number): Uint8Array => {
      const coded = encoder.encode(picture, i, 0, out, null);
      const frame = decoder.decode(out[4]!, out.subarray(5, coded.length), UNITS, 7) as Uint8Array;
      expect(Buffer.from(frame).equals(Buffer.from(picture))).toBe(true);
      return frame;
    };
    const a = decodeFrame(smooth(7, 0), 0);
    const b = decodeFrame(smooth(7, 1), 1);
    expect(b).not.toBe(a);
    // `a` handed back: the next frame is decoded into it, patched from `b` (still shown, so never reused itself).
    decoder.recycle(a);
    decoder.recycle(b);
    const c = decodeFrame(smooth(7, 2), 2);
    expect(c).toBe(a);
    // `b` was handed back while shown; now that `c` is shown it may be reused.
    const d = decodeFrame(smooth(7, 3), 3);
    expect(d).toBe(b);
    // An array the decoder did not make (an uncoded frame's message) is not taken.
    const foreign = new Uint8Array(UNITS * 7);
    decoder.recycle(foreign);
    const e = decodeFrame(smooth(7, 4), 4);
    expect(e).not.toBe(foreign);
    expect([a, b, d]).not.toContain(e);
  });

  it('a burst with an async inflate is inflated one frame after another and shown in arrival order', async () => {
    const encoder = new FrameEncoder(shapeOf(4, 0, false, true));
    let running = 0;
    let most = 0;
    const decoder = new FrameDecoder(async (d, max) => {
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, 2));
      running--;
      return inflateSync(d, { maxOutputLength: max });
    });
    // A still picture with one row changing a frame: PLANES, then PLANES_DELTAs and DELTAs.
    const pictures = Array.from({ length: 8 }, (_, i) => {
      const f = smooth(4, 0);
      for (let u = i * COLS; u < (i + 1) * COLS; u++) f[u * 4 + 1] = 255 - f[u * 4 + 1]!;
      return f;
    });
    const tags: number[] = [];
    const pending = pictures.map((p, i) => {
      const out = new Uint8Array(5 + UNITS * 4);
      const coded = encoder.encode(p, i, 0, out, null);
      tags.push(out[4]!);
      return decoder.decode(out[4]!, out.subarray(5, coded.length), UNITS, 4);
    });
    const shown = await Promise.all(pending);
    expect(tags.filter((t) => t !== Tag.RAW).length).toBeGreaterThan(4);
    expect(most).toBe(1);
    shown.forEach((f, i) => expect(Buffer.from(f).equals(Buffer.from(pictures[i]!))).toBe(true));
  });

  it('bad frames: truncated, corrupt, a DELTA with no base, indices and runs past the end are refused, never shown', () => {
    const inflate = (d: Uint8Array, max: number): Uint8Array => inflateSync(d, { maxOutputLength: max });
    const decoder = new FrameDecoder(inflate);
    const cells = smooth(4, 0);
    const zlib = deflateSync(cells);
    const refuse = (tag: number, body: Uint8Array, reason: RegExp): void => {
      let thrown: unknown = null;
      try {
        decoder.decode(tag, body, UNITS, 4);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ProtocolError);
      expect((thrown as Error).message).toMatch(reason);
    };
    refuse(Tag.DELTA, deflateSync(new Uint8Array(0)), /no frame to patch/);
    refuse(Tag.ZLIB, zlib.subarray(0, zlib.length - 9), /zlib/);
    refuse(Tag.ZLIB, Uint8Array.from([1, 2, 3, 4, 5]), /zlib/);
    refuse(Tag.RAW, cells.subarray(1), /raw frame/);
    refuse(7, cells, /unknown frame tag 7/);
    const runs = Buffer.alloc(6);
    runs.writeUInt16LE(UNITS + 1, 0);
    refuse(Tag.RLE_FULL, deflateSync(runs), /past the frame/);
    // A zlib bomb: far more than a frame's largest body.
    refuse(Tag.ZLIB, deflateSync(new Uint8Array(UNITS * 64)), /zlib/);
    // A good keyframe, then a DELTA whose index is past the end: refused, and the base is gone.
    decoder.decode(Tag.ZLIB, zlib, UNITS, 4);
    expect(decoder.hasBase).toBe(true);
    const delta = Buffer.alloc(8);
    delta.writeUInt32LE(UNITS, 0);
    refuse(Tag.DELTA, deflateSync(delta), /past the frame/);
    expect(decoder.hasBase).toBe(false);
    // Planes: a zero with no run length, more bytes than the frame (literals, or a run), too few.
    const size = UNITS * 4;
    refuse(Tag.PLANES, deflateSync(Uint8Array.of(5, 0)), /zero run with no length/);
    refuse(Tag.PLANES, deflateSync(Uint8Array.of(0, 0, 3)), /zero run with no length/);
    refuse(Tag.PLANES, deflateSync(new Uint8Array(size + 1).fill(9)), /past the frame/);
    const longRuns = new Uint8Array(2 * Math.ceil((size + 1) / 255)).map((_, i) => (i % 2 ? 255 : 0));
    refuse(Tag.PLANES, deflateSync(longRuns), /past the frame/);
    refuse(Tag.PLANES, deflateSync(new Uint8Array(size - 1).fill(9)), /fills/);
    decoder.decode(Tag.ZLIB, zlib, UNITS, 4);
    refuse(Tag.PLANES_DELTA, deflateSync(new Uint8Array(size + 1).fill(1)), /past the frame/);
    expect(decoder.hasBase).toBe(false);
    // Literals that end exactly at a plane's end, then a run across the next planes: the same frame as the plain walk.
    decoder.decode(Tag.ZLIB, zlib, UNITS, 4);
    const residual = new Uint8Array(size);
    residual.fill(1, 0, UNITS); // plane 0: every unit's first byte + 1
    residual[2 * UNITS + 3] = 7; // plane 2, unit 3
    const packed = [...new Uint8Array(UNITS).fill(1)];
    for (let left = UNITS + 3; left > 0; left -= Math.min(left, 255)) packed.push(0, Math.min(left, 255));
    packed.push(7);
    for (let left = 2 * UNITS - 4; left > 0; left -= Math.min(left, 255)) packed.push(0, Math.min(left, 255));
    const patched = decoder.decode(Tag.PLANES_DELTA, deflateSync(Uint8Array.from(packed)), UNITS, 4) as Uint8Array;
    const expected = Uint8Array.from(cells);
    for (let u = 0; u < UNITS; u++) expected[u * 4] = (expected[u * 4]! + 1) & 0xff;
    expected[3 * 4 + 2] = (expected[3 * 4 + 2]! + 7) & 0xff;
    expect(Buffer.from(patched).equals(Buffer.from(expected))).toBe(true);
    // A frame whose last bytes are literals.
    const tail: number[] = [];
    for (let left = size - 2; left > 0; left -= Math.min(left, 255)) tail.push(0, Math.min(left, 255));
    tail.push(5, 6);
    const ended = decoder.decode(Tag.PLANES_DELTA, deflateSync(Uint8Array.from(tail)), UNITS, 4) as Uint8Array;
    expected[size - 5] = (expected[size - 5]! + 5) & 0xff;
    expected[size - 1] = (expected[size - 1]! + 6) & 0xff;
    expect(Buffer.from(ended).equals(Buffer.from(expected))).toBe(true);
  });
});
