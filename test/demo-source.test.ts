/**
 * The demo source restores only the rows its moving ball covered in a reused ring slot: every frame
 * must still be exactly the scene at its position, drawn afresh.
 */
import { describe, expect, it } from 'vitest';
import { DemoSource, demoInfo } from '../src/source/demo-source.js';
import { drawDemoMotion, renderDemoBackground } from '../src/source/demo-scene.js';
import { FrameRing } from '../src/source/frame-ring.js';
import type { DecodedFrame } from '../src/shared/types.js';

const W = 512;
const H = 256;

/** Frames of `source` from `position`, each compared with a fresh drawing, its slot then released for reuse. */
function run(source: DemoSource, ring: FrameRing, position: number, frames: number): Promise<number[]> {
  const background = renderDemoBackground(W, H);
  const positions: number[] = [];
  return new Promise((resolve, reject) => {
    handler.frame = (f: DecodedFrame) => {
      try {
        const expected = background.slice();
        drawDemoMotion(expected, W, H, f.position);
        const got = ring.slots[f.slot]!.subarray(0, W * H * 3);
        let differing = 0;
        for (let i = 0; i < got.length; i++) if (got[i] !== expected[i]) differing++;
        expect(differing, `frame at ${f.position.toFixed(3)} s, slot ${f.slot}`).toBe(0);
        positions.push(f.position);
        ring.release(f.slot);
        if (positions.length === frames) {
          source.stop();
          resolve(positions);
        }
      } catch (error) {
        source.stop();
        reject(error);
      }
    };
    source.start(position, ring);
  });
}

const handler: { frame: (f: DecodedFrame) => void } = { frame: () => {} };

describe('demo source', () => {
  it('every frame is the scene at its position, with slots reused and after a seek', async () => {
    const ring = new FrameRing(W, H);
    const source = new DemoSource(demoInfo(30), { onFrame: (f) => handler.frame(f), onError: () => {}, onEnd: () => {} }, false);
    const first = await run(source, ring, 0, 3 * ring.slots.length + 2);
    expect(first.at(-1)).toBeGreaterThan(first[0]!);
    // A seek: the ball jumps half the orbit; the rows restored are those the last frame in each slot drew.
    const second = await run(source, ring, 31.7, 2 * ring.slots.length);
    expect(second[0]).toBeCloseTo(31.7, 5);
  });
});
