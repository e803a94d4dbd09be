/**
 * Both clients' watch for a server gone without a close (src/client/common/silence-watch.ts): a fake
 * link and clock; the watch's own timer is not waited for.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ANSWER_MS, QUIET_MS, SilenceWatch, WATCH_TICK_MS } from '../src/client/common/silence-watch.js';

const watches: SilenceWatch[] = [];
afterEach(() => watches.splice(0).forEach((w) => w.stop()));

function rig() {
  let t = 0;
  let asked = 0;
  let silent = 0;
  const watch = new SilenceWatch(() => asked++, () => silent++, () => t);
  watches.push(watch);
  return {
    /** The server said something: a message, or the answer to a question (a pong, a PONG). */
    heard: watch.heard,
    asked: () => asked,
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
  it('asks after a quiet spell and gives the server up when neither an answer nor a message comes', () => {
    const r = rig();
    r.pass(QUIET_MS - WATCH_TICK_MS);
    expect(r.asked()).toBe(0);
    r.pass(WATCH_TICK_MS);
    expect(r.asked()).toBe(1);
    r.pass(ANSWER_MS - WATCH_TICK_MS);
    expect(r.silent()).toBe(0);
    r.pass(WATCH_TICK_MS);
    expect(r.silent()).toBe(1);
    // Once: the watch has stopped.
    r.pass(3 * (QUIET_MS + ANSWER_MS));
    expect([r.silent(), r.asked()]).toEqual([1, 1]);
  });

  it('an answer or any message keeps the link: a paused video or a photo sends nothing for minutes', () => {
    const r = rig();
    for (let i = 0; i < 20; i++) {
      r.pass(QUIET_MS + ANSWER_MS - WATCH_TICK_MS);
      // An answer, or anything else (STATUS:PAUSED, a frame): the same to the watch.
      r.heard();
    }
    expect(r.silent()).toBe(0);
    expect(r.asked()).toBeGreaterThan(0);
  });

  it('a look after this process was stopped (Ctrl-Z) starts the wait afresh: what came meanwhile is not read yet', () => {
    const r = rig();
    r.pass(QUIET_MS);
    expect(r.asked()).toBe(1);
    r.jump(60_000);
    expect(r.silent()).toBe(0);
    // The frames read right after it answer for the server.
    r.heard();
    r.pass(QUIET_MS - WATCH_TICK_MS);
    expect([r.silent(), r.asked()]).toEqual([0, 1]);
  });
});
