/**
 * The equirectangular layout, with the geometry of ffmpeg 5.1's `v360=input=e`
 * (libavfilter/vf_v360.c, xyz_to_equirect): longitude atan2(x, z), latitude asin(y) (y down);
 * 5.1 maps [-1, 1] onto pixel centres 0 … size−1, i.e. u = (lon/π + 1)/2 · (W − 1). Newer ffmpeg
 * uses (… + 1)/2 · W − 0.5 instead; the two differ by under half a source pixel.
 */
import type { Layout } from '../layout.js';

export class EquirectLayout implements Layout {
  readonly name = 'equirect';
  private readonly uScale: number;
  private readonly vScale: number;
  private readonly maxY: number;

  constructor(
    readonly srcWidth: number,
    readonly srcHeight: number,
  ) {
    this.uScale = (srcWidth - 1) / 2;
    this.vScale = (srcHeight - 1) / 2;
    this.maxY = srcHeight - 1;
  }

  locate(x: number, y: number, z: number, out: Float64Array): void {
    // atan2 of y against the horizontal length equals v360's asin(y/|d|) and stays accurate near the poles.
    const lon = Math.atan2(x, z);
    const lat = Math.atan2(y, Math.sqrt(x * x + z * z));
    out[0] = (lon / Math.PI + 1) * this.uScale;
    out[1] = (lat / (Math.PI / 2) + 1) * this.vScale;
  }

  offsetOf(x: number, y: number, z: number): number {
    const u = (Math.atan2(x, z) / Math.PI + 1) * this.uScale;
    const v = (Math.atan2(y, Math.sqrt(x * x + z * z)) / (Math.PI / 2) + 1) * this.vScale;
    // Nearest pixel. x wraps so yaw ±180° has no seam; y clamps so the poles stay clean.
    let px = Math.round(u) % this.srcWidth;
    if (px < 0) px += this.srcWidth;
    let py = Math.round(v);
    py = py < 0 ? 0 : py > this.maxY ? this.maxY : py;
    return (py * this.srcWidth + px) * 3;
  }

  distance(u0: number, v0: number, u1: number, v1: number): number {
    const du = u1 - u0;
    const wrapped = Math.abs(du) > this.srcWidth / 2 ? this.srcWidth - Math.abs(du) : du;
    return Math.hypot(wrapped, v1 - v0);
  }
}
