/**
 * The one player both clients use (src/client/common/player-controller.ts, view-motion.ts), driven
 * here with a fake clock and a shell that records what would go to the server: the timeline is
 * shown as the server says it, never guessed; drags coast and slow down; auto-rotate starts after an
 * idle spell and stops on any input.
 */
import { describe, expect, it } from 'vitest';
import type { ClientMessage, InitInfo, StyleName } from '../protocol/index.js';
import { KEYMAP } from '../src/client/common/keymap.js';
import { PlayerController, SEEK_STEP_S } from '../src/client/common/player-controller.js';
import { AUTO_ROTATE_DEG_PER_S, AUTO_ROTATE_IDLE_MS, INERTIA_TAU_MS } from '../src/client/common/view-motion.js';

function rig(options: { autoRotate?: boolean; view?: { yaw?: number; pitch?: number; fov?: number }; style?: StyleName } = {}) {
  let t = 1000;
  const sent: ClientMessage[] = [];
  const styles: StyleName[] = [];
  const player = new PlayerController(
    { send: (m) => sent.push(m), requestStyle: (s) => styles.push(s) },
    { style: options.style ?? 'mosaic', autoRotate: options.autoRotate, view: options.view, now: () => t },
  );
  return {
    player,
    sent,
    styles,
    advance(ms: number, stepMs = 16): void {
      for (let end = t + ms; t < end; ) {
        t = Math.min(end, t + stepMs);
        const m = player.tick();
        if (m) sent.push(m);
      }
    },
    /** The shell shows the frame at `seconds` (of INIT's 30 fps). */
    at: (seconds: number) => player.onFrameShown(Math.round(seconds * INIT.fps)),
  };
}

const INIT: InitInfo = { fps: 30, mode: 5, cols: 80, rows: 24, pixel: false, duration: 60, startSec: 0, live: false, style: 'mosaic', palette: 'rgb', camera: 'flat', view: { yaw: 0, pitch: 0, fov: 90 } };

