/**
 * View geometry both ends agree on (PROTOCOL-NOTES.md §7): the vertical field of view follows from
 * the horizontal one, the grid and the cell aspect, so cells of any shape keep circles round.
 */

/** tan(V/2) = tan(H/2) · rows / (cols · aspect), in degrees. */
export function verticalFovDegrees(horizontalFov: number, cols: number, rows: number, aspect: number): number {
  const half = (horizontalFov * Math.PI) / 360;
  return (2 * Math.atan((Math.tan(half) * rows) / (cols * aspect)) * 180) / Math.PI;
}
