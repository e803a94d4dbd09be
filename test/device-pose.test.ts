/**
 * Device look's math (src/client/browser/device-pose.ts): poses worked out by hand from the W3C
 * rotation matrix (Device Orientation, "Device Orientation Model": R = Rz(alpha)·Rx(beta)·Ry(gamma),
 * device axes in east-north-up), and the whole range against rotation matrices built here the
 * other way round (the code under test uses quaternions): the device's camera axes in the world
 * against Yaw · Pitch · Roll as sampling-table.ts composes a view.
 */
import { describe, expect, it } from 'vitest';
import { deviceView, type DeviceView } from '../src/client/browser/device-pose.js';
import { rng } from './helpers/random.js';

const DEG = Math.PI / 180;
type M3 = number[]; // row-major 3×3

function view(alpha: number, beta: number, gamma: number, screenAngle = 0): DeviceView {
  return deviceView(alpha, beta, gamma, screenAngle, { yaw: NaN, pitch: NaN, roll: NaN });
}

function mul(a: M3, b: M3): M3 {
  const c = new Array<number>(9).fill(0);
  for (let r = 0; r < 3; r++) for (let k = 0; k < 3; k++) for (let j = 0; j < 3; j++) c[r * 3 + j]! += a[r * 3 + k]! * b[k * 3 + j]!;
  return c;
}

const rx = (d: number): M3 => [1, 0, 0, 0, Math.cos(d * DEG), -Math.sin(d * DEG), 0, Math.sin(d * DEG), Math.cos(d * DEG)];
const ry = (d: number): M3 => [Math.cos(d * DEG), 0, Math.sin(d * DEG), 0, 1, 0, -Math.sin(d * DEG), 0, Math.cos(d * DEG)];
const rz = (d: number): M3 => [Math.cos(d * DEG), -Math.sin(d * DEG), 0, Math.sin(d * DEG), Math.cos(d * DEG), 0, 0, 0, 1];

/**
 * The camera's axes (columns: right, down, forward) in ascii360's world (x east, y down, z north),
 * from the device: world ← east-north-up ← device (W3C's R) ← picture (turned by −screenAngle; down
 * is −up, forward out of the back, −z).
 */
function deviceCamera(alpha: number, beta: number, gamma: number, screenAngle: number): M3 {
  const enuToWorld = [1, 0, 0, 0, 0, -1, 0, 1, 0];
  const t = screenAngle * DEG;
  const pictureToDevice = [Math.cos(t), -Math.sin(t), 0, -Math.sin(t), -Math.cos(t), 0, 0, 0, -1];
  return mul(mul(enuToWorld, mul(mul(rz(alpha), rx(beta)), ry(gamma))), pictureToDevice);
}

/** sampling-table.ts's view rotation: yaw about y (down), pitch about x (right), roll about z (forward); x right, y down. */
function viewCamera({ yaw, pitch, roll }: DeviceView): M3 {
  const yawM = ry(yaw);
  const pitchM = rx(pitch); // forward (0, 0, 1) goes to (0, −sin, cos): up, y being down
  const rollM = rz(roll);
  return mul(mul(yawM, pitchM), rollM);
}

function expectAngles(got: DeviceView, want: DeviceView): void {
  expect(got.yaw).toBeCloseTo(want.yaw, 6);
  expect(got.pitch).toBeCloseTo(want.pitch, 6);
  expect(got.roll).toBeCloseTo(want.roll, 6);
}

