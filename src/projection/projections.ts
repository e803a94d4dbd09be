/** The projections the server builds tables with: a camera (cameras/) over a layout (layouts/). */
import type { CameraName } from '../../protocol/cameras.js';
import type { SampleGrid, ViewAngles } from '../shared/types.js';
import type { Camera } from './camera.js';
import { EquirectCamera } from './cameras/equirect.js';
import { FisheyeCamera } from './cameras/fisheye.js';
import { FlatCamera } from './cameras/flat.js';
import { PanniniCamera } from './cameras/pannini.js';
import { StereographicCamera } from './cameras/stereographic.js';
import { EQUIRECT_FORMAT, formatKey, LAYOUTS, type PictureFormat } from './layouts/index.js';
import type { Projection } from './projection.js';
import { CameraLayoutProjection } from './sampling-table.js';

const CAMERA_CLASSES: Readonly<Record<CameraName, new (view: ViewAngles, grid: SampleGrid) => Camera>> = {
  flat: FlatCamera,
  stereographic: StereographicCamera,
  fisheye: FisheyeCamera,
  pannini: PanniniCamera,
  equirect: EquirectCamera,
};

/** Projections by camera and format; a server has one format at a time, so this stays small. */
const projections = new Map<string, Projection>();
const MAX_PROJECTIONS = 32;

/** A frame in `format` seen through `camera`: v360's `input=<layout>:output=<camera>`. */
export function projectionFor(camera: CameraName, format: PictureFormat = EQUIRECT_FORMAT): Projection {
  const key = `${camera}|${formatKey(format)}`;
  let p = projections.get(key);
  if (!p) {
    const Cls = CAMERA_CLASSES[camera];
    const row = LAYOUTS[format.layout];
    p = new CameraLayoutProjection((view, grid) => new Cls(view, grid), (w, h) => row.create(w, h, format), format.pose);
    if (projections.size >= MAX_PROJECTIONS) projections.clear();
    projections.set(key, p);
  }
  return p;
}

/** Equirectangular source seen through `camera`: v360's `input=e:output=…`. */
export function equirectProjection(camera: CameraName): Projection {
  return projectionFor(camera, EQUIRECT_FORMAT);
}

/** Equirectangular source, rectilinear view: v360's `input=e:output=flat`. */
export const EQUIRECT_TO_FLAT: Projection = equirectProjection('flat');
