/** /healthz's status (src/app/health.ts): what a load balancer acts on. */
import { describe, expect, it } from 'vitest';
import { DEGRADED_WINDOW_MS, DropWatch, httpStatusOf, statusOf } from '../src/app/health.js';

describe('health status', () => {
  it('failed when the source was given up (503), degraded while it restarts or frames were dropped lately, else ok', () => {
    expect(statusOf({ code: 'FAILED', reason: 'x' }, false)).toBe('failed');
    expect(httpStatusOf({ status: 'failed' })).toBe(503);
    expect(statusOf({ code: 'RESTARTING', reason: 'x' }, false)).toBe('degraded');
    expect(httpStatusOf({ status: 'degraded' })).toBe(200);
    expect(statusOf({ code: 'PLAYING', position: 1 }, true)).toBe('degraded');
    for (const code of ['PLAYING', 'PAUSED', 'ENDED', 'STILL'] as const) expect(statusOf({ code }, false)).toBe('ok');
  });

  it('frames dropped count as recent for DEGRADED_WINDOW_MS after the total last grew', () => {
    const watch = new DropWatch();
    watch.note(0, 1000);
    expect(watch.recent(1000)).toBe(false);
    watch.note(3, 2000);
    expect(watch.recent(2000 + DEGRADED_WINDOW_MS - 1)).toBe(true);
    watch.note(3, 5000); // no new drops
    expect(watch.recent(2000 + DEGRADED_WINDOW_MS + 1)).toBe(false);
  });
});
