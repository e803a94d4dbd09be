/**
 * The view a device's orientation gives (device look, device-look.ts): the camera looks out of the
 * back of the device, and the top of the picture is the top of the screen as the screen is turned
 * (portrait, landscape).
 *
 * A `deviceorientation` event (W3C Device Orientation, "Device Orientation Model") turns the Earth
 * frame (x east, y north, z up) into the device frame (x right along the screen, y up along it,
 * z out of the screen) by alpha about z, then beta about the new x, then gamma about the newest y
 * (intrinsic Z-X'-Y''). The screen draws its content turned by the screen orientation angle
 * against the device's natural orientation, so the picture's axes are the device's turned by a
 * further −angle about z: as one quaternion, q = Z(alpha) · X(beta) · Y(gamma) · Z(−angle).
 *
 * The view's angles are those of sampling-table.ts (world = Yaw · Pitch · Roll · camera: positive
 * yaw turns right, positive pitch looks up, positive roll dips the picture's right edge). They
 * are read off the camera's axes rather than by Euler formulas on alpha, beta, gamma, which lock
 * near the vertical: pitch is how high forward points, yaw its compass heading (east of north:
 * turning right), roll where the right and up axes point. Straight up or down forward has no
 * heading; there yaw is where the top of the picture points (looking up: the bottom), with roll
 * 0, the same rotation. Passing the vertical, yaw and roll each turn by 180°: the same picture
 * continues, seen from the other side of the pole (ascii360's pitch stops at ±90).
 */
import { wrapDegrees, type ViewAngles } from '../../../protocol/index.js';

/** Where the camera looks: yaw from north, degrees. Filled in place: one per caller, none per event. */
export type DeviceView = Pick<ViewAngles, 'yaw' | 'pitch' | 'roll'>;

const DEG = Math.PI / 180;
/**
 * Forward this close to vertical (its horizontal length; 1e-9 is 6e-8°) has a heading that only
 * rounding gives: at exactly beta 0, gamma 0 it is atan2(−0, −0), −180°.
 */
const NO_HEADING = 1e-9;

/** The device's quaternion (w, x, y, z), reused: the event handler allocates nothing. */
const q = new Float64Array([1, 0, 0, 0]);

/**
 * The camera's yaw, pitch and roll (degrees) for a device at `alpha`, `beta`, `gamma` (a
 * deviceorientation event's, degrees) whose screen is turned by `screenAngle` (degrees,
 * `screen.orientation.angle`), into `out`. Yaw is from the direction alpha counts from (north, or
 * wherever the device started), so a caller wanting a view relative to some moment subtracts.
 */
export function deviceView(alpha: number, beta: number, gamma: number, screenAngle: number, out: DeviceView): DeviceView {
  q[0] = 1;
  q[1] = q[2] = q[3] = 0;
  turn(2, alpha);
  turn(0, beta);
  turn(1, gamma);
  turn(2, -screenAngle);
  const w = q[0]!, x = q[1]!, y = q[2]!, z = q[3]!;
  // Columns of q's rotation matrix, in east, north, up: the picture's right (x), up (y), and
  // forward, out of the back of the device (−z).
  const forwardE = -2 * (x * z + w * y);
  const forwardN = -2 * (y * z - w * x);
  const forwardU = 2 * (x * x + y * y) - 1;
  const rightU = 2 * (x * z - w * y);
  const upE = 2 * (x * y - w * z);
  const upN = 1 - 2 * (x * x + z * z);
  const upU = 2 * (y * z + w * x);
  // Rounding may put |forwardU| a hair over 1: asin would be NaN.
  out.pitch = Math.asin(Math.max(-1, Math.min(1, forwardU))) / DEG;
  if (Math.hypot(forwardE, forwardN) > NO_HEADING) {
    out.yaw = wrapDegrees(Math.atan2(forwardE, forwardN) / DEG);
    // Yaw · Pitch · Roll puts the right axis cos(pitch)·sin(roll) below the horizon and the up axis
    // cos(pitch)·cos(roll) above it: cos(pitch) > 0 here, so it cancels in the ratio.
    out.roll = wrapDegrees(Math.atan2(-rightU, upU) / DEG);
  } else {
    // At the pole Yaw · Pitch(±90) · Roll(r) is Yaw(yaw ± r) · Pitch(±90): roll folds into yaw.
    const sign = forwardU < 0 ? 1 : -1;
    out.yaw = wrapDegrees(Math.atan2(sign * upE, sign * upN) / DEG);
    out.roll = 0;
  }
  return out;
}

/** q ← q · (a turn by `deg` about axis 0 x, 1 y, 2 z): (w, v) · (c, s·e) = (wc − s v·e, c v + s w e + s v × e). */
function turn(axis: 0 | 1 | 2, deg: number): void {
  const c = Math.cos((deg * DEG) / 2);
  const s = Math.sin((deg * DEG) / 2);
  const w = q[0]!, x = q[1]!, y = q[2]!, z = q[3]!;
  if (axis === 0) {
    q[0] = w * c - x * s;
    q[1] = x * c + w * s;
    q[2] = y * c + z * s;
    q[3] = z * c - y * s;
  } else if (axis === 1) {
    q[0] = w * c - y * s;
    q[1] = x * c - z * s;
    q[2] = y * c + w * s;
    q[3] = z * c + x * s;
  } else {
    q[0] = w * c - z * s;
    q[1] = x * c + y * s;
    q[2] = y * c - x * s;
    q[3] = z * c + w * s;
  }
}
