/**
 * A ring's changed tiles (src/source/frame-changes.ts) and the views that sample only the cells in
 * them (ViewRenderer with the ring's stamps): each frame's bytes are those of a view that samples
 * every cell, whatever changed, was skipped or could not be compared.
 */
import { describe, expect, it } from 'vitest';
import type { StyleName } from '../protocol/index.js';
import { EQUIRECT_FORMAT } from '../src/projection/layouts/index.js';
import { RGB24, type FramePixels } from '../src/shared/frame-pixels.js';
import { TILE, WANT_FRAMES } from '../src/shared/tile-stamps.js';
import type { ViewSpec } from '../src/shared/types.js';
import { FrameRing } from '../src/source/frame-ring.js';
import { payloadCapacity, ViewRenderer, type SourceFrame } from '../src/workers/view-renderer.js';
import { CellTiles } from '../src/projection/cell-tiles.js';
import { rng } from './helpers/random.js';

const YUV: FramePixels = { kind: 'yuv420p', matrix: 'bt601', range: 'limited' };
const W = 512;
const H = 256;

function spec(style: StyleName, yaw: number, pitch: number): ViewSpec {
  return { yaw, pitch, roll: 0, fov: 90, cols: 40, rows: 12, aspect: 0.5, mode: 5, style, palette: 'rgb', codec: 'raw', quality: 'balanced', camera: 'flat' };
}

/** A ring's next frame: a slot written with `picture` and delivered; the slot before it given back. */
class Deliveries {
  readonly ring: FrameRing;
  slot = -1;
  seq = 0;

  constructor(pixels: FramePixels) {
    this.ring = new FrameRing(W, H, EQUIRECT_FORMAT, pixels);
  }

  /** With `wantAll`, every row of tiles is wanted compared, as if views read them all. */
  deliver(picture: Uint8Array, wantAll = false): Uint8Array {
    if (wantAll) this.ring.changes!.want(0, H / TILE - 1, this.seq);
    const slot = this.ring.acquire();
    this.ring.slots[slot]!.set(picture);
    this.seq = this.ring.delivered(slot);
    if (this.slot >= 0) this.ring.release(this.slot);
    this.slot = slot;
    return this.ring.slots[slot]!;
  }

  /** `pixels` (a delivered frame) as a view renders it: with the ring's stamps and the last delivery's number, or, `stamped` false, without (every cell sampled). */
  source(pixels: Uint8Array, stamped = true): SourceFrame {
    const { format, arena, changes } = this.ring;
    return stamped ? { pixels, width: W, height: H, format, arena, stamps: changes, seq: this.seq } : { pixels, width: W, height: H, format, arena };
  }
}

