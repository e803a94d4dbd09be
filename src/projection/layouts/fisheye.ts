/**
 * Fisheye lenses, equidistant as ffmpeg 5.1's `v360` reads them (xyz_to_fisheye,
 * xyz_to_dfisheye): the angle from the lens axis grows linearly from the circle's centre to its
 * rim, where it is half the lens's field of view `inFov`; the circle fills the frame (or its half).
 * - `fisheye`: one lens looking forward;
 * - `dfisheye`: two lenses back to back, as raw Insta360 and Theta files: as v360 5.1 lays them
 *   out, the forward lens in the right half and the backward one in the left, each drawn as seen
 *   by its own lens. A lens wider than 180° overlaps the other; each ray is read from the lens it
 *   is nearer the axis of.
 * Rays outside every circle read black.
 */
import type { Layout } from '../layout.js';

export class FisheyeLayout implements Layout {
  readonly name: string;
  readonly wholeSphere = false;
  /** Half a lens's field of view, radians. */
  private readonly rim: number;
  /** One circle's width and height in pixels. */
  private readonly circleW: number;
  private readonly circleH: number;
  private readonly black: number;
  private pu = 0;
  private pv = 0;

  constructor(
    readonly srcWidth: number,
    readonly srcHeight: number,
    inFovDegrees: number,
    private readonly lenses: 1 | 2,
  ) {
    this.name = lenses === 2 ? 'dfisheye' : 'fisheye';
    this.rim = (inFovDegrees * Math.PI) / 360;
    this.circleW = srcWidth / lenses;
    this.circleH = srcHeight;
    this.black = srcWidth * srcHeight * 3;
  }

  /** The ray's continuous pixel position into pu, pv; false where no lens shows it. */
  private project(x: number, y: number, z: number): boolean {
    let originX = 0;
    if (this.lenses === 2) {
      if (z >= 0) {
        originX = this.circleW;
      } else {
        // The backward lens: its right is the world's left, its axis the world's back.
        x = -x;
        z = -z;
      }
    }
    const h = Math.sqrt(x * x + y * y);
    const theta = Math.atan2(h, z);
    if (theta > this.rim) return false;
    // Distance from the centre in radii; the direction in the image is the ray's own (x, y).
    const r = h > 0 ? theta / this.rim / h : 0;
    this.pu = originX + ((x * r + 1) / 2) * this.circleW - 0.5;
    this.pv = ((y * r + 1) / 2) * this.circleH - 0.5;
    return true;
  }

  locate(x: number, y: number, z: number, out: Float64Array): void {
    if (this.project(x, y, z)) {
      out[0] = this.pu;
      out[1] = this.pv;
    } else {
      out[0] = out[1] = NaN;
    }
  }

  offsetOf(x: number, y: number, z: number): number {
    return this.project(x, y, z) ? this.offsetAt(this.pu, this.pv) : this.black;
  }

  offsetAt(u: number, v: number): number {
    let px = Math.round(u);
    let py = Math.round(v);
    const maxX = this.srcWidth - 1, maxY = this.srcHeight - 1;
    px = px < 0 ? 0 : px > maxX ? maxX : px;
    py = py < 0 ? 0 : py > maxY ? maxY : py;
    return (py * this.srcWidth + px) * 3;
  }

  distance(u0: number, v0: number, u1: number, v1: number): number {
    return Math.hypot(u1 - u0, v1 - v0);
  }
}
