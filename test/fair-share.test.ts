/**
 * The fair share of a worker's frame time (src/workers/fair-share.ts): within budget every view
 * renders every frame; over it, cheap views keep every frame and dear ones get their share.
 */
import { describe, expect, it } from 'vitest';
import { FairShare, waterLevel } from '../src/workers/fair-share.js';

interface View {
  key: string;
  cost: number;
  mosaic?: boolean;
}

/** Runs `frames` frames of `views` on a budget, each render costing the view's cost; returns renders per view and the busiest frame. */
function run(views: View[], budget: number, frames: number, exempt = (v: View) => v.mosaic === true): { renders: Map<string, number>; load: number[] } {
  const fair = new FairShare();
  const renders = new Map(views.map((v) => [v.key, 0]));
  const load: number[] = [];
  for (let f = 0; f < frames; f++) {
    const chosen: View[] = [];
    fair.select(views, budget, exempt, chosen);
    let ms = 0;
    for (const v of chosen) {
      renders.set(v.key, renders.get(v.key)! + 1);
      fair.record(v.key, v.cost);
      ms += v.cost;
    }
    load.push(ms);
  }
  return { renders, load };
}

describe('fair share', () => {
  it('the water level caps the dear costs so that all add up to the budget', () => {
    expect(waterLevel([1, 2, 50, 50], 33)).toBe(15);
    expect(waterLevel([5, 5, 5], 33)).toBe(Infinity);
    expect(waterLevel([20, 20], 30)).toBe(15);
    expect(waterLevel([], 30)).toBe(Infinity);
  });

  it('within budget, every view renders every frame', () => {
    const { renders } = run([{ key: 'a', cost: 10 }, { key: 'b', cost: 12 }, { key: 'c', cost: 8 }], 33, 100);
    expect([...renders.values()]).toEqual([100, 100, 100]);
  });

  it('ten dear views do not take a cheap one\'s frames: it renders every frame, they share the rest', () => {
    const views: View[] = [{ key: 'small', cost: 0.5 }, ...Array.from({ length: 10 }, (_, i) => ({ key: `big${i}`, cost: 5.4 }))];
    const { renders, load } = run(views, 33, 300);
    expect(renders.get('small')).toBe(300);
    // The first four frames measure everyone; then each dear view gets (33 - 0.5) / 10 of its 5.4 ms
    // a frame, about 60 % of the frames, and all alike.
    const big = views.slice(1).map((v) => renders.get(v.key)! - 4);
    for (const n of big) expect(n / 296).toBeCloseTo((33 - 0.5) / 10 / 5.4, 1);
    expect(Math.min(...big) / Math.max(...big)).toBeGreaterThan(0.95);
    // Measured, no frame's renders take more than the budget by more than one render.
    expect(Math.max(...load.slice(4))).toBeLessThanOrEqual(33 + 5.4);
    const mean = load.slice(4).reduce((a, b) => a + b, 0) / (load.length - 4);
    expect(mean).toBeGreaterThan(33 * 0.9);
    expect(mean).toBeLessThanOrEqual(33);
  });

  it('a render measured far over a view\'s cost (preempted) does not hold the view back for long', () => {
    const fair = new FairShare();
    const views = Array.from({ length: 40 }, (_, i) => ({ key: `v${i}` }));
    for (let r = 0; r < 4; r++) {
      fair.select(views, 33, () => false, []);
      for (const v of views) fair.record(v.key, 1.5);
    }
    fair.select(views, 33, () => false, []);
    fair.record('v0', 75);
    const renders = new Map(views.map((v) => [v.key, 0]));
    for (let f = 0; f < 100; f++) {
      const chosen: { key: string }[] = [];
      fair.select(views, 33, () => false, chosen);
      for (const v of chosen) {
        renders.set(v.key, renders.get(v.key)! + 1);
        fair.record(v.key, 1.5);
      }
    }
    expect(renders.get('v0')! / renders.get('v1')!).toBeGreaterThan(0.8);
  });

  it('a view that turns (a new key every frame) keeps its viewer\'s share, and is held to it', () => {
    const fair = new FairShare();
    let small = 0;
    let turning = 0;
    for (let f = 0; f < 300; f++) {
      // Ten dear viewers turning once a frame: each frame a new key for each, the same owner.
      const views = [{ key: 'small', owner: 0 }, ...Array.from({ length: 10 }, (_, i) => ({ key: `big${i}@${f}`, owner: i + 1 }))];
      const chosen: { key: string; owner: number }[] = [];
      fair.select(views, 33, () => false, chosen);
      for (const v of chosen) {
        if (v.owner === 0) small++;
        else turning++;
        fair.record(v.key, v.owner === 0 ? 0.5 : 5.4);
      }
    }
    // Before, a new key was always rendered: the turning views were never held back, and the small one lost its frames with them.
    expect(small).toBe(300);
    expect(turning / 10 / 300).toBeCloseTo((33 - 0.5) / 10 / 5.4, 1);
  });

  it('a shared view whose first viewer left is the next one\'s: still held to its share', () => {
    const fair = new FairShare();
    const counts = new Map<string, number>();
    for (let f = 0; f < 300; f++) {
      // Five dear views and a small one; from frame 100 the view 'big0' belongs to viewer 9 (viewer 1 left).
      const views = [{ key: 'small', owner: 0 }, ...Array.from({ length: 5 }, (_, i) => ({ key: `big${i}`, owner: i === 0 && f >= 100 ? 9 : i + 1 }))];
      const chosen: { key: string }[] = [];
      fair.select(views, 33, () => false, chosen);
      for (const v of chosen) {
        if (f >= 200) counts.set(v.key, (counts.get(v.key) ?? 0) + 1);
        fair.record(v.key, v.key === 'small' ? 0.5 : 20);
      }
    }
    expect(counts.get('small')).toBe(100);
    // (33 - 0.5) / 5 of 20 ms a frame each: about a third of the frames, the orphan too (it rendered every one).
    for (let i = 0; i < 5; i++) expect(counts.get(`big${i}`)! / 100, `big${i}`).toBeCloseTo(32.5 / 5 / 20, 1);
  });

  it('exempt views past their head count\'s part of the budget are said (overMs); a render no select listed is not counted', () => {
    const fair = new FairShare();
    const views = [{ key: 'm1' }, { key: 'm2' }, { key: 'r1' }, { key: 'r2' }, { key: 'r3' }, { key: 'r4' }];
    const exempt = (v: { key: string }) => v.key.startsWith('m');
    for (let f = 0; f < 6; f++) {
      fair.select(views, 36, exempt, []);
      for (const v of views) fair.record(v.key, v.key.startsWith('m') ? 10 : 20);
    }
    // 20 ms of exempt views where their part is 36 · 2 / 6 = 12: 8 ms over.
    expect(fair.overMs).toBeCloseTo(8, 6);
    fair.select([{ key: 'm1' }, { key: 'r1' }, { key: 'r2' }], 36, exempt, []);
    // 10 + the others' 24 ms, under the budget: nothing over.
    expect(fair.overMs).toBe(0);
    // A view change's render of a key no select listed (a photo looked around): no entry.
    const before = fair.heldBack;
    fair.record('unlisted@yaw=3', 50);
    const chosen: { key: string }[] = [];
    fair.select([{ key: 'unlisted@yaw=3' }], 36, () => false, chosen);
    expect(chosen).toHaveLength(1);
    expect(before).toBe(fair.heldBack);
  });

  it('a crowd of equal views over budget: each gets the same share of the frames', () => {
    const views = Array.from({ length: 40 }, (_, i) => ({ key: `v${i}`, cost: 1.5 }));
    const { renders } = run(views, 33, 300);
    const counts = [...renders.values()];
    // The first four frames, then 33 / 60 of the others each, give or take a frame.
    for (const n of counts) expect(Math.abs(n - (4 + (296 * 33) / 60))).toBeLessThan(3);
    expect(Math.min(...counts) / Math.max(...counts)).toBeGreaterThan(0.98);
  });

  it('views the governor relieves render every frame; their cost leaves the others less', () => {
    const views: View[] = [{ key: 'm1', cost: 10, mosaic: true }, { key: 'm2', cost: 10, mosaic: true }, { key: 'r1', cost: 13 }, { key: 'r2', cost: 13 }];
    const { renders } = run(views, 33, 204);
    for (const k of ['r1', 'r2']) renders.set(k, renders.get(k)! - 4);
    expect(renders.get('m1')).toBe(204);
    expect(renders.get('m2')).toBe(204);
    // What is left, 13 ms, but at least their head count's part of the budget (2 of 4: 16.5 ms),
    // split by two views of 13: 8.25 / 13 of the frames each.
    for (const k of ['r1', 'r2']) expect(renders.get(k)! / 200).toBeCloseTo(8.25 / 13, 1);
    // Exempt views over the whole budget still leave the others their head count's part of it.
    const crowded = run([{ key: 'm', cost: 40, mosaic: true }, { key: 'r', cost: 10 }], 33, 100).renders;
    expect(crowded.get('r')).toBe(100);
  });
});
