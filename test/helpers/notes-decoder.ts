/**
 * A decoder for coded frames written from PROTOCOL-NOTES.md §3.2 and §3.7 alone (not from
 * protocol/codec.ts): the tests check the server's frames, and protocol/'s decoder, against it.
 */
import { inflateSync } from 'node:zlib';

export interface NotesFrame {
  index: number;
  tag: number;
  /** The whole frame's units after this frame. */
  cells: Uint8Array;
}

/** `[u32 BE index][u8 tag][payload]`; DELTA patches `shown`. Throws when the frame breaks the notes. */
export function notesDecode(frame: Uint8Array, shown: Uint8Array | null, units: number, unit: number): NotesFrame {
  const index = ((frame[0]! << 24) | (frame[1]! << 16) | (frame[2]! << 8) | frame[3]!) >>> 0;
  const tag = frame[4]!;
  const body = frame.subarray(5);
  const cells = new Uint8Array(units * unit);
  const check = (ok: boolean, what: string): void => {
    if (!ok) throw new Error(`frame ${index} tag ${tag}: ${what}`);
  };
  if (tag === 0) {
    check(body.length === units * unit, `RAW of ${body.length} bytes`);
    cells.set(body);
  } else if (tag === 1) {
    const data = inflateSync(body);
    check(data.length === units * unit, `ZLIB of ${data.length} bytes`);
    cells.set(data);
  } else if (tag === 2) {
    check(shown !== null, 'DELTA with no frame shown');
    const data = inflateSync(body);
    const n = data.length / (4 + unit);
    check(Number.isInteger(n), 'DELTA cut inside a unit');
    cells.set(shown!);
    for (let i = 0; i < n; i++) {
      const at = data.readUInt32LE(i * 4);
      check(at < units, `DELTA index ${at}`);
      cells.set(data.subarray(n * 4 + i * unit, n * 4 + (i + 1) * unit), at * unit);
    }
  } else if (tag === 3) {
    const data = inflateSync(body);
    let at = 0;
    for (let p = 0; p < data.length; p += 2 + unit) {
      const count = data.readUInt16LE(p);
      for (let k = 0; k < count; k++, at++) cells.set(data.subarray(p + 2, p + 2 + unit), at * unit);
    }
    check(at === units, `RLE_FULL covers ${at} of ${units}`);
  } else if (tag === 5 || tag === 6) {
    // §3.7: zlib of byte planes, zero runs written as 0, n; 5 a running sum along each plane, 6 added to what is shown.
    const packed = inflateSync(body);
    const expanded: number[] = [];
    for (let q = 0; q < packed.length; q++) {
      if (packed[q] !== 0) expanded.push(packed[q]!);
      else {
        const n = packed[++q]!;
        check(n >= 1, 'zero run without a length');
        for (let k = 0; k < n; k++) expanded.push(0);
      }
    }
    const data = Uint8Array.from(expanded);
    check(data.length === units * unit, `planes of ${data.length} bytes`);
    if (tag === 6) check(shown !== null, 'PLANES_DELTA with no frame shown');
    for (let b = 0; b < unit; b++) {
      let sum = 0;
      for (let u = 0; u < units; u++) {
        const v = data[b * units + u]!;
        if (tag === 5) cells[u * unit + b] = sum = (sum + v) & 0xff;
        else cells[u * unit + b] = (shown![u * unit + b]! + v) & 0xff;
      }
    }
  } else {
    throw new Error(`frame ${index}: tag ${tag} is not in PROTOCOL-NOTES §3.2 or §3.7`);
  }
  return { index, tag, cells };
}
