/**
 * Cameras: how an output sample becomes a ray. One file per camera in cameras/; the table builder
 * (sampling-table.ts) turns the ray into world space with the view's rotation and hands it to a
 * layout (layout.ts), so any camera works with any source layout.
 */

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
