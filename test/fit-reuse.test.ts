/**
 * Cells carried from frame to frame (src/quantise/fit-reuse.ts) are the bytes a full fit writes:
 * frame after frame, with some cells' samples changed (by a single byte, anywhere in the cell) and
 * the rest the same, every style, palette, mode and the mosaic's extras switched between frames.
 */
import { describe, expect, it } from 'vitest';
import { CELL_STYLES, frameShape, type Mode, type Palette } from '../protocol/index.js';
import { CellFitter } from '../src/quantise/fit-cells.js';
import { FitReuse } from '../src/quantise/fit-reuse.js';
import { renderDemoBackground } from '../src/source/demo-scene.js';
import type { ViewSpec } from '../src/shared/types.js';
import { ViewRenderer } from '../src/workers/view-renderer.js';
import { rng } from './helpers/random.js';
import { accBytes, ChangedCellsSimd } from '../src/shared/changed-blocks-simd.js';
import { CellGatherSimd } from '../src/shared/cell-gather-simd.js';
import { createFrameMemory, WasmArena } from '../src/shared/wasm-arena.js';

const FITTED = Object.values(CELL_STYLES).filter((s) => s.frames === 'fitted');
const COLS = 13;
const ROWS = 5;

/** A thread's frame memory, as a ring makes it: the sample buffers go there and are compared by the SIMD scan. */
function frameArena(): WasmArena {
  const memory = createFrameMemory(1 << 16);
  if (!memory) throw new Error('this runtime has no shared WebAssembly memory');
  return new WasmArena(memory);
}

