/**
 * The terminal link's watch for a server gone without a close (src/client/terminal/silence-watch.ts):
 * a fake socket and clock; the watch's own timer is not waited for.
 */
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { ANSWER_MS, QUIET_MS, SilenceWatch, WATCH_TICK_MS } from '../src/client/terminal/silence-watch.js';

class FakeSocket extends EventEmitter {
  pings = 0;
  ping(): void {
    this.pings++;
  }
}

const watches: SilenceWatch[] = [];
afterEach(() => watches.splice(0).forEach((w) => w.stop()));

function rig() {
  let t = 0;
  const ws = new FakeSocket();
  let silent = 0;
  const watch = new SilenceWatch(ws, () => silent++, () => t);
  watches.push(watch);
  return {
    ws,
    silent: () => silent,
    /** `ms` on, looking every tick as the timer would. */
    pass(ms: number): void {
      for (const end = t + ms; t < end; ) {
        t = Math.min(end, t + WATCH_TICK_MS);
        watch.look();
      }
    },
    /** `ms` on with no look between (the process stopped), then one look. */
    jump(ms: number): void {
      t += ms;
      watch.look();
    },
  };
}

describe('SilenceWatch', () => {
  it('pings after a quiet spell and gives the server up when neither a pong nor a message answers', () => {
    const r = rig();
    r.pass(QUIET_MS - WATCH_TICK_MS);
    expect(r.ws.pings).toBe(0);
    r.pass(WATCH_TICK_MS);
    expect(r.ws.pings).toBe(1);
    r.pass(ANSWER_MS - WATCH_TICK_MS);
    expect(r.silent()).toBe(0);
    r.pass(WATCH_TICK_MS);
    expect(r.silent()).toBe(1);
    // Once: the watch has stopped.
    r.pass(3 * (QUIET_MS + ANSWER_MS));
    expect([r.silent(), r.ws.pings]).toEqual([1, 1]);
  });

  it('a pong or any message keeps the link: a paused video or a photo sends nothing for minutes', () => {
    const r = rig();
    for (let i = 0; i < 20; i++) {
      r.pass(QUIET_MS + ANSWER_MS - WATCH_TICK_MS);
      if (i % 2) r.ws.emit('pong');
      else r.ws.emit('message', 'STATUS:PAUSED:1.000');
    }
    expect(r.silent()).toBe(0);
    expect(r.ws.pings).toBeGreaterThan(0);
  });

  it('a look after this process was stopped (Ctrl-Z) starts the wait afresh: what came meanwhile is not read yet', () => {
    const r = rig();
    r.pass(QUIET_MS);
    expect(r.ws.pings).toBe(1);
    r.jump(60_000);
    expect(r.silent()).toBe(0);
    // The frames read right after it answer for the server.
    r.ws.emit('message', new ArrayBuffer(8));
    r.pass(QUIET_MS - WATCH_TICK_MS);
    expect([r.silent(), r.ws.pings]).toEqual([0, 1]);
  });
});
