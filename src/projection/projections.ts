/** The projections the server builds tables with: a camera (cameras/) over a layout (layouts/). */
import { FlatCamera } from './cameras/flat.js';
import { EquirectLayout } from './layouts/equirect.js';
import type { Projection } from './projection.js';
import { CameraLayoutProjection } from './sampling-table.js';

/** Equirectangular source, rectilinear view: v360's `input=e:output=flat`. */
export const EQUIRECT_TO_FLAT: Projection = new CameraLayoutProjection(
  'flat',
  'equirect',
  (view, grid) => new FlatCamera(view, grid),
  (width, height) => new EquirectLayout(width, height),
);