describe('FrameChanges', () => {
  for (const pixels of [RGB24, YUV]) {
    it(`${pixels.kind}: a delivered frame stamps exactly the tiles whose bytes differ from the frame before, in every plane`, () => {
      const d = new Deliveries(pixels);
      const changes = d.ring.changes!;
      expect(changes).not.toBeNull();
      const bytes = d.ring.layout.pictureBytes;
      const r = rng(3);
      const first = Uint8Array.from({ length: bytes }, () => Math.floor(r() * 256));
      d.deliver(first, true);
      // The first frame has none before it: every tile counts as changed.
      expect(changes.reset).toBe(1);
      const tilesX = W / TILE;
      // One byte changed in each plane, each in a tile of its own.
      const next = first.slice();
      const expected = new Set<number>();
      const planes = d.ring.layout.planes;
      planes.forEach(([start], p) => {
        const chroma = pixels.kind === 'yuv420p' && p > 0;
        const [x, y] = ([[37, 200], [130, 40], [250, 120]] as const)[p]!;
        // Chroma pixel (x, y) lies over luma pixels (2x, 2y).
        const at = chroma ? start + y * (W / 2) + x : start + (y * W + x) * (pixels.kind === 'rgb24' ? 3 : 1) + (pixels.kind === 'rgb24' ? 2 : 0);
        next[at] = next[at]! ^ 1;
        const [lx, ly]: [number, number] = chroma ? [2 * x, 2 * y] : [x, y];
        expected.add(Math.floor(ly / TILE) * tilesX + Math.floor(lx / TILE));
      });
      d.deliver(next, true);
      expect(d.seq).toBe(2);
      expect(changes.reset).toBe(1);
      const stamped = [...changes.stamps.keys()].filter((t) => changes.stamps[t] === 2);
      expect(new Set(stamped)).toEqual(expected);
      // The same bytes again: nothing stamped.
      d.deliver(next, true);
      expect([...changes.stamps].filter((s) => s === 3)).toEqual([]);
      expect(changes.reset).toBe(1);
    });
  }

  it('a frame whose predecessor\'s slot was written again since stamps every tile (reset), and so does the first', () => {
    const d = new Deliveries(RGB24);
    const changes = d.ring.changes!;
    const picture = new Uint8Array(W * H * 3).fill(9);
    d.deliver(picture, true);
    d.deliver(picture, true);
    expect(changes.reset).toBe(1);
    // The slot of frame 2 is being written again before frame 3 is delivered.
    changes.overwritten(d.slot);
    d.deliver(picture, true);
    expect(changes.reset).toBe(3);
  });

  it('after a frame that changed most tiles (a moving camera) the next ones are not compared, one, then two, …; a still frame after a comparison ends that', () => {
    const d = new Deliveries(YUV);
    const changes = d.ring.changes!;
    const r = rng(9);
    const noise = (): Uint8Array => Uint8Array.from({ length: d.ring.layout.pictureBytes }, () => Math.floor(r() * 256));
    d.deliver(noise(), true);
    const compared = (): number => changes.compared;
    // Frame 2 changes everything: compared, then frame 3 is not (reset), frame 4 is again.
    d.deliver(noise(), true);
    expect(compared()).toBe(1);
    const same = noise();
    d.deliver(same, true);
    expect([compared(), changes.reset]).toEqual([1, 3]);
    d.deliver(noise(), true);
    expect(compared()).toBe(2);
    // Mostly changed again: two frames skipped now.
    d.deliver(same, true);
    d.deliver(same, true);
    expect([compared(), changes.reset]).toEqual([2, 6]);
    // Frame 7 is compared and changed nothing: every frame after it is compared.
    d.deliver(same, true);
    expect([compared(), changes.reset]).toEqual([3, 6]);
    d.deliver(same, true);
    d.deliver(same, true);
    expect([compared(), changes.reset]).toEqual([5, 6]);
  });

  it('rows of tiles no view wants compared are stamped with every frame; wanted ones only where they changed, for WANT_FRAMES frames', () => {
    const d = new Deliveries(YUV);
    const changes = d.ring.changes!;
    const picture = new Uint8Array(d.ring.layout.pictureBytes).fill(50);
    const tilesX = W / TILE;
    d.deliver(picture);
    // A view reads rows 3–5 of tiles.
    changes.want(3, 5, d.seq);
    d.deliver(picture);
    const rowStamps = (row: number): number[] => [...changes.stamps.subarray(row * tilesX, (row + 1) * tilesX)];
    expect(new Set(rowStamps(2))).toEqual(new Set([2]));
    expect(new Set(rowStamps(4))).toEqual(new Set([0]));
    expect(new Set(rowStamps(6))).toEqual(new Set([2]));
    expect(changes.compared).toBe(1);
    // The want lapses WANT_FRAMES frames after the frame it was made for.
    for (let i = 0; i < WANT_FRAMES; i++) d.deliver(picture);
    expect(new Set(rowStamps(4))).toEqual(new Set([d.seq]));
  });

  it('a size that is not whole tiles, or ASCII360_TILE_CHANGES=0, compares nothing: every frame is sampled whole', () => {
    expect(new FrameRing(520, 260).changes).toBeNull();
    process.env['ASCII360_TILE_CHANGES'] = '0';
    try {
      const ring = new FrameRing(W, H);
      expect(ring.changes).toBeNull();
      expect(ring.delivered(ring.acquire())).toBe(0);
    } finally {
      delete process.env['ASCII360_TILE_CHANGES'];
    }
  });
});

