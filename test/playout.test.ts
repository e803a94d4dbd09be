/**
 * The page's own playout of decoded sound (src/client/browser/playout.ts): where each frame is
 * scheduled, and which media moment is heard when, as an `<audio>` element's clock would say it.
 */
import { describe, expect, it } from 'vitest';
import { DRY_GAP_S, LEAD_MAX_S, LEAD_RELAX_S, LEAD_S, LEAD_STEP_S, AHEAD_SLACK_S, BEHIND_PERSIST_S, Playout, SPANS } from '../src/client/browser/playout.js';

const F = 1024 / 48000;

describe('Playout', () => {
  it('plays frames back to back from a lead after the first, and hears them in media time', () => {
    const p = new Playout();
    expect(p.heard(10)).toBeNull();
    expect(p.schedule(10, F)).toBeCloseTo(10 + LEAD_S, 12);
    expect(p.schedule(10.001, F)).toBeCloseTo(10 + LEAD_S + F, 12);
    expect(p.mediaStart()).toBeCloseTo(2 * F, 12);
    expect(p.heard(10 + LEAD_S - 0.001)).toBeNull(); // nothing heard before the first starts
    expect(p.heard(10 + LEAD_S + 0.005)).toBeCloseTo(0.005, 12);
    expect(p.heard(10 + LEAD_S + F + 0.002)).toBeCloseTo(F + 0.002, 12);
  });

  it('stands still where nothing plays, as an element whose buffer ran dry', () => {
    const p = new Playout();
    p.schedule(0, F);
    p.schedule(0, F);
    const end = LEAD_S + 2 * F;
    expect(p.heard(end + 0.2)).toBeCloseTo(2 * F, 12);
    expect(p.heard(end + 5)).toBeCloseTo(2 * F, 12);
  });

  it('after running dry briefly, starts further ahead (a link that jitters), up to a bound; a long silence (a pause) does not grow it', () => {
    const p = new Playout();
    let now = 0;
    p.schedule(now, F);
    for (let k = 1; k < 20; k++) {
      now = p.end() + 0.01; // each frame comes 10 ms after the last one finished
      const at = p.schedule(now, F)!;
      expect(at - now).toBeCloseTo(Math.min(LEAD_MAX_S, LEAD_S + k * LEAD_STEP_S), 9);
    }
    expect(p.restarts).toBe(19);
    const lead = p.lead;
    now = p.end() + DRY_GAP_S + 1; // paused: the stream itself stood still
    expect(p.schedule(now, F)! - now).toBeCloseTo(lead, 9);
    expect(p.restarts).toBe(19);
  });

  it('gives a grown lead a step back after LEAD_RELAX_S without running dry', () => {
    const p = new Playout();
    let now = 0;
    p.schedule(now, F);
    for (let k = 0; k < 3; k++) {
      now = p.end() + 0.01;
      p.schedule(now, F);
    }
    expect(p.lead).toBeCloseTo(LEAD_S + 3 * LEAD_STEP_S, 9);
    // Then the stream in real time, never dry: a step back each LEAD_RELAX_S, down to LEAD_S.
    const grown = now;
    while (now < grown + 4 * LEAD_RELAX_S + 1) {
      now += F;
      p.schedule(now, F);
    }
    expect(p.lead).toBeCloseTo(LEAD_S, 9);
    expect(p.restarts).toBe(3);
  });

  it('skips frames once the sound has stayed more than AHEAD_SLACK_S beyond the lead for BEHIND_PERSIST_S (a burst it would trail for good); their media time passes unplayed', () => {
    const p = new Playout();
    // A new listener's burst: half a second of sound at once, then the stream in real time.
    const burst = Math.round(0.5 / F);
    for (let k = 0; k < burst; k++) expect(p.schedule(0, F)).not.toBeNull();
    let now = 0;
    let skipped = 0;
    let firstSkip = -1;
    for (let k = 0; k < 100; k++) {
      now += F;
      if (p.schedule(now, F) === null) {
        skipped++;
        if (firstSkip < 0) firstSkip = now;
      }
    }
    expect(firstSkip).toBeGreaterThanOrEqual(BEHIND_PERSIST_S);
    expect(firstSkip).toBeLessThan(BEHIND_PERSIST_S + 2 * F);
    // Skipped down to the lead itself, not to the slack's edge: the burst no longer delays the sound.
    expect(p.end() - now).toBeLessThanOrEqual(LEAD_S + F);
    expect(skipped).toBeGreaterThan(Math.floor(0.5 / F) - 2);
    // Heard media runs ahead of context time by what was skipped.
    const t = p.end() - F / 2;
    expect(p.heard(t)! - (t - LEAD_S)).toBeCloseTo(skipped * F, 6);
  });

  it('leaves a burst that drains by itself alone', () => {
    const p = new Playout();
    for (let k = 0; k < Math.round(0.3 / F); k++) p.schedule(0, F); // 0.3 s ahead at once
    // Then nothing for 0.25 s (under BEHIND_PERSIST_S), then the stream in real time: it drained meanwhile.
    let now = 0.25;
    for (let k = 0; k < 50; k++, now += F) expect(p.schedule(now, F)).not.toBeNull();
  });

  it('remembers at most SPANS spans, and reset forgets everything', () => {
    const p = new Playout();
    for (let k = 0; k < SPANS * 3; k++) expect(p.schedule(k * F, F)).not.toBeNull();
    const last = p.end();
    expect(p.heard(last - F / 2)).toBeCloseTo(p.mediaStart() - F / 2, 9);
    p.reset();
    expect(p.heard(last)).toBeNull();
    expect(p.lead).toBe(LEAD_S);
  });
});
