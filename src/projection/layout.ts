/**
 * Layouts: how a source frame stores the sphere. One file per layout in layouts/; a layout takes a
 * world-space ray and says which source pixel shows it, so any camera works with any layout.
 */

export interface Layout {
  readonly name: string;
  readonly srcWidth: number;
  readonly srcHeight: number;
  /**
   * The continuous source pixel position (u across, v down; pixel centres at whole numbers) of the
   * world ray (x right, y down, z forward; any length) into `out[0]`, `out[1]`.
   */
  locate(x: number, y: number, z: number, out: Float64Array): void;
  /**
   * Byte offset into the RGB24 frame of the pixel nearest where the world ray lands (`locate`'s
   * position rounded), edges wrapped or clamped as the layout joins. Per tap: one call, no arrays.
   */
  offsetOf(x: number, y: number, z: number): number;
  /** Source pixels between two positions, the short way round where the layout wraps. */
  distance(u0: number, v0: number, u1: number, v1: number): number;
}
