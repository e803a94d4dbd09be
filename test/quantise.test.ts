/** Quantisation per mode (PROTOCOL-NOTES.md §4): characters from BT.601 luma, colours truncated. */
import { describe, expect, it } from 'vitest';
import { RAMP, type Mode } from '../protocol/index.js';
import { writeCells, writePixels, writeTextFrame } from '../src/quantise/quantise.js';

function rampChar(r: number, g: number, b: number): string {
  const luma = 0.299 * r + 0.587 * g + 0.114 * b;
  return RAMP[Math.floor((Math.round(luma) * (RAMP.length - 1)) / 255)]!;
}

const samples = [
  [0, 0, 0],
  [255, 255, 255],
  [255, 0, 0],
  [0, 255, 0],
  [0, 0, 255],
  [123, 45, 67],
  [200, 201, 202],
  [31, 32, 33],
];

describe('writeCells', () => {
  it.each([
    [2, 5],
    [3, 3],
    [4, 2],
    [5, 0],
  ] as [Mode, number][])('mode %i keeps the top bits (qb %i) and picks the ramp character by luma', (mode, qb) => {
    const rgb = new Uint8Array(samples.flat());
    const out = new Uint8Array(samples.length * 4 + 3);
    const end = writeCells(rgb, samples.length, mode, out, 3);
    expect(end).toBe(3 + samples.length * 4);
    samples.forEach(([r, g, b], i) => {
      const o = 3 + i * 4;
      expect(String.fromCharCode(out[o]!)).toBe(rampChar(r!, g!, b!));
      expect([out[o + 1], out[o + 2], out[o + 3]]).toEqual([(r! >> qb) << qb, (g! >> qb) << qb, (b! >> qb) << qb]);
    });
  });

  it('maps black to a space and white to @', () => {
    const out = new Uint8Array(8);
    writeCells(new Uint8Array([0, 0, 0, 255, 255, 255]), 2, 5, out, 0);
    expect(String.fromCharCode(out[0]!, out[4]!)).toBe(' @');
  });
});

describe('writeTextFrame (mode 1)', () => {
  it('writes the index line then rows joined by newlines', () => {
    const rgb = new Uint8Array([0, 0, 0, 255, 255, 255, 255, 255, 255, 0, 0, 0]);
    const out = new Uint8Array(64);
    const n = writeTextFrame(rgb, 2, 2, 4711, out);
    expect(Buffer.from(out.subarray(0, n)).toString()).toBe('4711\n @\n@ ');
  });

  it('writes index 0', () => {
    const out = new Uint8Array(16);
    const n = writeTextFrame(new Uint8Array(3), 1, 1, 0, out);
    expect(Buffer.from(out.subarray(0, n)).toString()).toBe('0\n ');
  });
});

describe('writePixels', () => {
  it('writes BGR, truncated per mode; mode 1 writes grey', () => {
    const out = new Uint8Array(3);
    writePixels(new Uint8Array([200, 100, 50]), 1, 2, out, 0);
    expect([...out]).toEqual([32, 96, 192]);
    writePixels(new Uint8Array([200, 100, 50]), 1, 1, out, 0);
    expect(out[0]).toBe(out[1]);
    expect(out[0]).toBe(Math.round(0.299 * 200 + 0.587 * 100 + 0.114 * 50));
  });
});
