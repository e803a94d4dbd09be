/**
 * The stereographic camera, as ffmpeg 5.1's `v360=…:output=sg` (stereographic_to_xyz): sample
 * (lx, ly) is the plane point (lx·tan(H/4), ly·tan(V/4)), projected from the sphere's far pole:
 * ray (2x, 2y, 1 − r²). Looking straight down (pitch −90) it is the little planet.
 */
import type { SampleGrid, ViewAngles } from '../../shared/types.js';
import { fieldsOfView, type Camera } from '../camera.js';

export class StereographicCamera implements Camera {
  readonly name = 'stereographic';
  private readonly sx: number;
  private readonly sy: number;
  x = 0;
  y = 0;
  z = 1;

  constructor(view: ViewAngles, grid: SampleGrid) {
    const { h, v } = fieldsOfView('stereographic', view, grid);
    this.sx = Math.tan(h / 4);
    this.sy = Math.tan(v / 4);
  }

  ray(lx: number, ly: number): void {
    const px = lx * this.sx;
    const py = ly * this.sy;
    this.x = 2 * px;
    this.y = 2 * py;
    this.z = 1 - px * px - py * py;
  }
}