describe('FitReuse', () => {
  for (const style of FITTED) {
    for (const [palette, where] of [['rgb', 'plain'], ['256', 'plain'], ['rgb', 'arena']] as [Palette, 'plain' | 'arena'][]) {
      it(`${style.name}, palette ${palette}, samples in ${where === 'arena' ? 'the frame memory (SIMD scan)' : 'a plain array (JS scan)'}: each frame's cells are a full fit's, whatever share of cells changed`, () => {
        const arena = where === 'arena' ? frameArena() : null;
        const r = rng(7 + style.subX * 10 + style.subY);
        const bytes = COLS * style.subX * ROWS * style.subY * 3;
        const fitter = new CellFitter(style, palette);
        const reuse = new FitReuse();
        const frame = Uint8Array.from({ length: bytes }, () => Math.floor(r() * 256));
        const rowBytes = style.subX * 3;
        const stride = COLS * rowBytes;
        const cellByte = (cell: number, k: number): number => {
          const cy = Math.floor(cell / COLS);
          const y = Math.floor(k / rowBytes);
          return (cy * style.subY + y) * stride + (cell % COLS) * rowBytes + (k % rowBytes);
        };
        // Shares of cells changed per frame, and the settings each frame fits with.
        const frames: { share: number; mode: Mode; extras: boolean }[] = [
          { share: 1, mode: 5, extras: true },
          { share: 0, mode: 5, extras: true },
          { share: 0.1, mode: 5, extras: true },
          { share: 0.1, mode: 5, extras: true },
          { share: 0.7, mode: 5, extras: true },
          { share: 0, mode: 3, extras: true },
          { share: 0.2, mode: 3, extras: true },
          { share: 0, mode: 5, extras: false },
          { share: 0.3, mode: 5, extras: false },
          { share: 0.05, mode: 5, extras: true },
        ];
        let reusedAny = false;
        const scansBefore = ChangedCellsSimd.scans;
        for (const [f, { share, mode, extras }] of frames.entries()) {
          for (let cell = 0; cell < COLS * ROWS; cell++) {
            if (r() >= share) continue;
            // One byte anywhere in the cell: the comparison must see it.
            const at = cellByte(cell, Math.floor(r() * rowBytes * style.subY));
            frame[at] = (frame[at]! + 1 + Math.floor(r() * 255)) & 0xff;
          }
          const samples = reuse.samples(bytes, arena);
          if (arena) expect(arena.owns(samples)).toBe(true);
          samples.set(frame);
          fitter.extras = extras;
          const got = new Uint8Array(3 + COLS * ROWS * 7);
          expect(reuse.fit(fitter, COLS, ROWS, mode, got, 3)).toBe(got.length);
          const fresh = new CellFitter(style, palette);
          fresh.extras = extras;
          const want = new Uint8Array(got.length);
          fresh.fit(frame, COLS, ROWS, mode, want, 3);
          expect(Buffer.from(got).equals(Buffer.from(want)), `frame ${f} (share ${share}, mode ${mode}, extras ${extras})`).toBe(true);
          if (reuse.reused > 0) reusedAny = true;
        }
        expect(reusedAny, 'some frame kept cells from the one before').toBe(true);
        // The frames fitted against the one before (all but the first and those after a change of settings) were scanned where asked.
        if (arena) expect(ChangedCellsSimd.scans - scansBefore).toBeGreaterThanOrEqual(5);
        else expect(ChangedCellsSimd.scans).toBe(scansBefore);
      });
    }
  }

  for (const style of FITTED) {
    for (const where of ['plain', 'arena'] as const) {
      it(`${style.name}, samples in ${where === 'arena' ? 'the frame memory' : 'a plain array'}: carried from the last fit with only the changed cells written (a view keeping its still tiles' samples), each frame's cells are a full fit's`, () => {
        const arena = where === 'arena' ? frameArena() : null;
        const r = rng(31 + style.subX * 10 + style.subY);
        const cells = COLS * ROWS;
        const bytes = COLS * style.subX * ROWS * style.subY * 3;
        const rowBytes = style.subX * 3;
        const stride = COLS * rowBytes;
        const fitter = new CellFitter(style, 'rgb');
        const reuse = new FitReuse();
        const frame = Uint8Array.from({ length: bytes }, () => Math.floor(r() * 256));
        const candidates = new Uint8Array(cells);
        let carried = 0;
        const gathersBefore = CellGatherSimd.calls;
        // Shares of cells changed; a share of −1 is a frame sampled whole (the carry restarts from it), extras off on the 5th.
        for (const [f, share] of [-1, 0.1, 0, 0.3, 0.02, -1, 0.6, 0.1, 0.1, 1, 0.05].entries()) {
          const whole = share < 0;
          candidates.fill(0);
          for (let cell = 0; cell < cells; cell++) {
            if (r() >= Math.abs(share)) {
              // A cell whose tiles changed although its samples did not: a candidate that is the same.
              if (r() < 0.05) candidates[cell] = 1;
              continue;
            }
            candidates[cell] = 1;
            const cy = Math.floor(cell / COLS);
            const k = Math.floor(r() * rowBytes * style.subY);
            const at = (cy * style.subY + Math.floor(k / rowBytes)) * stride + (cell % COLS) * rowBytes + (k % rowBytes);
            frame[at] = (frame[at]! + 1 + Math.floor(r() * 255)) & 0xff;
          }
          const samples = reuse.samples(bytes, arena);
          if (whole) {
            samples.set(frame);
          } else {
            // Told which cells it will write (every other frame), as the renderer tells it, or not.
            reuse.carryLast(f % 2 === 0 ? candidates : null);
            // Only the candidates are written again, as a renderer samples only their runs.
            for (let cell = 0; cell < cells; cell++) {
              if (candidates[cell] === 0) continue;
              const cy = Math.floor(cell / COLS);
              for (let y = 0; y < style.subY; y++) {
                const at = (cy * style.subY + y) * stride + (cell % COLS) * rowBytes;
                samples.set(frame.subarray(at, at + rowBytes), at);
              }
            }
            expect(Buffer.from(samples).equals(Buffer.from(frame)), `frame ${f}: the carried samples and the written cells are the frame`).toBe(true);
            carried++;
          }
          fitter.extras = f !== 4;
          const got = new Uint8Array(COLS * ROWS * 7);
          reuse.fit(fitter, COLS, ROWS, 5, got, 0, whole ? null : candidates);
          const fresh = new CellFitter(style, 'rgb');
          fresh.extras = fitter.extras;
          const want = new Uint8Array(got.length);
          fresh.fit(frame, COLS, ROWS, 5, want, 0);
          expect(Buffer.from(got).equals(Buffer.from(want)), `frame ${f} (share ${share})`).toBe(true);
        }
        expect(carried).toBe(9);
        // The candidates' list and gather ran in WebAssembly where the samples lie in the frame memory.
        if (arena) expect(CellGatherSimd.calls - gathersBefore).toBeGreaterThanOrEqual(8);
        else expect(CellGatherSimd.calls).toBe(gathersBefore);
      });
    }
  }

  it('the carry leaves alone the cells it is told will be sampled again', () => {
    const style = CELL_STYLES.mosaic;
    const bytes = COLS * style.subX * ROWS * style.subY * 3;
    const reuse = new FitReuse();
    const fitter = new CellFitter(style, 'rgb');
    const out = new Uint8Array(COLS * ROWS * 7);
    const first = Uint8Array.from({ length: bytes }, (_, i) => (i * 31) & 0xff);
    reuse.samples(bytes).set(first);
    reuse.fit(fitter, COLS, ROWS, 5, out, 0);
    // Cells 0, 1 and 2 change (whole cells: every byte of their samples one higher).
    const second = first.slice();
    const rowBytes = style.subX * 3;
    for (let y = 0; y < style.subY; y++) for (let k = 0; k < 3 * rowBytes; k++) second[y * COLS * rowBytes + k]! += 1;
    reuse.samples(bytes).set(second);
    reuse.fit(fitter, COLS, ROWS, 5, out, 0);
    // The buffer handed out next holds the first samples; cells 0–2 differ from the second's.
    const next = reuse.samples(bytes);
    const cellBytes = (b: Uint8Array, cell: number): number[] =>
      Array.from({ length: style.subY }, (_, y) => {
        const at = (Math.floor(cell / COLS) * style.subY + y) * COLS * rowBytes + (cell % COLS) * rowBytes;
        return [...b.subarray(at, at + rowBytes)];
      }).flat();
    for (let y = 0; y < style.subY; y++) next.fill(0xee, y * COLS * rowBytes, y * COLS * rowBytes + rowBytes);
    const skip = new Uint8Array(COLS * ROWS);
    skip[0] = 1;
    reuse.carryLast(skip);
    // Cell 0 was skipped: as it was left. Every other cell is the second frame's.
    expect(cellBytes(next, 0)).toEqual(Array(rowBytes * style.subY).fill(0xee));
    for (let cell = 1; cell < COLS * ROWS; cell++) expect(cellBytes(next, cell), `cell ${cell}`).toEqual(cellBytes(second, cell));
  });

  it('another fitter (style or palette) or grid is fitted afresh', () => {
    const reuse = new FitReuse();
    const style = CELL_STYLES.sextant;
    const bytes = COLS * 2 * ROWS * 3 * 3;
    const frame = Uint8Array.from({ length: bytes }, (_, i) => (i * 37) & 0xff);
    const out = new Uint8Array(COLS * ROWS * 7);
    reuse.samples(bytes).set(frame);
    reuse.fit(new CellFitter(style, 'rgb'), COLS, ROWS, 5, out, 0);
    reuse.samples(bytes).set(frame);
    reuse.fit(new CellFitter(style, '16'), COLS, ROWS, 5, out, 0);
    expect(reuse.reused).toBe(0);
    const want = new Uint8Array(out.length);
    new CellFitter(style, '16').fit(frame, COLS, ROWS, 5, want, 0);
    expect(Buffer.from(out).equals(Buffer.from(want))).toBe(true);
  });
});

