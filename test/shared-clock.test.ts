/**
 * The cluster's timeline as a playback reads it (src/app/shared-clock.ts): where a decoder run
 * starts and when, and when a run has drifted far enough to restart.
 */
import { describe, expect, it } from 'vitest';
import { LEAD_MS, SharedClock } from '../src/app/shared-clock.js';
import type { SharedTimeline, TimelineChange } from '../src/cluster/cluster.js';
import type { TimelineRecord } from '../src/cluster/timeline-record.js';

const AT = 1_000_000;

/** A timeline held in memory, as Cluster holds it: changes replace the record. */
function timeline(record: Partial<TimelineRecord>): SharedTimeline & { changes: TimelineChange[] } {
  const t = {
    record: { paused: false, position: 0, at: AT, cause: 'start', changedAt: AT, writer: 'a', ...record } as TimelineRecord,
    changes: [] as TimelineChange[],
    change(c: TimelineChange) {
      t.changes.push(c);
      t.record = { ...c, changedAt: t.record.changedAt + 1, writer: 'a' };
    },
  };
  return t;
}

describe('runStart', () => {
  it('starts LEAD_MS ahead, on the frame grid, at the moment that frame is due', () => {
    const clock = new SharedClock(timeline({ position: 10.01 }), 60, 30, false);
    const now = AT + 1234;
    const { position, due, ended } = clock.runStart(now);
    expect(ended).toBe(false);
    expect(due).toBeGreaterThanOrEqual(now + LEAD_MS);
    expect(due).toBeLessThan(now + LEAD_MS + 1000 / 30);
    expect(Math.abs(position * 30 - Math.round(position * 30))).toBeLessThan(1e-6);
    // The frame at `position` is due when the shared timeline reaches it.
    expect(10.01 + (due - AT) / 1000).toBeCloseTo(position, 6);
  });

  it('two servers starting at different moments share the frame schedule', () => {
    const clock = new SharedClock(timeline({ position: 3.3333 }), 60, 30, true);
    const a = clock.runStart(AT + 17);
    const b = clock.runStart(AT + 5123);
    // Frame i is due at the same wall-clock time on both.
    const dueOf = (run: { position: number; due: number }, i: number): number => run.due + ((i / 30 - run.position) * 1000);
    expect(dueOf(b, 300)).toBeCloseTo(dueOf(a, 300), 6);
  });

  it('waits for a change\'s `at`, wraps a loop and ends a file that does not loop', () => {
    expect(new SharedClock(timeline({ position: 5, at: AT + 2000 }), 60, 30, false).runStart(AT).due).toBe(AT + 2000);
    const wrapped = new SharedClock(timeline({ position: 59.99 }), 60, 30, true).runStart(AT);
    expect(wrapped.position).toBeGreaterThanOrEqual(0);
    expect(wrapped.position).toBeLessThan(1);
    expect(new SharedClock(timeline({ position: 59.99 }), 60, 30, false).runStart(AT).ended).toBe(true);
  });
});

describe('drifted', () => {
  it('asks for a restart only after half a second of frames too far ahead or too far behind', () => {
    const clock = new SharedClock(timeline({}), 60, 30, false);
    for (let i = 0; i < 14; i++) expect(clock.drifted(4 / 30)).toBe(false);
    expect(clock.drifted(4 / 30)).toBe(true);
    // A frame back in step starts the count again; a little behind is caught up without a restart.
    expect(clock.drifted(0)).toBe(false);
    for (let i = 0; i < 30; i++) expect(clock.drifted(-1.5)).toBe(false);
    for (let i = 0; i < 14; i++) expect(clock.drifted(-2.5)).toBe(false);
    expect(clock.drifted(-2.5)).toBe(true);
  });
});

describe('changes', () => {
  it('pause holds the position it has now; resume and seek take effect LEAD_MS ahead', () => {
    const t = timeline({ position: 10 });
    const clock = new SharedClock(t, 60, 30, false);
    clock.pause(AT + 2000);
    expect(t.record).toMatchObject({ paused: true, position: 12, cause: 'pause' });
    clock.resume(AT + 9000);
    expect(t.record).toMatchObject({ paused: false, position: 12, at: AT + 9000 + LEAD_MS, cause: 'resume' });
    clock.seek(30, false, AT + 9500);
    expect(t.record).toMatchObject({ position: 30, at: AT + 9500 + LEAD_MS, cause: 'seek' });
  });
});
