/**
 * The equirectangular layout, with the geometry of ffmpeg 5.1's `v360=input=e`
 * (libavfilter/vf_v360.c, xyz_to_equirect): longitude atan2(x, z), latitude asin(y) (y down);
 * 5.1 maps [-1, 1] onto pixel centres 0 … size−1, i.e. u = (lon/π + 1)/2 · (W − 1). Newer ffmpeg
 * uses (… + 1)/2 · W − 0.5 instead; the two differ by under half a source pixel.
 *
 * A partial panorama (GPano's cropped area, Spherical Video V2's equi bounds, VR180's
 * `hequirect`) is the same map cut to `area`: the frame's edges are the area's, and rays outside
 * it read black. Only a frame spanning the whole 360° wraps.
 */
import type { PictureFormat } from '../../shared/types.js';
import { WHOLE_AREA, type Layout } from '../layout.js';

export class EquirectLayout implements Layout {
  readonly name = 'equirect';
  private readonly uScale: number;
  private readonly vScale: number;
  private readonly uShift: number;
  private readonly vShift: number;
  private readonly wraps: boolean;
  private readonly poleToPole: boolean;
  readonly wholeSphere: boolean;
  private readonly black: number;
  private readonly maxX: number;
  private readonly maxY: number;

  constructor(
    readonly srcWidth: number,
    readonly srcHeight: number,
    area: PictureFormat['area'] = WHOLE_AREA,
  ) {
    // Fraction of the whole panorama f → pixel: (f − left)/(right − left) · (W − 1).
    const spanX = area.right - area.left;
    const spanY = area.bottom - area.top;
    this.uScale = (srcWidth - 1) / spanX;
    this.vScale = (srcHeight - 1) / spanY;
    this.uShift = area.left;
    this.vShift = area.top;
    this.wraps = spanX >= 1;
    this.poleToPole = area.top <= 0 && area.bottom >= 1;
    this.wholeSphere = this.wraps && this.poleToPole;
    this.black = srcWidth * srcHeight * 3;
    this.maxX = srcWidth - 1;
    this.maxY = srcHeight - 1;
  }

  locate(x: number, y: number, z: number, out: Float64Array): void {
    // atan2 of y against the horizontal length equals v360's asin(y/|d|) and stays accurate near the poles.
    out[0] = this.u(Math.atan2(x, z));
    out[1] = this.v(Math.atan2(y, Math.sqrt(x * x + z * z)));
    if (!this.wraps && (out[0] < -0.5 || out[0] > this.maxX + 0.5)) out[0] = out[1] = NaN;
    else if (!this.poleToPole && (out[1] < -0.5 || out[1] > this.maxY + 0.5)) out[0] = out[1] = NaN;
  }

  private u(lon: number): number {
    let f = (lon / Math.PI + 1) / 2 - this.uShift;
    // A partial panorama that crosses the seam (left + width > 1) is reached from either side.
    if (!this.wraps && f < 0) f += 1;
    return f * this.uScale;
  }

  private v(lat: number): number {
    return ((lat / (Math.PI / 2) + 1) / 2 - this.vShift) * this.vScale;
  }

  offsetOf(x: number, y: number, z: number): number {
    return this.offsetAt(this.u(Math.atan2(x, z)), this.v(Math.atan2(y, Math.sqrt(x * x + z * z))));
  }

  offsetAt(u: number, v: number): number {
    let px = Math.round(u);
    let py = Math.round(v);
    if (this.wraps) {
      // x wraps so yaw ±180° has no seam.
      if (px < 0 || px >= this.srcWidth) {
        px %= this.srcWidth;
        if (px < 0) px += this.srcWidth;
      }
    } else if (px < 0 || px > this.maxX) {
      return this.black;
    }
    if (py < 0 || py > this.maxY) {
      // A whole panorama clamps so the poles stay clean; a cropped one is black above and below.
      if (!this.poleToPole) return this.black;
      py = py < 0 ? 0 : this.maxY;
    }
    return (py * this.srcWidth + px) * 3;
  }

  distance(u0: number, v0: number, u1: number, v1: number): number {
    const du = u1 - u0;
    // One turn is uScale pixels (W − 1 for a whole panorama: u maps ±180° onto pixel centres 0 and
    // W − 1, which show the same longitude), so across the seam the short way is uScale − |du|.
    const turn = this.uScale;
    const wrapped = this.wraps && Math.abs(du) > turn / 2 ? turn - Math.abs(du) : du;
    return Math.hypot(wrapped, v1 - v0);
  }
}