describe('ChangedCellsSimd', () => {
  it('lists the same cells as comparing every byte, for every fitted width and height, any grid', () => {
    const arena = frameArena();
    const scan = ChangedCellsSimd.over(arena);
    expect(scan, 'WebAssembly SIMD is available here').not.toBeNull();
    const r = rng(11);
    for (const subX of [2, 4]) {
      for (const subY of [2, 3, 4, 8]) {
        for (const [cols, rows] of [[1, 1], [13, 5], [7, 3], [160, 2], [33, 4]] as const) {
          const rowBytes = subX * 3;
          const bytes = cols * rowBytes * subY * rows;
          const cur = arena.bytes(bytes)!;
          const prev = arena.bytes(bytes)!;
          for (let i = 0; i < bytes; i++) cur[i] = prev[i] = Math.floor(r() * 256);
          // The bytes past the end (the arena's tail) differ: they must not list a cell.
          new Uint8Array(cur.buffer, cur.byteOffset + bytes, 15).fill(1);
          new Uint8Array(prev.buffer, prev.byteOffset + bytes, 15).fill(2);
          const want: number[] = [];
          for (let cell = 0; cell < cols * rows; cell++) {
            if (r() < 0.3) continue;
            want.push(cell);
            const cy = Math.floor(cell / cols);
            const k = Math.floor(r() * rowBytes * subY);
            const at = (cy * subY + Math.floor(k / rowBytes)) * cols * rowBytes + (cell % cols) * rowBytes + (k % rowBytes);
            cur[at] = (cur[at]! + 1 + Math.floor(r() * 255)) & 0xff;
          }
          const list = arena.int32(cols * rows)!;
          const acc = arena.bytes(accBytes(cols, rowBytes))!;
          const count = new Int32Array(acc.buffer, acc.byteOffset + acc.length - 4, 1);
          const n = scan!.scan(cur, prev, rowBytes, subY, cols, rows, list, acc, count);
          expect([...list.subarray(0, n)], `${subX}×${subY}, ${cols}×${rows}`).toEqual(want);
          for (const b of [cur, prev, list, acc]) arena.release(b);
        }
      }
    }
  });

  it('leaves buffers outside the frame memory, and widths it has no code for, to the JS scan', () => {
    const arena = frameArena();
    const scan = ChangedCellsSimd.over(arena)!;
    const acc = arena.bytes(accBytes(4, 6))!;
    const count = new Int32Array(acc.buffer, acc.byteOffset + acc.length - 4, 1);
    const list = arena.int32(4)!;
    expect(scan.scan(new Uint8Array(48), new Uint8Array(48), 6, 2, 4, 1, list, acc, count)).toBe(-1);
    const inArena = arena.bytes(72)!;
    expect(scan.scan(inArena, inArena, 9, 2, 4, 1, list, acc, count)).toBe(-1);
  });
});

