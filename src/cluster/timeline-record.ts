/**
 * The shared timeline of a cluster (`serve --cluster`), as one small record every server reads the
 * same way. A position is stored with the wall-clock time it was true at, so a playing timeline
 * needs no updates while it plays: each server works out where it is now from its own clock.
 * Changes are ordered by last write wins (`changedAt`, then `writer`), so there is no leader.
 */

export type TimelineCause = 'start' | 'pause' | 'resume' | 'seek' | 'restart';

export interface TimelineRecord {
  paused: boolean;
  /** Seconds into the file at wall-clock `at`; the file's own position, never wrapped. */
  position: number;
  /**
   * Wall-clock ms (Date.now()) from which a playing timeline runs on from `position`. A change
   * sets it slightly in the future (the servers' decoder start-up): until then the position holds.
   */
  at: number;
  /** What made the last change, so every server tells its viewers the same STATUS (§2.1). */
  cause: TimelineCause;
  /** Wall-clock ms of the change, and the server that made it: the order of last write wins. */
  changedAt: number;
  writer: string;
}

const CAUSES: readonly TimelineCause[] = ['start', 'pause', 'resume', 'seek', 'restart'];

/** A timeline playing from the start of the file at `now`, as a new cluster begins. */
export function startingRecord(now: number, changedAt: number, writer: string): TimelineRecord {
  return { paused: false, position: 0, at: now, cause: 'start', changedAt, writer };
}

/** True when `a` was written after `b` (or `b` is missing). */
export function isNewer(a: TimelineRecord, b: TimelineRecord | null): boolean {
  if (!b) return true;
  if (a.changedAt !== b.changedAt) return a.changedAt > b.changedAt;
  return a.writer > b.writer;
}

export function sameChange(a: TimelineRecord | null, b: TimelineRecord | null): boolean {
  return !!a && !!b && a.changedAt === b.changedAt && a.writer === b.writer;
}

/**
 * The file position at wall-clock `now`: wrapped into a looping file, held at the end of one that
 * does not loop. A number, nothing allocated: the playback asks for every frame.
 */
export function sharedPosition(record: TimelineRecord, now: number, duration: number, loop: boolean): number {
  const unwrapped = record.position + (record.paused ? 0 : Math.max(0, now - record.at) / 1000);
  if (duration <= 0) return unwrapped;
  if (loop) return unwrapped - Math.floor(unwrapped / duration) * duration;
  return unwrapped >= duration ? duration : unwrapped;
}

/**
 * Where the timeline is at wall-clock `now`: the file position (wrapped into a looping file) and
 * whether a file that does not loop has run out. `pass` counts a looping file's passes.
 */
export function positionAt(record: TimelineRecord, now: number, duration: number, loop: boolean): { position: number; ended: boolean; pass: number } {
  const run = record.paused ? 0 : Math.max(0, now - record.at) / 1000;
  const unwrapped = record.position + run;
  if (duration <= 0) return { position: unwrapped, ended: false, pass: 0 };
  if (loop) {
    const pass = Math.floor(unwrapped / duration);
    return { position: unwrapped - pass * duration, ended: false, pass };
  }
  return unwrapped >= duration ? { position: duration, ended: true, pass: 0 } : { position: unwrapped, ended: false, pass: 0 };
}

/**
 * `a − b` for two positions of a file `duration` long, the short way round when it loops: how far
 * a frame is ahead of (positive) or behind the shared position.
 */
export function positionOffset(a: number, b: number, duration: number, loop: boolean): number {
  const d = a - b;
  if (!loop || duration <= 0) return d;
  const wrapped = d - Math.round(d / duration) * duration;
  return wrapped;
}

/** A record read from Redis, checked field by field: another program's write must not crash us. */
export function parseRecord(text: string | null): TimelineRecord | null {
  if (!text) return null;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const r = v as Record<string, unknown>;
  const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
  if (typeof r['paused'] !== 'boolean' || !finite(r['position']) || r['position'] < 0 || !finite(r['at']) || !finite(r['changedAt'])) return null;
  if (typeof r['writer'] !== 'string' || !CAUSES.includes(r['cause'] as TimelineCause)) return null;
  return { paused: r['paused'], position: r['position'], at: r['at'], cause: r['cause'] as TimelineCause, changedAt: r['changedAt'], writer: r['writer'] };
}
