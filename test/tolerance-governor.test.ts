/**
 * The terminal client's colour tolerance under a frame budget (src/client/terminal/tolerance-governor.ts):
 * raised while frames cost more than the budget, lowered once they are well under it, never for
 * exact colours, and its own clean-up frames not taken for load.
 */
import { describe, expect, it } from 'vitest';
import { ToleranceGovernor } from '../src/client/terminal/tolerance-governor.js';

const BUDGET = 60 * 1024;

/** The tolerances handed out for a run of frames costing `bytes` each. */
function run(g: ToleranceGovernor, bytes: number[], turning = false): number[] {
  return bytes.map((b) => g.next(b, turning));
}

describe('ToleranceGovernor', () => {
  it('keeps the configured tolerance while frames fit, doubles it while the view turns', () => {
    const g = new ToleranceGovernor(8, BUDGET);
    expect(run(g, [0, 20_000, 50_000, 61_000 - 1024])).toEqual([8, 8, 8, 8]);
    expect(run(g, [50_000, 50_000], true)).toEqual([16, 16]);
  });

  it('doubles while frames cost more than the budget, up to four times', () => {
    const g = new ToleranceGovernor(8, BUDGET);
    expect(run(g, [0, 200_000, 150_000, 120_000, 90_000])).toEqual([8, 16, 32, 32, 32]);
  });

  it('steps back down one level after 15 frames under half the budget, and does not count the clean-up frame', () => {
    const g = new ToleranceGovernor(8, BUDGET);
    run(g, [200_000, 200_000]); // raised to 32
    // Between half the budget and the budget: stays.
    expect(run(g, Array(40).fill(40_000)).every((t) => t === 32)).toBe(true);
    const calm = run(g, Array(15).fill(1_000));
    expect(calm.slice(0, 14).every((t) => t === 32)).toBe(true);
    expect(calm[14]).toBe(16);
    // The frame drawn at the lower tolerance redraws every cell now off by more: large, and not load.
    expect(run(g, [150_000])).toEqual([16]);
    expect(run(g, Array(15).fill(1_000)).at(-1)).toBe(8);
    // A frame over budget after that is load again.
    run(g, [0]);
    expect(run(g, [150_000])).toEqual([16]);
  });

  it('the end of a turn is a clean-up too', () => {
    const g = new ToleranceGovernor(8, BUDGET);
    expect(run(g, [30_000, 30_000], true)).toEqual([16, 16]);
    expect(run(g, [30_000])).toEqual([8]);
    expect(run(g, [120_000])).toEqual([8]); // the frame that redrew what the turn left
    expect(run(g, [120_000])).toEqual([16]);
  });

  it('at rest (no frames flowing) it is the configured tolerance at once, and that clean-up frame is not load', () => {
    const g = new ToleranceGovernor(8, BUDGET);
    expect(run(g, [200_000, 200_000, 200_000], true)).toEqual([16, 32, 32]);
    g.rest();
    // The bytes handed in are the last frame's, already judged: not counted again.
    expect(run(g, [200_000])).toEqual([8]);
    expect(run(g, [120_000])).toEqual([8]); // the frame that redrew what the raise left
    expect(run(g, [120_000])).toEqual([16]);
  });

  it('exact colours (tolerance 0) and no budget are never raised', () => {
    expect(run(new ToleranceGovernor(0, BUDGET), [500_000, 500_000, 500_000])).toEqual([0, 0, 0]);
    expect(run(new ToleranceGovernor(8, 0), [500_000, 500_000, 500_000])).toEqual([8, 8, 8]);
  });
});