describe('CellGatherSimd', () => {
  it('lists the candidate cells that differ, as comparing their bytes does, and gathers exactly their bytes into a row', () => {
    const arena = frameArena();
    const simd = CellGatherSimd.over(arena);
    expect(simd, 'WebAssembly SIMD is available here').not.toBeNull();
    const r = rng(17);
    for (const subX of [2, 4]) {
      for (const subY of [2, 3, 4, 8]) {
        for (const [cols, rows] of [[1, 1], [13, 5], [7, 3], [160, 2], [33, 4]] as const) {
          const rowBytes = subX * 3;
          const cells = cols * rows;
          const bytes = cols * rowBytes * subY * rows;
          const cur = arena.bytes(bytes)!;
          const prev = arena.bytes(bytes)!;
          for (let i = 0; i < bytes; i++) cur[i] = prev[i] = Math.floor(r() * 256);
          // The bytes past the end (the arena's tail) differ: they must not list a cell.
          new Uint8Array(cur.buffer, cur.byteOffset + bytes, 15).fill(1);
          new Uint8Array(prev.buffer, prev.byteOffset + bytes, 15).fill(2);
          const candidates = arena.bytes(cells)!;
          const want: number[] = [];
          for (let cell = 0; cell < cells; cell++) {
            const changed = r() < 0.5;
            // Candidates: the changed cells and some that are the same; a changed cell not marked is not compared.
            candidates[cell] = changed ? (r() < 0.9 ? 1 + Math.floor(r() * 255) : 0) : r() < 0.3 ? 1 : 0;
            if (!changed) continue;
            if (candidates[cell] !== 0) want.push(cell);
            const cy = Math.floor(cell / cols);
            const k = Math.floor(r() * rowBytes * subY);
            const at = (cy * subY + Math.floor(k / rowBytes)) * cols * rowBytes + (cell % cols) * rowBytes + (k % rowBytes);
            cur[at] = (cur[at]! + 1 + Math.floor(r() * 255)) & 0xff;
          }
          const list = arena.int32(cells)!;
          const result = arena.int32(1)!;
          const n = simd!.among(cur, prev, rowBytes, subY, cols, rows, candidates, list, result);
          expect([...list.subarray(0, n)], `${subX}×${subY}, ${cols}×${rows}`).toEqual(want);
          if (n === 0) continue;
          // Gathered: row y of listed cell i at y·n·rowBytes + i·rowBytes; the byte after the last row untouched.
          const dst = arena.bytes(n * rowBytes * subY + 1)!;
          dst.fill(0xee);
          expect(simd!.gather(cur, dst, rowBytes, subY, cols, list, n)).toBe(true);
          const expected = new Uint8Array(n * rowBytes * subY + 1).fill(0xee);
          want.forEach((cell, i) => {
            const cy = Math.floor(cell / cols);
            for (let y = 0; y < subY; y++) {
              const from = (cy * subY + y) * cols * rowBytes + (cell % cols) * rowBytes;
              expected.set(cur.subarray(from, from + rowBytes), y * n * rowBytes + i * rowBytes);
            }
          });
          expect(Buffer.from(dst).equals(Buffer.from(expected)), `gathered ${subX}×${subY}, ${cols}×${rows}`).toBe(true);
          for (const b of [cur, prev, candidates, list, result, dst]) arena.release(b);
        }
      }
    }
  });

  it('leaves buffers outside the frame memory, and widths it has no code for, to the JS loops', () => {
    const arena = frameArena();
    const simd = CellGatherSimd.over(arena)!;
    const list = arena.int32(4)!;
    const result = arena.int32(1)!;
    const candidates = arena.bytes(4)!.fill(1);
    expect(simd.among(new Uint8Array(48), new Uint8Array(48), 6, 2, 4, 1, candidates, list, result)).toBe(-1);
    const inArena = arena.bytes(72)!;
    expect(simd.among(inArena, inArena, 9, 2, 4, 1, candidates, list, result)).toBe(-1);
    expect(simd.gather(inArena, new Uint8Array(72), 6, 2, 4, list, 1)).toBe(false);
  });
});

