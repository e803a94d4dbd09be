/**
 * The playback following a cluster's timeline (src/app/playback.ts, `followShared`/`applyShared`):
 * what its viewers are told when records arrive, with a source that decodes nothing and a
 * timeline held in memory that hands each change back at once, as Cluster does.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TimelineStatus } from '../protocol/index.js';
import { Playback } from '../src/app/playback.js';
import type { SharedTimeline, TimelineChange } from '../src/cluster/cluster.js';
import { isNewer, type TimelineRecord } from '../src/cluster/timeline-record.js';
import { silentLogger } from '../src/shared/logger.js';
import { RGB24 } from '../src/shared/frame-pixels.js';
import type { FrameSource, SourceInfo } from '../src/source/frame-source.js';
import { equirectSource } from '../src/source/source-format.js';

const DURATION = 6;
const FPS = 30;

function quietSource(): FrameSource {
  const info: SourceInfo = { label: 'clip.mp4', kind: 'video', fps: FPS, duration: DURATION, live: false, hasAudio: false, width: 128, height: 64, format: equirectSource(128, 64), pixels: RGB24 };
  return { info, running: false, decoder: { hwaccel: 'none', resizer: 'none' }, discarded: 0, start() {}, stop() {}, dispose: async () => {} };
}

/** A cluster in memory: this server's changes and the others' records both reach the playback, the newest kept (last write wins). */
class MemoryTimeline implements SharedTimeline {
  record: TimelineRecord;
  onRecord: (record: TimelineRecord) => void = () => {};

  constructor(record: TimelineRecord) {
    this.record = record;
  }

  change(change: TimelineChange): void {
    this.arrive({ ...change, changedAt: Math.max(Date.now(), this.record.changedAt + 1), writer: 'here' });
  }

  /** A record written here or by another server. */
  arrive(record: TimelineRecord): void {
    if (!isNewer(record, this.record)) return;
    this.record = record;
    this.onRecord(record);
  }
}

function follow(record: TimelineRecord, loops = false): { playback: Playback; timeline: MemoryTimeline; told: TimelineStatus[] } {
  const told: TimelineStatus[] = [];
  const playback = new Playback(() => quietSource(), 128, {
    frame() {},
    problem() {},
    ended() {},
    status: (status) => told.push(status),
  }, silentLogger);
  const timeline = new MemoryTimeline(record);
  timeline.onRecord = (r) => playback.applyShared(r);
  playback.followShared(timeline, loops);
  return { playback, timeline, told };
}

describe('a newcomer after the end of a file that does not loop', () => {
  it('is told PLAYING once when a newcomer on another server restarted it at the same moment', () => {
    const now = Date.now();
    // The file ended four seconds ago everywhere.
    const { playback, timeline, told } = follow({ paused: false, position: 0, at: now - (DURATION + 4) * 1000, cause: 'start', changedAt: 1, writer: 'a' });
    // A viewer here (it is told the timeline after its INIT, app.ts; the playback's own announcements go to the others).
    playback.setClients(1);
    expect(timeline.record.cause).toBe('restart');
    expect(playback.status).toMatchObject({ code: 'PLAYING', position: 0 });
    const ownRestart = told.length;
    // A second viewer here: no change to tell.
    playback.setClients(2);
    expect(told.length).toBe(ownRestart);
    // Another server's newcomer restarted the file too before it heard of ours; its record is the
    // newer one, so it wins on every server. It is the same news: the file plays again from its start.
    timeline.arrive({ paused: false, position: 0, at: Date.now() + 400, cause: 'restart', changedAt: timeline.record.changedAt + 5, writer: 'z' });
    expect(timeline.record.writer).toBe('z');
    expect(playback.status).toMatchObject({ code: 'PLAYING', position: 0 });
    expect(told.slice(ownRestart)).toEqual([]);
  });

  it('is told PLAYING again when the file ended once more before the next restart', () => {
    const now = Date.now();
    // Restarted long ago: that pass has ended too, so the next restart is news.
    const { playback, told } = follow({ paused: false, position: 0, at: now - (DURATION + 4) * 1000, cause: 'restart', changedAt: 1, writer: 'a' });
    playback.setClients(1);
    expect(told.map((s) => s.code)).toEqual(['PLAYING']);
  });
});

describe('a server whose source was given up', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('tries again where the others are when a viewer comes, and says PLAYING, not FAILED', () => {
    vi.useFakeTimers();
    const now = Date.now();
    // Looping: the shared timeline runs on while this server fails.
    const { playback, told } = follow({ paused: false, position: 0, at: now - 1000, cause: 'start', changedAt: 1, writer: 'a' }, true);
    playback.setClients(1);
    // Five failures in a row, each after the restart the one before scheduled.
    for (let i = 0; i < 5; i++) {
      playback.onSourceError('ffmpeg killed by SIGKILL');
      vi.advanceTimersByTime(5000);
    }
    expect(playback.status.code).toBe('FAILED');
    // Its viewers were closed with 1011 (app.ts); the next one makes it try again (PROTOCOL-NOTES.md §6.2).
    playback.setClients(0);
    const before = told.length;
    playback.setClients(1);
    expect(playback.status.code).toBe('PLAYING');
    expect(told.slice(before)).toEqual([]);
    playback.setClients(0);
  });
});

describe('a server nobody watches', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reports where the shared timeline is now, not where its last viewer left it', () => {
    vi.useFakeTimers();
    const { playback } = follow({ paused: false, position: 0, at: Date.now(), cause: 'start', changedAt: 1, writer: 'a' });
    playback.setClients(1);
    vi.advanceTimersByTime(2000);
    playback.setClients(0);
    vi.advanceTimersByTime(2000);
    playback.observe();
    expect(playback.status).toMatchObject({ code: 'PLAYING' });
    expect(playback.position).toBeCloseTo(4, 3);
    // The file (6 s, no --loop) has ended everywhere.
    vi.advanceTimersByTime(5000);
    playback.observe();
    expect(playback.status).toEqual({ code: 'ENDED', position: DURATION });
  });
});
