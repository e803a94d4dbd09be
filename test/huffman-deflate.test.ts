/**
 * The codec's own zlib writer (src/encode/huffman-deflate.ts): whatever it writes, Node's zlib
 * inflates back to the input, checksum included, on inputs chosen to reach each corner of the
 * format: one symbol, every symbol, counts skewed past deflate's 15-bit codes, long runs of equal
 * code lengths, and the limit that falls back to RAW.
 */
import { constants, deflateSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { HuffmanDeflater } from '../src/encode/huffman-deflate.js';

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function roundTrip(deflater: HuffmanDeflater, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(HuffmanDeflater.bound(data.length) + 3);
  const end = deflater.deflate(data, out, 3, out.length);
  expect(end).toBeGreaterThan(3);
  const stream = out.subarray(3, end);
  expect(Buffer.from(inflateSync(stream))).toEqual(Buffer.from(data));
  return stream;
}

describe('HuffmanDeflater', () => {
  const deflater = new HuffmanDeflater();

  it('writes streams Node inflates back, for every shape of byte counts', () => {
    const next = random(7);
    const cases: Uint8Array[] = [
      new Uint8Array(0),
      new Uint8Array(1),
      new Uint8Array(1000).fill(200),
      Uint8Array.from({ length: 256 }, (_, i) => i),
      Uint8Array.from({ length: 70_000 }, () => Math.floor(next() * 256)),
      // Mostly zeros and small values, as the codec's planes are.
      Uint8Array.from({ length: 20_000 }, () => (next() < 0.6 ? 0 : next() < 0.7 ? Math.floor(next() * 8) : Math.floor(next() * 256))),
      // Two symbols only, one of them rare.
      Uint8Array.from({ length: 5000 }, (_, i) => (i === 4000 ? 9 : 3)),
    ];
    // Fibonacci counts make an optimal code deeper than 15 bits: the lengths must be limited.
    const fib: number[] = [];
    for (let a = 1, b = 1, s = 0; s < 24; s++, [a, b] = [b, a + b]) for (let k = 0; k < a; k++) fib.push(s);
    cases.push(Uint8Array.from(fib));
    for (const data of cases) roundTrip(deflater, data);
  });

  it('is as small as zlib\'s Huffman-only strategy on plane-like bytes (one block, its own code)', () => {
    const next = random(11);
    const data = Uint8Array.from({ length: 15_000 }, () => (next() < 0.45 ? 0 : next() < 0.8 ? 1 + Math.floor(next() * 6) : Math.floor(next() * 256)));
    const ours = roundTrip(deflater, data).length;
    const zlib = deflateSync(data, { level: 3, strategy: constants.Z_HUFFMAN_ONLY }).length;
    expect(ours).toBeLessThanOrEqual(zlib + 8);
  });

  it('gives -1 rather than write up to the limit, and writes nothing past it', () => {
    const next = random(3);
    const data = Uint8Array.from({ length: 4000 }, () => Math.floor(next() * 256));
    const out = new Uint8Array(8000).fill(0xee);
    // Random bytes take about 8 bits each: 4000 bytes of them cannot fit in 4000.
    expect(deflater.deflate(data, out, 0, 4000)).toBe(-1);
    expect(out.every((v) => v === 0xee)).toBe(true);
    const end = deflater.deflate(data, out, 0, out.length);
    expect(end).toBeGreaterThan(4000);
    expect(Buffer.from(inflateSync(out.subarray(0, end)))).toEqual(Buffer.from(data));
  });

  it('keeps no state from one stream to the next', () => {
    const a = Uint8Array.from({ length: 3000 }, (_, i) => (i * 7) & 0xff);
    const b = new Uint8Array(3000).fill(5);
    const first = Buffer.from(roundTrip(deflater, a));
    roundTrip(deflater, b);
    expect(Buffer.from(roundTrip(deflater, a))).toEqual(first);
  });
});