describe('ViewRenderer with reused cells', () => {
  it('renders each frame of a changing picture as a fresh renderer does, and reuses the cells that did not change', () => {
    const spec: ViewSpec = { yaw: 30, pitch: 5, roll: 0, fov: 80, cols: 40, rows: 12, aspect: 0.5, mode: 5, style: 'mosaic', palette: 'rgb', codec: 'raw', quality: 'balanced', camera: 'flat' };
    const w = 1024;
    const h = 512;
    const frame = new Uint8Array(w * h * 3 + 3);
    frame.set(renderDemoBackground(w, h));
    const renderer = new ViewRenderer(spec);
    const capacity = frameShape(spec).frameBytes;
    const reused: number[] = [];
    for (let f = 0; f < 4; f++) {
      // A moving box over part of the view: the cells it leaves and enters change, the rest not.
      for (let y = 200; y < 280; y++) for (let x = 560 + f * 12; x < 600 + f * 12; x++) frame.set([f * 60, 255 - f * 50, 90], (y * w + x) * 3);
      const source = { pixels: frame, width: w, height: h };
      const got = new Uint8Array(capacity);
      const n = renderer.render(source, f, got);
      const want = new Uint8Array(capacity);
      expect(new ViewRenderer(spec).render(source, f, want)).toBe(n);
      expect(Buffer.from(got.subarray(0, n)).equals(Buffer.from(want.subarray(0, n))), `frame ${f}`).toBe(true);
      reused.push(renderer.cellsReused);
    }
    expect(reused[0]).toBe(0);
    for (const n of reused.slice(1)) {
      expect(n).toBeGreaterThan(0);
      expect(n).toBeLessThan(spec.cols * spec.rows);
    }
  });
});