describe('a fitted view sampling only the cells in changed tiles', () => {
  const views: [string, number, number][] = [['ahead', 20, 5], ['across the seam', 180, -10], ['at a pole', 30, 80]];
  for (const pixels of [RGB24, YUV]) {
    for (const style of ['mosaic', 'sextant'] as const) {
      it(`${pixels.kind}, ${style}: frame after frame the bytes of a view sampling every cell, views ahead, across the seam and at a pole`, () => {
        const d = new Deliveries(pixels);
        const bytes = d.ring.layout.pictureBytes;
        const r = rng(11);
        let picture = Uint8Array.from({ length: bytes }, () => Math.floor(r() * 256));
        const specs = views.map(([, yaw, pitch]) => spec(style, yaw, pitch));
        const keeping = specs.map((s) => new ViewRenderer(s));
        const whole = specs.map((s) => new ViewRenderer(s));
        const outA = new Uint8Array(payloadCapacity(specs[0]!));
        const outB = new Uint8Array(payloadCapacity(specs[0]!));
        const fullSamples = new Map<number, number>();
        let kept = 0;
        // Per frame: how many small patches change (bytes anywhere in them), and whether the views render it.
        const steps: { patches: number; render: boolean; single?: boolean }[] = [
          { patches: 0, render: true },
          { patches: 3, render: true },
          { patches: 0, render: true },
          { patches: 6, render: true },
          { patches: 4, render: false },
          { patches: 0, render: false },
          { patches: 2, render: true },
          { patches: 400, render: true },
          { patches: 1, render: true },
          // Many single changes: some lie in a tile only a cell's last taps reach.
          ...Array.from({ length: 16 }, () => ({ patches: 40, render: true, single: true })),
        ];
        for (const [i, { patches, render, single }] of [{ patches: 0, render: true }, ...steps].entries()) {
          if (i > 0) {
            picture = picture.slice();
            for (let p = 0; p < patches; p++) {
              const at = Math.floor(r() * (bytes - 40));
              if (single) picture[at] = picture[at]! ^ 0x10;
              else for (let k = 0; k < 1 + Math.floor(r() * 40); k += 1 + Math.floor(r() * 7)) picture[at + k] = Math.floor(r() * 256);
            }
          }
          const frame = d.deliver(picture);
          if (!render) continue;
          specs.forEach((_, v) => {
            const a = keeping[v]!.render(d.source(frame), i, outA);
            const b = whole[v]!.render(d.source(frame, false), i, outB);
            expect(a).toBe(b);
            expect(Buffer.from(outA.subarray(0, a)).equals(Buffer.from(outB.subarray(0, b))), `${views[v]![0]}, frame ${i}`).toBe(true);
            fullSamples.set(v, whole[v]!.samplesTaken);
            if (keeping[v]!.samplesTaken < whole[v]!.samplesTaken) kept++;
          });
        }
        // The views did keep samples (here: the frames with no or a few changes).
        expect(kept).toBeGreaterThanOrEqual(views.length * 12);
      });
    }
  }

  it('a slot written again with a frame that is never delivered (FrameRing.acquire) is not compared with: the view samples every cell', () => {
    const d = new Deliveries(RGB24);
    const r = rng(13);
    const a = Uint8Array.from({ length: W * H * 3 }, () => Math.floor(r() * 256));
    const b = a.slice();
    for (let i = 0; i < b.length; i += 997) b[i] = b[i]! ^ 0x40;
    const s = spec('mosaic', 10, 0);
    const view = new ViewRenderer(s);
    const control = new ViewRenderer(s);
    const out = new Uint8Array(payloadCapacity(s));
    const expected = new Uint8Array(payloadCapacity(s));
    for (const picture of [a, a, a]) {
      const f = d.deliver(picture, true);
      view.render(d.source(f), 0, out);
    }
    // The last delivered frame's slot is given back and written again (say, by a frame dropped
    // before delivery) with b's bytes; then b is delivered from another slot.
    const last = d.slot;
    d.ring.release(last);
    d.slot = -1;
    const again = d.ring.acquire();
    expect(again).toBe(last);
    d.ring.slots[again]!.set(b);
    const f = d.deliver(b, true);
    d.ring.release(again);
    const n = view.render(d.source(f), 1, out);
    control.render(d.source(f, false), 1, expected);
    expect(Buffer.from(out.subarray(0, n)).equals(Buffer.from(expected.subarray(0, n)))).toBe(true);
    expect(view.samplesKept).toBe(0);
  });

  it('a view whose frames come from another ring of the same size samples every cell of the first', () => {
    const a = new Deliveries(RGB24);
    const b = new Deliveries(RGB24);
    const r = rng(5);
    const p1 = Uint8Array.from({ length: W * H * 3 }, () => Math.floor(r() * 256));
    const p2 = Uint8Array.from({ length: W * H * 3 }, () => Math.floor(r() * 256));
    const s = spec('mosaic', 0, 0);
    const view = new ViewRenderer(s);
    const control = new ViewRenderer(s);
    const out = new Uint8Array(payloadCapacity(s));
    const expected = new Uint8Array(payloadCapacity(s));
    const f1 = a.deliver(p1);
    view.render(a.source(f1), 0, out);
    // Ring b's first frames: sequence numbers 1, 2 again, another picture.
    b.deliver(p2);
    const f2 = b.deliver(p2);
    const n = view.render(b.source(f2), 1, out);
    control.render(b.source(f2, false), 1, expected);
    expect(view.samplesTaken).toBe(control.samplesTaken);
    expect(Buffer.from(out.subarray(0, n)).equals(Buffer.from(expected.subarray(0, n)))).toBe(true);
  });

  it.each([RGB24, YUV])('%s: kept through fit efforts that change the search (a full refit on the kept samples) and through a move to another ring and back, the same bytes as sampling every cell', (pixels) => {
    const rings = [new Deliveries(pixels), new Deliveries(pixels)];
    const bytes = rings[0]!.ring.layout.pictureBytes;
    const r = rng(7);
    let picture = Uint8Array.from({ length: bytes }, () => Math.floor(r() * 256));
    const s = spec('mosaic', 20, 5);
    const keep = new ViewRenderer(s);
    const whole = new ViewRenderer(s);
    const a = new Uint8Array(payloadCapacity(s));
    const b = new Uint8Array(payloadCapacity(s));
    // Blocks leaves the diagonals out: the fit of every cell again, from the samples the view kept.
    const efforts = ['full', 'full', 'blocks', 'blocks', 'full', 'blocks', 'full', 'full', 'full', 'blocks'] as const;
    let keptFrames = 0;
    for (let i = 0; i < 60; i++) {
      picture = picture.slice();
      for (let p = 0; p < 1 + Math.floor(r() * 30); p++) picture[Math.floor(r() * (bytes - 40))]! ^= 0x40;
      // The first ring, the other from frame 25, the first again from 50.
      const d = rings[Math.floor(i / 25) % 2]!;
      const frame = d.deliver(picture);
      const effort = efforts[i % efforts.length]!;
      const la = keep.render(d.source(frame), i, a, effort);
      const lb = whole.render(d.source(frame, false), i, b, effort);
      if (keep.samplesKept > 0) keptFrames++;
      expect(la).toBe(lb);
      expect(Buffer.from(a.subarray(0, la)).equals(Buffer.from(b.subarray(0, lb))), `frame ${i}, ${effort}`).toBe(true);
    }
    expect(keptFrames).toBeGreaterThan(30);
  });
});

