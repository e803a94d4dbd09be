/**
 * The equidistant fisheye camera, as ffmpeg 5.1's `v360=…:output=fisheye` (fisheye_to_xyz): the
 * angle from the view axis grows linearly with the distance from the picture's centre, H/2 at the
 * left and right edges and V/2 at the top and bottom.
 */
import type { SampleGrid, ViewAngles } from '../../shared/types.js';
import { fieldsOfView, type Camera } from '../camera.js';

export class FisheyeCamera implements Camera {
  readonly name = 'fisheye';
  private readonly ax: number;
  private readonly ay: number;
  x = 0;
  y = 0;
  z = 1;

  constructor(view: ViewAngles, grid: SampleGrid) {
    const { h, v } = fieldsOfView('fisheye', view, grid);
    this.ax = h / 2;
    this.ay = v / 2;
  }

  ray(lx: number, ly: number): void {
    const tx = lx * this.ax;
    const ty = ly * this.ay;
    const theta = Math.hypot(tx, ty);
    // sin θ / θ → 1 at the centre.
    const s = theta > 1e-12 ? Math.sin(theta) / theta : 1;
    this.x = tx * s;
    this.y = ty * s;
    this.z = Math.cos(theta);
  }
}
