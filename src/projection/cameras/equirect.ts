/**
 * The equirectangular camera, as ffmpeg 5.1's `v360=…:output=e` (equirect_to_xyz): longitude and
 * latitude linear across and down, H and V wide; at H = 360 with k = 1/2 the whole sphere, an
 * overview map. Past the poles it parts from v360 (ray).
 */
import type { SampleGrid, ViewAngles } from '../../shared/types.js';
import { fieldsOfView, type Camera } from '../camera.js';

const HALF_PI = Math.PI / 2;

export class EquirectCamera implements Camera {
  readonly name = 'equirect';
  private readonly ax: number;
  private readonly ay: number;
  x = 0;
  y = 0;
  z = 1;

  constructor(view: ViewAngles, grid: SampleGrid) {
    const { h, v } = fieldsOfView('equirect', view, grid);
    this.ax = h / 2;
    this.ay = v / 2;
  }

  ray(lx: number, ly: number): void {
    const lon = lx * this.ax;
    // Past a pole (V over 180°: the whole map in a terminal wider than 2:1 in samples) the rows
    // hold the pole's colour, as a letterbox: v360 runs on over the pole into the far side, which
    // showed the top of the sphere again, upside down, above the map.
    const lat = Math.max(-HALF_PI, Math.min(HALF_PI, ly * this.ay));
    const c = Math.cos(lat);
    this.x = c * Math.sin(lon);
    this.y = Math.sin(lat);
    this.z = c * Math.cos(lon);
  }
}