describe('a view moving to another ring', () => {
  it('gives back every block it held in the old ring\'s memory, its list of changed runs too, even where the new ring compares nothing', () => {
    const a = new Deliveries(RGB24);
    const base = a.ring.arena!.allocated;
    const r = rng(1);
    let picture = Uint8Array.from({ length: a.ring.layout.pictureBytes }, () => Math.floor(r() * 256));
    const s = spec('mosaic', 20, 5);
    const view = new ViewRenderer(s);
    const out = new Uint8Array(payloadCapacity(s));
    for (let i = 0; i < 8; i++) {
      picture = picture.slice();
      for (let k = 0; k < 200; k++) picture[Math.floor(r() * picture.length)]! ^= 1;
      const frame = a.deliver(picture);
      view.render(a.source(frame), i, out);
    }
    expect(view.samplesKept).toBeGreaterThan(0);
    expect(a.ring.arena!.allocated).toBeGreaterThan(base);
    // 520 × 260 is not whole tiles: that ring compares nothing, and the view samples every cell.
    const b = new FrameRing(520, 260, EQUIRECT_FORMAT, RGB24);
    expect(b.changes).toBeNull();
    const slot = b.acquire();
    // Two frames: the fit's comparison buffers move with its first comparison there.
    for (let i = 8; i < 10; i++) view.render({ pixels: b.slots[slot]!, width: 520, height: 260, format: b.format, arena: b.arena, stamps: b.changes, seq: 0 }, i, out);
    expect(a.ring.arena!.allocated).toBe(base);
  });
});

