/**
 * The Pannini camera with d = 1 (the classic vedutismo view: verticals stay vertical, and wide
 * angles squeeze sideways less than in a flat view). Sample (lx, ly) is the plane point
 * x = lx·2·tan(H/4), y = ly·tan(V/2): longitude φ = 2·atan(x/2), and y scaled by
 * S = 2 / (1 + cos φ) gives the latitude's tangent. ffmpeg 5.1's `output=pannini` is this camera
 * at H = 2·atan(1/2)·4 ≈ 106.26° (it takes h_fov as d and spans x ∈ [−1, 1]).
 */
import type { SampleGrid, ViewAngles } from '../../shared/types.js';
import { fieldsOfView, type Camera } from '../camera.js';

export class PanniniCamera implements Camera {
  readonly name = 'pannini';
  private readonly sx: number;
  private readonly sy: number;
  x = 0;
  y = 0;
  z = 1;

  constructor(view: ViewAngles, grid: SampleGrid) {
    const { h, v } = fieldsOfView('pannini', view, grid);
    this.sx = 2 * Math.tan(h / 4);
    this.sy = Math.tan(v / 2);
  }

  ray(lx: number, ly: number): void {
    const phi = 2 * Math.atan((lx * this.sx) / 2);
    const s = 2 / (1 + Math.cos(phi));
    const lat = Math.atan((ly * this.sy) / s);
    const c = Math.cos(lat);
    this.x = c * Math.sin(phi);
    this.y = Math.sin(lat);
    this.z = c * Math.cos(phi);
  }
}