describe('PlayerController', () => {
  it('pause is asked for and shown only when the server says so; a refusal changes nothing', () => {
    const r = rig();
    r.player.onInit(INIT);
    r.player.onStatus({ code: 'PLAYING', position: 4 });
    r.player.act('pause');
    expect(r.sent.at(-1)).toEqual({ type: 'pause', paused: true });
    expect(r.player.paused).toBe(false); // no local guess
    r.player.act('pause'); // pressed again before the answer: toggles from what was asked, as in mpv
    expect(r.sent.at(-1)).toEqual({ type: 'pause', paused: false });
    r.player.act('pause');
    expect(r.sent.at(-1)).toEqual({ type: 'pause', paused: true });
    // An answer that never comes: after a while the server's word alone counts again.
    r.advance(2500);
    r.player.act('pause');
    expect(r.sent.at(-1)).toEqual({ type: 'pause', paused: true });
    r.player.onStatus({ code: 'PAUSED', position: 4.2 });
    expect(r.player.paused).toBe(true);
    r.player.act('pause');
    expect(r.sent.at(-1)).toEqual({ type: 'pause', paused: false });
    // Someone else resumed: shown as the server says.
    r.player.onStatus({ code: 'PLAYING', position: 4.2 });
    expect(r.player.paused).toBe(false);
    r.player.onError();
    expect(r.player.paused).toBe(false);
    // A seek is an event: paused before it, still paused after it, so the next press resumes.
    r.player.onStatus({ code: 'PAUSED', position: 5 });
    r.player.onStatus({ code: 'SEEKED', position: 30 });
    expect(r.player.paused).toBe(true);
    expect(r.player.timeline).toEqual({ code: 'PAUSED', position: 30 });
    r.player.act('pause');
    expect(r.sent.at(-1)).toEqual({ type: 'pause', paused: false });
    r.player.onStatus({ code: 'PLAYING', position: 30 });
    r.player.onStatus({ code: 'SEEKED', position: 10 });
    expect(r.player.timeline).toEqual({ code: 'PLAYING', position: 10 });
  });

  it('seek keys typed faster than frames come step on from the seek on its way, until it lands', () => {
    const r = rig();
    r.player.onInit(INIT);
    r.at(20);
    r.player.act('seek-forward');
    r.player.act('seek-forward');
    r.player.act('seek-forward');
    expect(r.sent.slice(-3)).toEqual([20, 30, 40].map((t) => ({ type: 'seek', time: t + SEEK_STEP_S })));
    r.player.act('seek-back');
    expect(r.sent.at(-1)).toEqual({ type: 'seek', time: 40 });
    // Landed: frames from there are shown, and the next press steps from what is on screen.
    r.at(40.3);
    r.player.act('seek-forward');
    expect(r.sent.at(-1)).toEqual({ type: 'seek', time: 50.3 });
    // A seek that never lands (refused) is given up after a while.
    r.advance(2500);
    r.player.act('seek-back');
    expect(r.sent.at(-1)).toEqual({ type: 'seek', time: 30.3 });
  });

  it('seeks by the step from what is shown, inside the file; cycles mode, style and camera', () => {
    const r = rig();
    r.player.onInit(INIT);
    r.at(20);
    r.player.act('seek-forward');
    expect(r.sent.at(-1)).toEqual({ type: 'seek', time: 20 + SEEK_STEP_S });
    r.at(58);
    r.player.act('seek-forward');
    expect(r.sent.at(-1)).toEqual({ type: 'seek', time: 59.5 });
    r.at(4);
    r.player.act('seek-back');
    expect(r.sent.at(-1)).toEqual({ type: 'seek', time: 0 });
    r.player.act('cycle-mode');
    expect(r.sent.at(-1)).toEqual({ type: 'mode', mode: 4 });
    // Quick presses step on from the mode asked for, until an INIT confirms it.
    r.player.act('cycle-mode');
    expect(r.sent.at(-1)).toEqual({ type: 'mode', mode: 3 });
    r.player.onInit({ ...INIT, mode: 4 });
    r.player.act('cycle-mode');
    expect(r.sent.at(-1)).toEqual({ type: 'mode', mode: 2 });
    r.player.onInit({ ...INIT, mode: 2 });
    r.player.act('cycle-mode');
    expect(r.sent.at(-1)).toEqual({ type: 'mode', mode: 1 });
    // A new connection asks for the mode asked for, not the last INIT's: the request is not lost.
    expect(r.player.modeAsked).toBe(1);
    r.player.onError();
    expect(r.player.modeAsked).toBe(2);
    r.player.act('cycle-mode');
    expect(r.sent.at(-1)).toEqual({ type: 'mode', mode: 1 });
    r.player.onInit(INIT);
    // Quick presses step on from the style asked for; INIT confirms; an Error gives it up.
    r.player.act('cycle-style');
    r.player.act('cycle-style');
    expect(r.styles).toEqual(['octant', 'braille']);
    r.player.onInit({ ...INIT, style: 'braille' });
    expect([r.player.style, r.player.requested]).toEqual(['braille', null]);
    r.player.act('toggle-blocks');
    r.player.onInit({ ...INIT, style: 'half' });
    r.player.act('toggle-blocks');
    expect(r.styles.slice(-2)).toEqual(['half', 'braille']);
    r.player.act('cycle-style-back');
    r.player.onError();
    expect([r.player.style, r.player.requested]).toEqual(['half', null]);
    r.player.act('cycle-camera');
    const m = r.player.tick();
    expect(m).toMatchObject({ type: 'view', camera: 'stereographic', fov: 200 });
    expect(r.player.act('help')).toBe('help');
    expect(r.player.act('quit')).toBe('quit');
  });

  it('digits jump to tenths of the file, as web players do; without a known length only 0, the start', () => {
    const r = rig();
    r.player.onInit(INIT);
    r.at(20);
    for (const key of ['5', '0', '9']) r.player.act(KEYMAP[key]!);
    expect(r.sent.slice(-3)).toEqual([30, 0, 54].map((time) => ({ type: 'seek', time })));
    // A file whose length the server does not know (duration 0): 5 has nowhere to go.
    r.player.onInit({ ...INIT, duration: 0 });
    const before = r.sent.length;
    r.player.act(KEYMAP['5']!);
    expect(r.sent.length).toBe(before);
    r.player.act(KEYMAP['0']!);
    expect(r.sent.at(-1)).toEqual({ type: 'seek', time: 0 });
  });

  it('the time shown: where INIT and STATUS say until a frame is shown, then the frame; a reconnect goes by the new server until its first frame; paused and ended, the server', () => {
    const r = rig();
    r.player.onInit({ ...INIT, startSec: 17 });
    expect(r.player.position()).toBe(17);
    r.player.onStatus({ code: 'PLAYING', position: 17.2 });
    expect(r.player.position()).toBe(17.2);
    r.at(17.5);
    expect(r.player.position()).toBe(17.5);
    // A STATUS of the same link moves nothing while playing: the picture on screen is the time.
    r.player.onStatus({ code: 'SEEKED', position: 30 });
    expect(r.player.position()).toBe(17.5);
    r.at(30.1);
    // A reconnect: the old picture stays up, but the new server's word is the time, and `]` steps from it.
    r.player.onLinkOpen();
    r.player.onInit({ ...INIT, startSec: 42.5 });
    r.player.onStatus({ code: 'PLAYING', position: 42.5 });
    expect(r.player.position()).toBe(42.5);
    r.player.act('seek-forward');
    expect(r.sent.at(-1)).toEqual({ type: 'seek', time: 42.5 + SEEK_STEP_S });
    r.advance(2500);
    r.at(43);
    expect(r.player.position()).toBe(43);
    // A new INIT on the same link (a style change) is not a new link: the frame stays the time.
    r.player.onInit({ ...INIT, startSec: 50, style: 'sextant' });
    expect(r.player.position()).toBe(43);
    // Paused or ended: where the server says (a seek while paused shows its target at once).
    r.player.onStatus({ code: 'PAUSED', position: 43.1 });
    r.player.onStatus({ code: 'SEEKED', position: 20 });
    expect(r.player.position()).toBe(20);
    r.player.onStatus({ code: 'ENDED', position: 60 });
    expect(r.player.position()).toBe(60);
  });

  it('b leaves half blocks the player started in for the style the shell names (the terminal\'s own), not mosaic it may not draw', () => {
    const styles: StyleName[] = [];
    const player = new PlayerController({ send: () => {}, requestStyle: (s) => styles.push(s) }, { style: 'half', blocksOff: 'quadrant', now: () => 0 });
    player.onInit({ ...INIT, style: 'half' });
    player.act('toggle-blocks');
    expect(styles).toEqual(['quadrant']);
    // Once another style was shown, b goes back to that one.
    player.onInit({ ...INIT, style: 'quadrant' });
    player.act('cycle-style-back');
    player.onInit({ ...INIT, style: 'half' });
    player.act('toggle-blocks');
    expect(styles).toEqual(['quadrant', 'half', 'quadrant']);
    // The page names none: mosaic, its default.
    const page = rig({ style: 'half' });
    page.player.onInit({ ...INIT, style: 'half' });
    page.player.act('toggle-blocks');
    expect(page.styles).toEqual(['mosaic']);
  });

  it('keeps the FOV in each camera\'s client range', () => {
    const r = rig();
    for (let i = 0; i < 40; i++) r.player.zoom(1.2);
    expect(r.player.view.fov).toBe(120);
    for (let i = 0; i < 40; i++) r.player.zoom(1 / 1.2);
    expect(r.player.view.fov).toBe(30);
    r.player.setCamera('fisheye');
    for (let i = 0; i < 40; i++) r.player.zoom(1.2);
    expect(r.player.view.fov).toBe(360);
  });

  it("a viewer that named no camera takes the server's from the first INIT, with its FOV; one that named one keeps it", () => {
    const r = rig();
    expect(r.player.queryCamera()).toBeUndefined();
    r.player.onInit({ ...INIT, camera: 'stereographic', view: { yaw: 0, pitch: 0, fov: 200 } });
    expect([r.player.view.camera, r.player.view.fov, r.player.queryCamera()]).toEqual(['stereographic', 200, 'stereographic']);
    expect(r.player.tick()).toBeNull(); // nothing to send: the server shows it already
    // c goes on from it.
    r.player.act('cycle-camera');
    expect(r.player.tick()).toMatchObject({ camera: 'fisheye' });
    const named = new PlayerController({ send: () => {}, requestStyle: () => {} }, { style: 'mosaic', camera: 'flat', now: () => 0 });
    expect(named.queryCamera()).toBe('flat');
    named.onInit({ ...INIT, camera: 'stereographic' });
    expect(named.view.camera).toBe('flat');
  });

  it('a viewer that named no direction starts where the first INIT says, and reset returns there', () => {
    const r = rig();
    expect(r.player.queryView()).toEqual({ roll: 0 });
    r.player.onInit({ ...INIT, view: { yaw: 60, pitch: -10, fov: 70 } });
    expect(r.player.view).toMatchObject({ yaw: 60, pitch: -10, fov: 70 });
    r.player.onInit({ ...INIT, view: { yaw: 0, pitch: 0, fov: 90 } }); // a later INIT does not move us
    expect(r.player.view.yaw).toBe(60);
    r.player.act('look-left');
    r.player.act('reset');
    expect(r.player.view).toMatchObject({ yaw: 60, pitch: -10, fov: 70 });
    expect(r.player.queryView()).toEqual({ yaw: 60, pitch: -10, roll: 0, fov: 70 });
    const named = rig({ view: { yaw: 10 } });
    named.player.onInit({ ...INIT, view: { yaw: 60, pitch: -10, fov: 70 } });
    expect(named.player.view.yaw).toBe(10);
  });

  it('a drag released while moving coasts, slowing down, and stops; one released at rest does not', () => {
    const r = rig();
    r.player.dragStart();
    for (let i = 0; i < 5; i++) {
      r.advance(16);
      r.player.dragBy(2, 0); // 2° every 16 ms: 0.125°/ms
    }
    const released = r.player.view.yaw;
    expect(released).toBeCloseTo(10, 9);
    r.player.dragEnd();
    expect(r.player.motion.coasting).toBe(true);
    r.advance(100);
    const early = r.player.view.yaw - released;
    r.advance(100);
    const later = r.player.view.yaw - released - early;
    expect(early).toBeGreaterThan(later); // friction
    expect(later).toBeGreaterThan(0);
    r.advance(5000);
    expect(r.player.motion.coasting).toBe(false);
    // v·τ: the whole coast of an exponential decay from 0.125°/ms.
    expect(r.player.view.yaw - released).toBeGreaterThan(0.7 * 0.125 * INERTIA_TAU_MS);
    expect(r.player.view.yaw - released).toBeLessThan(1.05 * 0.125 * INERTIA_TAU_MS);
    expect(r.sent.filter((m) => m.type === 'view').length).toBeGreaterThan(5);

    const still = rig();
    still.player.dragStart();
    still.player.dragBy(5, 0);
    still.advance(300); // held still before letting go
    still.player.dragEnd();
    expect(still.player.motion.coasting).toBe(false);
  });

  it('auto-rotate starts after the idle spell, stops on any input, and a key toggles it', () => {
    const r = rig({ autoRotate: true });
    r.advance(AUTO_ROTATE_IDLE_MS - 100);
    expect(r.player.view.yaw).toBe(0);
    r.advance(1100);
    expect(r.player.view.yaw).toBeGreaterThan(0);
    const before = r.player.view.yaw;
    // Ticked far faster than frames come (each view brings a frame back at once, whose drawing
    // ticks): the turn goes out once a frame interval, not once a tick.
    const sentBefore = r.sent.length;
    r.advance(2000, 2);
    expect(r.player.view.yaw - before).toBeCloseTo((AUTO_ROTATE_DEG_PER_S * 2000) / 1000, 1);
    expect(r.sent.length - sentBefore).toBeGreaterThanOrEqual(55);
    expect(r.sent.length - sentBefore).toBeLessThanOrEqual(61);
    // Each turn it made by itself says so (the server shows it with the next frame); a key's does not.
    expect(r.sent.slice(sentBefore).every((m) => m.type === 'view' && m.auto === true)).toBe(true);
    // A key stops it; it comes back after another idle spell.
    const beforeKey = r.sent.length;
    r.player.act('look-up');
    r.advance(16);
    expect(r.sent.slice(beforeKey)).toEqual([expect.objectContaining({ type: 'view' })]);
    expect(r.sent.slice(beforeKey).some((m) => m.type === 'view' && m.auto === true)).toBe(false);
    const stopped = r.player.view.yaw;
    r.advance(AUTO_ROTATE_IDLE_MS - 100);
    expect(r.player.view.yaw).toBe(stopped);
    r.advance(500);
    expect(r.player.view.yaw).toBeGreaterThan(stopped);
    // `a` turns it off: no more turning, however long the wait.
    r.player.act('toggle-auto-rotate');
    expect(r.player.motion.autoRotate).toBe(false);
    const off = r.player.view.yaw;
    r.advance(10_000, 100);
    expect(r.player.view.yaw).toBe(off);
    expect(r.player.animating).toBe(false);
  });

  it('device look: on keeps the yaw and takes pitch and roll; the device turns yaw from there, drags and keys add to it; sent at most 30 a second', () => {
    const r = rig({ view: { yaw: 40, pitch: 10, fov: 90 } });
    r.player.onInit(INIT);
    r.player.devicePose(0, -20, 5); // off: nothing
    expect(r.player.view.yaw).toBe(40);
    r.player.setDeviceLook(true);
    r.player.devicePose(-170, -20, 5);
    expect([r.player.view.yaw, r.player.view.pitch, r.player.view.roll]).toEqual([40, -20, 5]);
    r.player.devicePose(160, -20, 5); // turned 30° left across ±180
    expect(r.player.view.yaw).toBeCloseTo(10, 9);
    // A drag turns yaw only: pitch stays the device's.
    r.player.dragStart();
    r.player.dragBy(15, 8);
    r.player.dragEnd(false);
    expect([r.player.view.yaw, r.player.view.pitch]).toEqual([25, -20]);
    r.player.act('look-right');
    expect(r.player.view.yaw).toBe(32.5);
    r.player.devicePose(170, -25, 0);
    expect([r.player.view.yaw, r.player.view.pitch, r.player.view.roll]).toEqual([42.5, -25, 0]);
    // A still device's quiver moves nothing.
    r.advance(100);
    r.sent.length = 0;
    r.player.devicePose(170.04, -25.03, 0.02);
    expect(r.player.view.pending).toBe(false);
    // A sensor at 200 Hz for a second: at most one view per 33 ms, none marked auto (it is the user's).
    for (let i = 0; i < 200; i++) {
      r.player.devicePose(170 + i * 0.5, -25, 0);
      r.advance(5, 5);
    }
    const views = r.sent.filter((m) => m.type === 'view');
    expect(views.length).toBeGreaterThan(20);
    expect(views.length).toBeLessThanOrEqual(31);
    expect(views.some((m) => m.type === 'view' && m.auto)).toBe(false);
    // Off: the view stays where the device left it.
    const yaw = r.player.view.yaw;
    r.player.setDeviceLook(false);
    r.player.devicePose(0, 0, 0);
    expect(r.player.view.yaw).toBe(yaw);
    r.player.dragBy(0, 5);
    expect(r.player.view.pitch).toBe(-20);
  });
});