describe('CellTiles', () => {
  it('marks exactly the cells whose box of tiles holds one stamped after the frame asked about, or is wider than 3 tiles; taps in the black never change', () => {
    const r = rng(5);
    const tilesX = W / TILE;
    const tilesY = H / TILE;
    const subX = 2;
    const subY = 3;
    const taps = 3;
    for (let trial = 0; trial < 50; trial++) {
      const cols = 10 + Math.floor(r() * 20);
      const rows = 5 + Math.floor(r() * 10);
      const samples = cols * subX * rows * subY;
      // Taps near a moving centre, now and then one far off (a wide box) or in the black past the picture.
      const entries = new Int32Array(samples * taps);
      const x0 = Math.floor(r() * W);
      const y0 = Math.floor(r() * H);
      for (let k = 0; k < samples; k++) {
        const far = r() < 0.03;
        for (let t = 0; t < taps; t++) {
          const x = far ? Math.floor(r() * W) : Math.min(W - 1, Math.max(0, x0 + (((k % (cols * subX)) * 3) % 100) + Math.floor(r() * 20) - 10));
          const y = far ? Math.floor(r() * H) : Math.min(H - 1, Math.max(0, (y0 >> 1) + Math.floor(k / (cols * subX)) + Math.floor(r() * 6)));
          entries[k * taps + t] = r() < 0.02 ? W * H * 3 + 5 : (y * W + x) * 3;
        }
      }
      const tiles = new CellTiles();
      tiles.build(entries, taps, taps, 3, W, H, cols, rows, subX, subY, TILE, tilesX);
      const stamps = Int32Array.from({ length: tilesX * tilesY }, () => Math.floor(r() * 10));
      const seq = Math.floor(r() * 10);
      const n = tiles.changedSince(stamps, seq);
      // Each cell's box from its taps, checked tile by tile.
      let want = 0;
      for (let cy = 0, cell = 0; cy < rows; cy++) {
        for (let cx = 0; cx < cols; cx++, cell++) {
          let left = W, right = -1, top = H, bottom = -1;
          for (let sy = 0; sy < subY; sy++) {
            for (let sx = 0; sx < subX; sx++) {
              const k = (cy * subY + sy) * cols * subX + cx * subX + sx;
              for (let t = 0; t < taps; t++) {
                const o = entries[k * taps + t]!;
                if (o >= W * H * 3) continue;
                const x = (o / 3) % W;
                const y = Math.floor(o / 3 / W);
                left = Math.min(left, x);
                right = Math.max(right, x);
                top = Math.min(top, y);
                bottom = Math.max(bottom, y);
              }
            }
          }
          let changed = false;
          if (right >= 0) {
            const [tx0, tx1, ty0, ty1] = [left, right, top, bottom].map((v) => Math.floor(v / TILE)) as [number, number, number, number];
            if (tx1 - tx0 >= 3 || ty1 - ty0 >= 3) changed = true;
            for (let ty = ty0; ty <= ty1 && !changed; ty++) for (let tx = tx0; tx <= tx1; tx++) if (stamps[ty * tilesX + tx]! > seq) changed = true;
          }
          expect(tiles.changed[cell], `trial ${trial}, cell ${cell}`).toBe(changed ? 1 : 0);
          if (changed) want++;
        }
      }
      expect(n).toBe(want);
    }
  });
});
