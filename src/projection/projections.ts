/** The projections the server builds tables with: a camera (cameras/) over a layout (layouts/). */
import type { CameraName } from '../../protocol/cameras.js';
import type { SampleGrid, ViewAngles } from '../shared/types.js';
import type { Camera } from './camera.js';
import { EquirectCamera } from './cameras/equirect.js';
import { FisheyeCamera } from './cameras/fisheye.js';
import { FlatCamera } from './cameras/flat.js';
import { PanniniCamera } from './cameras/pannini.js';
import { StereographicCamera } from './cameras/stereographic.js';
import { EquirectLayout } from './layouts/equirect.js';
import type { Projection } from './projection.js';
import { CameraLayoutProjection } from './sampling-table.js';

const CAMERA_CLASSES: Readonly<Record<CameraName, new (view: ViewAngles, grid: SampleGrid) => Camera>> = {
  flat: FlatCamera,
  stereographic: StereographicCamera,
  fisheye: FisheyeCamera,
  pannini: PanniniCamera,
  equirect: EquirectCamera,
};

const byCamera = new Map<CameraName, Projection>();

/** Equirectangular source seen through `camera`: v360's `input=e:output=…`. */
export function equirectProjection(camera: CameraName): Projection {
  let p = byCamera.get(camera);
  if (!p) {
    const Cls = CAMERA_CLASSES[camera];
    p = new CameraLayoutProjection(camera, 'equirect', (view, grid) => new Cls(view, grid), (width, height) => new EquirectLayout(width, height));
    byCamera.set(camera, p);
  }
  return p;
}

/** Equirectangular source, rectilinear view: v360's `input=e:output=flat`. */
export const EQUIRECT_TO_FLAT: Projection = equirectProjection('flat');
