/**
 * 4:2:0 working frames (src/shared/frame-pixels.ts, src/projection/sample-yuv.ts): the slot layout
 * and its black bytes, the stream cut into planes, tables made from the RGB24 ones, the SIMD sampler
 * writing the JS sampler's bytes, and the conversion against ffmpeg's own RGB of the same frames,
 * for each matrix and range.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { frameShape } from '../protocol/index.js';
import { EQUIRECT_FORMAT } from '../src/projection/layouts/index.js';
import { EQUIRECT_TO_FLAT } from '../src/projection/projections.js';
import { sampleCells } from '../src/projection/sample-cells.js';
import { SimdSampler } from '../src/projection/sample-cells-simd.js';
import { sampleCellsYuv, yuvTableOf, type YuvSamplingTable } from '../src/projection/sample-yuv.js';
import type { SamplingTable } from '../src/projection/projection.js';
import { pixelsOfStream, RGB24, slotLayout, type FramePixels } from '../src/shared/frame-pixels.js';
import { FrameAssembler } from '../src/source/frame-assembler.js';
import { FrameRing } from '../src/source/frame-ring.js';
import type { ViewSpec } from '../src/shared/types.js';
import { payloadCapacity, ViewRenderer } from '../src/workers/view-renderer.js';
import { rng } from './helpers/random.js';

type Yuv = FramePixels & { kind: 'yuv420p' };
const yuv = (matrix: Yuv['matrix'] = 'bt601', range: Yuv['range'] = 'limited'): Yuv => ({ kind: 'yuv420p', matrix, range });
const spec = (style: ViewSpec['style'], pitch = 10, fov = 100): ViewSpec => ({ yaw: 30, pitch, roll: 0, fov, cols: 48, rows: 16, aspect: 0.5, mode: 5, style, palette: 'rgb', codec: 'raw', quality: 'balanced', camera: 'flat' });

/** A table that reads every pixel of a w×h frame once, one tap each: the frame itself, resampled to RGB. */
function identityTable(w: number, h: number): SamplingTable {
  return { cols: w, rows: h, taps: 1, offsets: Int32Array.from({ length: w * h }, (_, i) => i * 3), srcWidth: w, srcHeight: h, readsBlack: false };
}

function ffmpeg(args: string[]): Buffer {
  const r = spawnSync('ffmpeg', ['-hide_banner', '-v', 'error', '-nostdin', ...args], { maxBuffer: 64 << 20 });
  expect(r.status, r.stderr?.toString()).toBe(0);
  return r.stdout;
}

function psnr(a: Uint8Array, b: Uint8Array): number {
  let se = 0;
  for (let i = 0; i < a.length; i++) se += (a[i]! - b[i]!) ** 2;
  return 10 * Math.log10((255 * 255) / (se / a.length));
}

