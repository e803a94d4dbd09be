/**
 * Layouts: how a source frame stores the sphere. One file per family in layouts/ (equirect,
 * cubemap, fisheye), listed in layouts/index.ts under v360's names; a layout takes a world-space
 * ray and says which source pixel shows it, so any camera works with any layout.
 *
 * A ray the frame does not show (outside a partial panorama, behind a fisheye lens) reads the
 * black pixel every frame slot keeps just past its picture, at byte offset width·height·3
 * (frame-ring.ts): no branch in the per-frame loop.
 */
import type { PictureFormat } from '../shared/types.js';

export interface Layout {
  readonly name: string;
  readonly srcWidth: number;
  readonly srcHeight: number;
  /** Every ray lands on the picture: no offset is ever the black pixel. */
  readonly wholeSphere: boolean;
  /**
   * The continuous source pixel position (u across, v down; pixel centres at whole numbers) of the
   * world ray (x right, y down, z forward; any length) into `out[0]`, `out[1]`; NaN where the frame
   * does not show the ray.
   */
  locate(x: number, y: number, z: number, out: Float64Array): void;
  /**
   * Byte offset into the RGB24 frame of the pixel nearest where the world ray lands (`locate`'s
   * position rounded), edges wrapped or clamped as the layout joins; `srcWidth·srcHeight·3` (the
   * black pixel) where the frame does not show it. Per tap: one call, no arrays.
   */
  offsetOf(x: number, y: number, z: number): number;
  /** Source pixels between two positions, the short way round where the layout wraps. */
  distance(u0: number, v0: number, u1: number, v1: number): number;
  /**
   * Offered by a layout whose `locate` is smooth wherever it is finite, except where it wraps
   * (`distance`) or jumps: the byte offset of the pixel nearest `locate`'s position (u, v), edges
   * as `offsetOf` treats them; or -1 where the position alone cannot say which pixel `offsetOf`
   * would pick (a cube face's rim, where the neighbouring tile is another face), and that tap is
   * then projected exactly. The table builder projects a lattice of taps exactly and interpolates
   * between them where the map is smooth (sampling-table.ts).
   */
  offsetAt?(u: number, v: number): number;
}

export const WHOLE_AREA: PictureFormat['area'] = Object.freeze({ left: 0, top: 0, right: 1, bottom: 1 });
