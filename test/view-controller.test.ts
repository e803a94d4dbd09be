/** The keymap and view state shared by the terminal and the browser. */
import { describe, expect, it } from 'vitest';
import { KEYMAP } from '../src/client/common/keymap.js';
import { nextMode, nextStyle } from '../src/client/common/player-controller.js';
import { ViewController, wholeDegrees } from '../src/client/common/view-controller.js';

describe('ViewController', () => {
  it('readouts show whole degrees, never -0', () => {
    expect([-0.3, -0, 0.4, -0.6, 179.5, -179.5, 90].map(wholeDegrees)).toEqual(['0', '0', '0', '-1', '180', '-179', '90']);
  });

  it('coalesces any number of changes into one absolute view message per frame', () => {
    const v = new ViewController();
    expect(v.takeViewMessage()).toBeNull();
    for (let i = 0; i < 10; i++) v.apply('look-right');
    v.apply('look-up');
    v.apply('zoom-in');
    const message = v.takeViewMessage();
    expect(message).toEqual({ type: 'view', yaw: 75, pitch: 7.5, roll: 0, fov: 81.82 });
    expect(v.takeViewMessage()).toBeNull();
  });

  it('wraps yaw, stops pitch at the poles, clamps FOV to 30-120, resets', () => {
    const v = new ViewController();
    v.turn(200, 0);
    expect(v.yaw).toBe(-160);
    v.turn(0, 500);
    expect(v.pitch).toBe(90);
    for (let i = 0; i < 50; i++) v.apply('zoom-in');
    expect(v.fov).toBe(30);
    for (let i = 0; i < 50; i++) v.apply('zoom-out');
    expect(v.fov).toBe(120);
    v.apply('roll-left');
    v.apply('reset');
    expect([v.yaw, v.pitch, v.roll, v.fov]).toEqual([0, 0, 0, 90]);
  });

  it('resets to the starting direction, at the starting FOV in the starting camera and at each other camera\'s own', () => {
    const v = new ViewController({ yaw: 30, pitch: -10, roll: 0, fov: 70 }, 'flat');
    v.apply('look-right');
    v.apply('zoom-out');
    v.apply('reset');
    expect([v.yaw, v.pitch, v.fov]).toEqual([30, -10, 70]);
    v.apply('cycle-camera'); // stereographic, a little planet at 200°
    expect([v.camera, v.fov]).toEqual(['stereographic', 200]);
    v.apply('zoom-in');
    v.apply('reset');
    expect([v.camera, v.yaw, v.pitch, v.fov]).toEqual(['stereographic', 30, -10, 200]);
    const e = new ViewController({ yaw: 0, pitch: 0, roll: 0, fov: 360 }, 'equirect');
    for (let i = 0; i < 4; i++) e.apply('cycle-camera'); // flat, stereographic, fisheye, pannini
    e.apply('reset');
    expect([e.camera, e.fov]).toEqual(['pannini', 120]);
    // Round the cameras back to the starting one: its starting FOV (play --fov 60), not its own 90°.
    const f = new ViewController({ yaw: 0, pitch: 0, roll: 0, fov: 60 }, 'flat');
    for (let i = 0; i < 5; i++) f.apply('cycle-camera');
    expect([f.camera, f.fov]).toEqual(['flat', 60]);
  });

  it('maps the same keys the issue names', () => {
    for (const k of ['left', 'h']) expect(KEYMAP[k]).toBe('look-left');
    for (const k of ['right', 'l']) expect(KEYMAP[k]).toBe('look-right');
    for (const k of ['up', 'k']) expect(KEYMAP[k]).toBe('look-up');
    for (const k of ['down', 'j']) expect(KEYMAP[k]).toBe('look-down');
    expect([KEYMAP['s'], KEYMAP['S']]).toEqual(['cycle-style', 'cycle-style-back']);
    expect([KEYMAP['Q'], KEYMAP['E'], KEYMAP['+'], KEYMAP['-'], KEYMAP['r'], KEYMAP['space'], KEYMAP['['], KEYMAP[']'], KEYMAP['m'], KEYMAP['b'], KEYMAP['?'], KEYMAP['q']]).toEqual([
      'roll-left', 'roll-right', 'zoom-in', 'zoom-out', 'reset', 'pause', 'seek-back', 'seek-forward', 'cycle-mode', 'toggle-blocks', 'help', 'quit',
    ]);
    expect([nextMode(5), nextMode(2), nextMode(1)]).toEqual([4, 1, 5]);
    expect([nextStyle('ramp'), nextStyle('sextant'), nextStyle('ascii'), nextStyle('ramp', -1)]).toEqual(['half', 'mosaic', 'ramp', 'ascii']);
  });
});
