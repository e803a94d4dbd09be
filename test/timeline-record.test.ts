/**
 * The cluster's timeline record (src/cluster/timeline-record.ts): where a shared timeline is at a
 * wall-clock time, the order of last write wins, and records read back from Redis.
 */
import { describe, expect, it } from 'vitest';
import { isNewer, parseRecord, positionAt, positionOffset, sharedPosition, type TimelineRecord } from '../src/cluster/timeline-record.js';

const base: TimelineRecord = { paused: false, position: 10, at: 1_000_000, cause: 'seek', changedAt: 999_000, writer: 'a' };

describe('positionAt', () => {
  it('runs on from the position at the wall-clock time it was true', () => {
    expect(positionAt(base, 1_002_500, 60, false)).toEqual({ position: 12.5, ended: false, pass: 0 });
  });

  it('holds the position until `at` (the servers\' start-up allowance) and while paused', () => {
    expect(positionAt(base, 999_500, 60, false).position).toBe(10);
    expect(positionAt({ ...base, paused: true }, 1_030_000, 60, false).position).toBe(10);
  });

  it('wraps a looping file and counts its passes', () => {
    expect(positionAt(base, 1_000_000 + 125_000, 60, true)).toEqual({ position: 15, ended: false, pass: 2 });
  });

  it('ends a file that does not loop at its duration', () => {
    expect(positionAt(base, 1_000_000 + 55_000, 60, false)).toEqual({ position: 60, ended: true, pass: 0 });
  });
});

describe('sharedPosition', () => {
  it('is positionAt\'s position, for every case', () => {
    for (const r of [base, { ...base, paused: true }]) {
      for (const now of [999_500, 1_002_500, 1_055_000, 1_125_000]) {
        for (const loop of [false, true]) expect(sharedPosition(r, now, 60, loop)).toBeCloseTo(positionAt(r, now, 60, loop).position, 9);
      }
    }
  });
});

describe('positionOffset', () => {
  it('is the short way round a loop', () => {
    expect(positionOffset(59.9, 0.1, 60, true)).toBeCloseTo(-0.2, 9);
    expect(positionOffset(0.1, 59.9, 60, true)).toBeCloseTo(0.2, 9);
    expect(positionOffset(0.1, 59.9, 60, false)).toBeCloseTo(-59.8, 9);
  });
});

describe('last write wins', () => {
  it('orders by time of change, then by writer', () => {
    expect(isNewer({ ...base, changedAt: 999_001 }, base)).toBe(true);
    expect(isNewer({ ...base, changedAt: 998_999, writer: 'z' }, base)).toBe(false);
    expect(isNewer({ ...base, writer: 'b' }, base)).toBe(true);
    expect(isNewer(base, base)).toBe(false);
    expect(isNewer(base, null)).toBe(true);
  });
});

describe('parseRecord', () => {
  it('reads back what was written', () => {
    expect(parseRecord(JSON.stringify(base))).toEqual(base);
  });

  it('refuses anything else another program may have put there', () => {
    for (const text of [null, '', 'nope', '[]', '{}', JSON.stringify({ ...base, cause: 'jump' }), JSON.stringify({ ...base, position: -1 }), JSON.stringify({ ...base, at: 'soon' })]) {
      expect(parseRecord(text)).toBeNull();
    }
  });
});
