/**
 * View geometry both ends agree on (PROTOCOL-NOTES.md §7): the vertical field of view follows from
 * the horizontal one, the grid and the cell aspect, so cells of any shape keep circles round.
 */
import { CAMERAS, type CameraName } from './cameras.js';

/** V from H for `camera` (default flat: tan(V/2) = tan(H/2) · rows / (cols · aspect)), in degrees. */
export function verticalFovDegrees(horizontalFov: number, cols: number, rows: number, aspect: number, camera: CameraName = 'flat'): number {
  return CAMERAS[camera].verticalFov(horizontalFov, rows / (cols * aspect));
}

/** Where a viewer looks, in degrees, with exactly the meaning of ffmpeg's v360 filter (§7): shared by the server and both clients. */
export interface ViewAngles {
  yaw: number;
  pitch: number;
  roll: number;
  /** Horizontal field of view. */
  fov: number;
}