describe('deviceView', () => {
  it('the view matrix used here is the server\'s: positive yaw turns right, pitch looks up, roll dips the right edge', () => {
    const forward = (m: M3) => [m[2]!, m[5]!, m[8]!];
    const right = (m: M3) => [m[0]!, m[3]!, m[6]!];
    expect(forward(viewCamera({ yaw: 90, pitch: 0, roll: 0 })).map((v) => Math.round(v))).toEqual([1, 0, 0]); // x: right
    expect(forward(viewCamera({ yaw: 0, pitch: 90, roll: 0 })).map((v) => Math.round(v))).toEqual([0, -1, 0]); // −y: up
    expect(right(viewCamera({ yaw: 0, pitch: 0, roll: 90 })).map((v) => Math.round(v))).toEqual([0, 1, 0]); // y: down
  });

  it('flat on a table, screen up: straight down, the top of the picture towards where the device\'s top points', () => {
    expectAngles(view(0, 0, 0), { yaw: 0, pitch: -90, roll: 0 });
    // The device turned left by 30° on the table: the picture's top points 30° left of before.
    expectAngles(view(30, 0, 0), { yaw: -30, pitch: -90, roll: 0 });
    // Screen down, held overhead: straight up.
    expect(view(0, -180, 0).pitch).toBeCloseTo(90, 6);
  });

  it('upright in portrait: the horizon, level; turned left by alpha +30, yaw −30', () => {
    expectAngles(view(0, 90, 0), { yaw: 0, pitch: 0, roll: 0 });
    expectAngles(view(30, 90, 0), { yaw: -30, pitch: 0, roll: 0 });
    expectAngles(view(-45, 90, 0), { yaw: 45, pitch: 0, roll: 0 });
    // Tipped back from upright (its top away): looking down by as much.
    expectAngles(view(0, 60, 0), { yaw: 0, pitch: -30, roll: 0 });
    expectAngles(view(0, 120, 0), { yaw: 0, pitch: 30, roll: 0 });
  });

  it('landscape: upright, either way round, is the horizon, level', () => {
    // Screen angle 90: the device turned a quarter counter-clockwise, its top west, its right up,
    // its screen south: R's columns (0,0,1), (−1,0,0), (0,−1,0), which W3C's matrix gives for
    // alpha 90, beta 0, gamma −90.
    expectAngles(view(90, 0, -90, 90), { yaw: 0, pitch: 0, roll: 0 });
    // Screen angle 270: turned clockwise, top east, right down: alpha 90, beta −180, gamma −90.
    expectAngles(view(90, -180, -90, 270), { yaw: 0, pitch: 0, roll: 0 });
    // The same device pose read as portrait (screen angle 0, a locked rotation): rolled a quarter.
    expect(view(90, 0, -90, 0).roll).toBeCloseTo(-90, 6);
  });

  it('tilting the device sideways rolls the view', () => {
    // Upright, then turned by φ about the screen's normal: R = Rx(90)·Rz(φ), whose W3C angles are
    // alpha 90, beta 90 − φ, gamma −90 (−90 ≤ gamma < 90 keeps beta there). Counter-clockwise
    // as the user sees it, the camera turns the other way round its forward axis: roll −φ.
    expectAngles(view(90, 70, -90), { yaw: 0, pitch: 0, roll: -20 });
    expectAngles(view(90, 110, -90), { yaw: 0, pitch: 0, roll: 20 });
    // Flat, right edge dipped by gamma 20: forward tips west and down 70°, the top still north,
    // which is to the right of west: the picture's top points right, roll +90.
    expectAngles(view(0, 0, 20), { yaw: -90, pitch: -70, roll: 90 });
  });

  it('agrees with the rotation matrices everywhere, landscape included', () => {
    const random = rng(360);
    for (let i = 0; i < 2000; i++) {
      const alpha = random() * 360;
      const beta = random() * 360 - 180;
      const gamma = random() * 180 - 90;
      const screenAngle = [0, 90, 180, 270][i % 4]!;
      const got = view(alpha, beta, gamma, screenAngle);
      expect(got.pitch).toBeGreaterThanOrEqual(-90);
      expect(got.pitch).toBeLessThanOrEqual(90);
      const want = deviceCamera(alpha, beta, gamma, screenAngle);
      const have = viewCamera(got);
      for (let k = 0; k < 9; k++) expect(have[k]!, `alpha ${alpha} beta ${beta} gamma ${gamma} screen ${screenAngle}`).toBeCloseTo(want[k]!, 9);
    }
  });

  it('at and near the vertical: no NaN, no 180° swing of yaw, and the picture continues through it', () => {
    for (const alpha of [0, 30, 200]) {
      const at = view(alpha, 0, 0);
      expect([at.yaw, at.pitch, at.roll].every(Number.isFinite)).toBe(true);
      // Approaching straight down from the front, yaw stays where the top of the device points.
      for (const beta of [1e-12, 1e-7, 0.01, 1]) expect(Math.abs(wrap(view(alpha, beta, 0).yaw - at.yaw))).toBeLessThan(1e-6);
      expect(Math.abs(wrap(at.yaw + alpha))).toBeLessThan(1e-9);
      // Nearly flat with jitter in both tilts: the picture hardly moves whatever yaw and roll say.
      const a = viewCamera(view(alpha, 0.02, -0.03));
      const b = viewCamera(view(alpha, -0.01, 0.02));
      for (let k = 0; k < 9; k++) expect(Math.abs(a[k]! - b[k]!)).toBeLessThan(0.002);
    }
    // Straight up, screen down overhead (beta −180): the bottom of the picture gives the heading.
    const up = view(0, -180, 0);
    expect([up.yaw, up.pitch, up.roll].every(Number.isFinite)).toBe(true);
    const want = deviceCamera(0, -180, 0, 0);
    const have = viewCamera(up);
    for (let k = 0; k < 9; k++) expect(have[k]!).toBeCloseTo(want[k]!, 9);
  });

  it('fills the object it is given and returns it', () => {
    const out = { yaw: 0, pitch: 0, roll: 0 };
    expect(deviceView(0, 90, 0, 0, out)).toBe(out);
  });
});

function wrap(d: number): number {
  return ((((d + 180) % 360) + 360) % 360) - 180;
}