describe('4:2:0 frames', () => {
  it('reads the probe: limited-range 4:2:0 formats keep their matrix, others stay RGB24', () => {
    expect(pixelsOfStream('yuv420p', 'bt709', 'tv')).toEqual(yuv('bt709', 'limited'));
    expect(pixelsOfStream('yuv420p', undefined, undefined)).toEqual(yuv('bt601', 'limited'));
    expect(pixelsOfStream('yuv420p10le', 'bt2020nc', 'tv')).toEqual(yuv('bt2020', 'limited'));
    expect(pixelsOfStream('nv12', 'bt709', 'tv')).toEqual(yuv('bt709', 'limited'));
    // Full range stays RGB24 (ffmpeg's scalers disagree on its output range).
    expect(pixelsOfStream('yuvj420p', 'bt470bg', undefined)).toBe(RGB24);
    expect(pixelsOfStream('yuv420p', 'bt709', 'pc')).toBe(RGB24);
    for (const other of ['yuv444p', 'yuv422p', 'rgb24', 'gray', 'pal8', 'yuv444p10le', undefined]) expect(pixelsOfStream(other, 'bt709', 'tv')).toBe(RGB24);
    // Matrices the conversion does not have stay RGB24 too, for ffmpeg to convert.
    for (const space of ['smpte240m', 'fcc', 'bt2020c', 'ycgco', 'gbr']) expect(pixelsOfStream('yuv420p', space, 'tv')).toBe(RGB24);
    expect(pixelsOfStream('yuv420p', 'smpte170m', 'tv')).toEqual(yuv('bt601', 'limited'));
  });

  it('lays a slot out as planes, each followed by its black byte, and a ring writes them', () => {
    const l = slotLayout(yuv(), 8, 4);
    expect(l.planes).toEqual([[0, 32], [33, 8], [42, 8]]);
    expect(l).toMatchObject({ pictureBytes: 48, slotBytes: 51, black: 32, blackChroma: 41, vFromU: 9 });
    expect(() => slotLayout(yuv(), 7, 4)).toThrow(/even size/);
    const ring = new FrameRing(8, 4, EQUIRECT_FORMAT, yuv('bt709', 'limited'), 2);
    expect(ring.format.pixels).toEqual(yuv('bt709', 'limited'));
    for (const slot of ring.slots) expect([slot.length, slot[32], slot[41], slot[50]]).toEqual([51, 16, 128, 128]);
    expect(new FrameRing(8, 4, EQUIRECT_FORMAT, yuv('bt601', 'full'), 1).slots[0]![32]).toBe(0);
    // An odd size cannot be 4:2:0: that ring stores RGB24.
    const odd = new FrameRing(7, 4, EQUIRECT_FORMAT, yuv(), 1);
    expect(odd.format.pixels).toBe(RGB24);
    expect(odd.slots[0]!.length).toBe(7 * 4 * 3 + 3);
  });

  it('cuts the stream into planes wherever the reads split it, and keeps the black bytes', () => {
    const ring = new FrameRing(8, 4, EQUIRECT_FORMAT, yuv(), 3);
    const frames: number[] = [];
    const assembler = new FrameAssembler(ring, (slot) => frames.push(slot));
    const stream = Uint8Array.from({ length: 48 * 3 }, (_, i) => 1 + (i % 200));
    // Chunks of 5 and 13 bytes cross every plane boundary somewhere.
    for (let at = 0, k = 0; at < stream.length; k++) {
      const n = Math.min(k % 2 ? 13 : 5, stream.length - at);
      assembler.consume(stream.subarray(at, at + n));
      at += n;
    }
    expect(frames).toEqual([0, 1, 2]);
    for (const [f, slot] of frames.entries()) {
      const s = ring.slots[slot]!;
      const frame = stream.subarray(f * 48, f * 48 + 48);
      expect([...s.subarray(0, 32)]).toEqual([...frame.subarray(0, 32)]);
      expect([...s.subarray(33, 41)]).toEqual([...frame.subarray(32, 40)]);
      expect([...s.subarray(42, 50)]).toEqual([...frame.subarray(40, 48)]);
      expect([s[32], s[41], s[50]]).toEqual([16, 128, 128]);
    }
    // A fourth frame finds every slot busy: its bytes are discarded, and the next one is whole again.
    assembler.consume(stream.subarray(0, 48));
    expect(assembler.discarded).toBe(1);
    ring.release(0);
    assembler.consume(stream.subarray(48, 96));
    expect(frames).toEqual([0, 1, 2, 0]);
    expect([...ring.slots[0]!.subarray(33, 41)]).toEqual([...stream.subarray(80, 88)]);
  });

  it('makes a table whose luma taps are the RGB table\'s pixels and whose chroma is that of up to two taps (all of one or two, else the first and the last); black stays black', () => {
    const w = 64;
    const h = 32;
    const layout = slotLayout(yuv(), w, h);
    const chromaOf = (p: number) => layout.planes[1]![0] + (Math.floor(p / w) >> 1) * (w / 2) + ((p % w) >> 1);
    const r = rng(3);
    for (const [taps, chromaTaps] of [[1, [0]], [2, [0, 1]], [4, [0, 3]], [6, [0, 5]], [9, [0, 8]]] as const) {
      const count = 50;
      const offsets = Int32Array.from({ length: count * taps }, () => 3 * Math.floor(r() * w * h));
      const t = yuvTableOf({ cols: count, rows: 1, taps, offsets, srcWidth: w, srcHeight: h, readsBlack: false }, yuv(), layout);
      const stride = taps + chromaTaps.length;
      expect([t.chroma, t.entries.length]).toEqual([chromaTaps.length, count * stride]);
      for (let c = 0; c < count; c++) {
        for (let k = 0; k < taps; k++) expect(t.entries[c * stride + k]).toBe(offsets[c * taps + k]! / 3);
        chromaTaps.forEach((k, i) => expect(t.entries[c * stride + taps + i]).toBe(chromaOf(offsets[c * taps + k]! / 3)));
      }
    }
    // A real view's table too: every luma tap where the RGB one reads.
    const rgb = EQUIRECT_TO_FLAT.buildTable(spec('mosaic'), { cols: 48 * 4, rows: 16 * 8, aspect: 1 }, w, h);
    const t = yuvTableOf(rgb, yuv(), layout);
    for (let c = 0; c < rgb.cols * rgb.rows; c += 97) for (let k = 0; k < rgb.taps; k++) expect(t.entries[c * (rgb.taps + t.chroma) + k]).toBe(rgb.offsets[c * rgb.taps + k]! / 3);
    const black: SamplingTable = { cols: 1, rows: 1, taps: 2, offsets: Int32Array.of(w * h * 3, w * h * 3), srcWidth: w, srcHeight: h, readsBlack: true };
    const slot = new FrameRing(w, h, EQUIRECT_FORMAT, yuv(), 1).slots[0]!.fill(200, 0, w * h);
    const out = new Uint8Array(3);
    sampleCellsYuv(yuvTableOf(black, yuv(), layout), slot, out);
    expect([...out]).toEqual([0, 0, 0]);
  });

  it('the SIMD sampler writes the JS sampler\'s bytes for every tap count, any sample count, and nothing past them', () => {
    const w = 256;
    const h = 128;
    const ring = new FrameRing(w, h, EQUIRECT_FORMAT, yuv(), 1);
    const sampler = SimdSampler.over(ring.arena!);
    expect(sampler, 'this runtime runs WebAssembly SIMD').not.toBeNull();
    const slot = ring.slots[0]!;
    const r = rng(7);
    for (let i = 0; i < ring.layout.pictureBytes + 2; i++) if (i !== ring.layout.black && i !== ring.layout.blackChroma) slot[i] = Math.floor(r() * 256);
    // Saturated corners: Y at the extremes with chroma far off, which clamps.
    slot.fill(255, 0, 40);
    slot.fill(0, 40, 80);
    for (const pixels of [yuv('bt601', 'limited'), yuv('bt709', 'full'), yuv('bt2020', 'limited')]) {
      for (let taps = 1; taps <= 16; taps++) {
        for (const count of [1, 3, 4, 5, 37, 400]) {
          const offsets = Int32Array.from({ length: count * taps }, (_, i) => (i % 50 === 49 ? w * h * 3 : 3 * Math.floor(r() * w * h)));
          const table = yuvTableOf({ cols: count, rows: 1, taps, offsets, srcWidth: w, srcHeight: h, readsBlack: true }, pixels, ring.layout);
          const entries = ring.arena!.int32(table.entries.length)!;
          entries.set(table.entries);
          const placed: YuvSamplingTable = { ...table, entries };
          const want = new Uint8Array(count * 3);
          sampleCellsYuv(table, slot, want);
          const got = ring.arena!.bytes(count * 3 + 16)!;
          got.fill(0xa5);
          expect(sampler!.sampleYuv(placed, slot, got.subarray(0, count * 3))).toBe(true);
          expect(Buffer.from(got.subarray(0, count * 3)).equals(Buffer.from(want)), `${pixels.matrix} ${taps} taps, ${count} samples`).toBe(true);
          expect([...got.subarray(count * 3)]).toEqual(Array(16).fill(0xa5));
          ring.arena!.release(entries);
          ring.arena!.release(got);
        }
      }
    }
    // Outside its memory it declines.
    const table = yuvTableOf(identityTable(4, 2), yuv(), slotLayout(yuv(), 4, 2));
    expect(sampler!.sampleYuv(table, new Uint8Array(15), new Uint8Array(24))).toBe(false);
  });

  it('the SIMD samplers take lists of ranges, in their memory or not, as the JS samplers take each range, and leave every other sample as it was', () => {
    const w = 256;
    const h = 128;
    const r = rng(11);
    for (const pixels of [yuv('bt709', 'limited'), RGB24]) {
      const ring = new FrameRing(w, h, EQUIRECT_FORMAT, pixels, 1);
      const arena = ring.arena!;
      const sampler = SimdSampler.over(arena)!;
      const slot = ring.slots[0]!;
      for (let i = 0; i < ring.layout.pictureBytes; i++) slot[i] = Math.floor(r() * 256);
      for (const taps of [1, 3, 4, 9]) {
        const count = 300;
        const offsets = Int32Array.from({ length: count * taps }, () => 3 * Math.floor(r() * w * h));
        const rgb: SamplingTable = { cols: count, rows: 1, taps, offsets, srcWidth: w, srcHeight: h, readsBlack: false };
        const yuvTable = pixels.kind === 'yuv420p' ? yuvTableOf(rgb, pixels, ring.layout) : null;
        const entries = arena.int32(yuvTable ? yuvTable.entries.length : offsets.length)!;
        entries.set(yuvTable ? yuvTable.entries : offsets);
        // Ranges of every length from 1 (under the 4:2:0 sampler's group of 4) to 40, with gaps, the last to the end.
        const list: number[] = [];
        for (let at = 0; at < count - 45; ) {
          const from = at + Math.floor(r() * 6);
          const end = from + 1 + Math.floor(r() * 40);
          list.push(from, end);
          at = end;
        }
        list.push(count - 3, -1);
        const want = new Uint8Array(count * 3).fill(0x5a);
        const all = new Uint8Array(count * 3);
        if (yuvTable) sampleCellsYuv(yuvTable, slot, all);
        else sampleCells(rgb, slot, all);
        for (let i = 0; i < list.length; i += 2) want.set(all.subarray(list[i]! * 3, (list[i + 1]! < 0 ? count : list[i + 1]!) * 3), list[i]! * 3);
        for (const where of ['in its memory', 'outside it'] as const) {
          const ranges = where === 'in its memory' ? arena.int32(list.length)! : new Int32Array(list.length);
          ranges.set(list);
          const got = arena.bytes(count * 3 + 16)!;
          got.fill(0x5a);
          const before = SimdSampler.samples;
          const n = list.length / 2;
          expect(yuvTable ? sampler.sampleYuvRanges({ ...yuvTable, entries }, slot, got.subarray(0, count * 3), ranges, n) : sampler.sampleRanges({ ...rgb, offsets: entries }, slot, got.subarray(0, count * 3), ranges, n)).toBe(true);
          expect(Buffer.from(got.subarray(0, count * 3)).equals(Buffer.from(want)), `${pixels.kind} ${taps} taps, the list ${where}`).toBe(true);
          expect([...got.subarray(count * 3)]).toEqual(Array(16).fill(0x5a));
          let samples = 0;
          for (let i = 0; i < list.length; i += 2) samples += (list[i + 1]! < 0 ? count : list[i + 1]!) - list[i]!;
          expect(SimdSampler.samples - before).toBe(samples);
          if (where === 'in its memory') arena.release(ranges);
          arena.release(got);
        }
        // A range past the table is refused before anything is sampled.
        const bad = arena.int32(4)!;
        bad.set([0, 2, count - 2, count + 1]);
        const out = arena.bytes(count * 3)!.fill(7);
        expect(() => (yuvTable ? sampler.sampleYuvRanges({ ...yuvTable, entries }, slot, out, bad, 2) : sampler.sampleRanges({ ...rgb, offsets: entries }, slot, out, bad, 2))).toThrow(RangeError);
        expect(out.every((b) => b === 7)).toBe(true);
        arena.release(bad);
        arena.release(out);
        arena.release(entries);
      }
    }
  });

  it.each([
    ['bt601', 'limited', 'bt470bg', 'tv'],
    ['bt709', 'limited', 'bt709', 'tv'],
    ['bt709', 'full', 'bt709', 'pc'],
    ['bt2020', 'limited', 'bt2020nc', 'tv'],
  ] as const)('converts %s %s as ffmpeg does', (matrix, range, space, tag) => {
    // testsrc2's bars, gradients and text in 4:2:0 tagged so; ffmpeg's RGB of the same planes.
    const w = 320;
    const h = 160;
    const make = ['-f', 'lavfi', '-i', `testsrc2=size=${w}x${h}:rate=1`, '-frames:v', '1', '-vf', `format=yuv420p,setparams=colorspace=${space}:range=${tag}`];
    const planes = new Uint8Array(ffmpeg([...make, '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-']));
    const reference = new Uint8Array(ffmpeg([...make.slice(0, -1), `format=yuv420p,setparams=colorspace=${space}:range=${tag},scale=flags=neighbor+accurate_rnd+full_chroma_int,format=rgb24`, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-']));
    const pixels = yuv(matrix, range);
    const ring = new FrameRing(w, h, EQUIRECT_FORMAT, pixels, 1);
    const assembler = new FrameAssembler(ring, () => {});
    ring.acquire();
    ring.release(0);
    assembler.consume(planes);
    const ours = new Uint8Array(w * h * 3);
    sampleCellsYuv(yuvTableOf(identityTable(w, h), pixels, ring.layout), ring.slots[0]!, ours);
    // ffmpeg told to take chroma at its own pixels, as a one-tap sample does: the same colours but
    // for a rounding here and there (83–85 dB, or identical).
    const db = psnr(ours, reference);
    expect(db, `${matrix} ${range}`).toBeGreaterThan(60);
    // Another standard's colours are far off.
    const other = yuv(matrix === 'bt601' ? 'bt709' : 'bt601', range === 'limited' ? 'full' : 'limited');
    const wrong = new Uint8Array(w * h * 3);
    sampleCellsYuv(yuvTableOf(identityTable(w, h), other, ring.layout), ring.slots[0]!, wrong);
    expect(psnr(wrong, reference)).toBeLessThan(35);
  });

  it('renders a view of a 4:2:0 ring in every style with SIMD as in JS, and close to the same view of the frame in RGB24', () => {
    const w = 512;
    const h = 256;
    const ring = new FrameRing(w, h, EQUIRECT_FORMAT, yuv('bt709', 'limited'), 1);
    const rgbRing = new FrameRing(w, h, EQUIRECT_FORMAT, RGB24, 1);
    const y = ring.slots[0]!;
    const rgb = rgbRing.slots[0]!;
    // Smooth colour: a chroma pixel's neighbours agree, so reading chroma at two taps loses little.
    const layout = ring.layout;
    for (let j = 0; j < h; j++) {
      for (let i = 0; i < w; i++) {
        const Y = 40 + ((i + j) % 160);
        const U = 128 + Math.round(60 * Math.sin(i / 40));
        const V = 128 + Math.round(60 * Math.cos(j / 30));
        y[j * w + i] = Y;
        if (i % 2 === 0 && j % 2 === 0) {
          y[layout.planes[1]![0] + (j / 2) * (w / 2) + i / 2] = U;
          y[layout.planes[2]![0] + (j / 2) * (w / 2) + i / 2] = V;
        }
      }
    }
    const all = yuvTableOf(identityTable(w, h), yuv('bt709', 'limited'), layout);
    sampleCellsYuv(all, y, rgb);
    const plain = y.slice();
    for (const style of ['ramp', 'half', 'sextant', 'mosaic'] as const) {
      const s = spec(style);
      const outs = [new Uint8Array(payloadCapacity(s)), new Uint8Array(payloadCapacity(s)), new Uint8Array(payloadCapacity(s))];
      const simd = new ViewRenderer(s);
      const js = new ViewRenderer(s);
      const fromRgb = new ViewRenderer(s);
      const a = simd.render({ pixels: y, width: w, height: h, format: ring.format, arena: ring.arena }, 0, outs[0]!);
      expect(simd.sampledSimd).toBe(true);
      const b = js.render({ pixels: plain, width: w, height: h, format: ring.format }, 0, outs[1]!);
      expect(Buffer.from(outs[0]!.subarray(0, a)).equals(Buffer.from(outs[1]!.subarray(0, b))), style).toBe(true);
      const c = fromRgb.render({ pixels: rgb, width: w, height: h, format: rgbRing.format, arena: rgbRing.arena }, 0, outs[2]!);
      expect(c).toBe(a);
      if (style === 'half') {
        // Half blocks are the samples themselves: within a level or two of the RGB24 frame's view
        // (the taps average Y; chroma is one pair a sample).
        const start = frameShape(s).headerBytes;
        let total = 0;
        for (let i = start; i < a; i++) total += Math.abs(outs[0]![i]! - outs[2]![i]!);
        expect(total / (a - start)).toBeLessThan(1.5);
      }
      simd.release();
    }
    // A sampling table of the same view in RGB24 is what the YUV one was made from.
    const rgbTable = EQUIRECT_TO_FLAT.buildTable(spec('ramp'), { cols: 48, rows: 16, aspect: 0.5 }, w, h);
    const viaRgb = new Uint8Array(48 * 16 * 3);
    sampleCells(rgbTable, rgb, viaRgb);
    const viaYuv = new Uint8Array(48 * 16 * 3);
    sampleCellsYuv(yuvTableOf(rgbTable, yuv('bt709', 'limited'), layout), y, viaYuv);
    // Chroma of two taps against ffmpeg-style chroma averaged over all of them.
    expect(psnr(viaYuv, viaRgb)).toBeGreaterThan(35);
  });
});
