/**
 * Cameras: how an output sample becomes a ray. One file per camera in cameras/; the table builder
 * (sampling-table.ts) turns the ray into world space with the view's rotation and hands it to a
 * layout (layout.ts), so any camera works with any source layout.
 */

import { CAMERAS, type CameraName } from '../../protocol/cameras.js';
import type { SampleGrid, ViewAngles } from '../shared/types.js';

const DEG = Math.PI / 180;

/** The view's horizontal and vertical fields of view through `camera`, in radians (V by the camera's rule, §7). */
export function fieldsOfView(camera: CameraName, view: ViewAngles, grid: SampleGrid): { h: number; v: number } {
  return { h: view.fov * DEG, v: CAMERAS[camera].verticalFov(view.fov, grid.rows / (grid.cols * grid.aspect)) * DEG };
}

export interface Camera {
  readonly name: string;
  /**
   * The camera-space ray (x right, y down, z forward; any length) through the image-plane point
   * (lx, ly), each in [−1, 1] from the picture's left / top edge to its right / bottom edge, left
   * in `x`, `y`, `z` (fields, not an array: a million taps a view change).
   */
  ray(lx: number, ly: number): void;
  readonly x: number;
  readonly y: number;
  readonly z: number;
}
