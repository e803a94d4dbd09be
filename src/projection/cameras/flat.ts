/**
 * The flat (rectilinear, perspective) camera, with the geometry of ffmpeg 5.1's
 * `v360=…:output=flat:h_fov=H:v_fov=V` (libavfilter/vf_v360.c, flat_to_xyz): output sample i of n
 * sits at (2i+1)/n − 1 on the image plane z = 1, scaled by tan(H/2) across and tan(V/2) down.
 * Camera space: x right, y DOWN, z forward.
 */
import { verticalFovDegrees } from '../../../protocol/view.js';
import type { SampleGrid, ViewAngles } from '../../shared/types.js';
import { fieldsOfView, type Camera } from '../camera.js';

/** Vertical field of view (degrees) that keeps `grid`'s samples `aspect` wide (PROTOCOL-NOTES.md §7). */
export function verticalFov(hFovDeg: number, grid: SampleGrid): number {
  return verticalFovDegrees(hFovDeg, grid.cols, grid.rows, grid.aspect);
}

export class FlatCamera implements Camera {
  readonly name = 'flat';
  private readonly tanX: number;
  private readonly tanY: number;

  constructor(view: ViewAngles, grid: SampleGrid) {
    // A rectilinear view needs tan(fov/2) finite and positive.
    if (!(view.fov > 0 && view.fov < 180)) {
      throw new RangeError(`view.fov must lie strictly between 0 and 180 degrees, got ${view.fov}`);
    }
    const { h, v } = fieldsOfView('flat', view, grid);
    this.tanX = Math.tan(h / 2);
    this.tanY = Math.tan(v / 2);
  }

  x = 0;
  y = 0;
  z = 1;

  ray(lx: number, ly: number): void {
    this.x = lx * this.tanX;
    this.y = ly * this.tanY;
  }
}
