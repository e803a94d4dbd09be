/**
 * Cameras (PROTOCOL-NOTES.md §7): how a view's samples look out from the centre of the sphere.
 * Each keeps samples square: its vertical field of view V follows from the horizontal one H, the
 * grid and the cell aspect, with k = rows / (cols · aspect) (in samples for fitted styles), the
 * way ffmpeg's v360 needs for square output pixels.
 */

import { quoted } from './errors.js';

export type CameraName = 'flat' | 'stereographic' | 'fisheye' | 'pannini' | 'equirect';

export interface CameraSpec {
  readonly name: CameraName;
  /** Horizontal field of view range in degrees. */
  readonly fovMin: number;
  readonly fovMax: number;
  /** The FOV a view through it starts at when none is given: what each camera is for. */
  readonly startFov: number;
  /** V from H and k, degrees. */
  verticalFov(h: number, k: number): number;
  /** One line for help texts. */
  readonly description: string;
}

const DEG = Math.PI / 180;

export const CAMERAS: Readonly<Record<CameraName, CameraSpec>> = {
  flat: {
    name: 'flat', fovMin: 10, fovMax: 160, startFov: 90, description: 'rectilinear, as a photo: tan(V/2) = tan(H/2)·k',
    verticalFov: (h, k) => (2 * Math.atan(Math.tan((h * DEG) / 2) * k)) / DEG,
  },
  stereographic: {
    name: 'stereographic', fovMin: 10, fovMax: 300, startFov: 200, description: 'stereographic, a little planet looking down: tan(V/4) = tan(H/4)·k',
    verticalFov: (h, k) => (4 * Math.atan(Math.tan((h * DEG) / 4) * k)) / DEG,
  },
  fisheye: {
    name: 'fisheye', fovMin: 10, fovMax: 360, startFov: 180, description: 'equidistant fisheye: V = H·k',
    verticalFov: (h, k) => h * k,
  },
  pannini: {
    name: 'pannini', fovMin: 10, fovMax: 300, startFov: 120, description: 'Pannini (d = 1), straight verticals at wide angles: tan(V/2) = 2·tan(H/4)·k',
    verticalFov: (h, k) => (2 * Math.atan(2 * Math.tan((h * DEG) / 4) * k)) / DEG,
  },
  equirect: {
    name: 'equirect', fovMin: 10, fovMax: 360, startFov: 360, description: 'longitude and latitude as a map, the whole sphere at 360°: V = H·k',
    verticalFov: (h, k) => h * k,
  },
};

export const CAMERA_NAMES: readonly CameraName[] = Object.keys(CAMERAS) as CameraName[];

export function isCameraName(value: unknown): value is CameraName {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(CAMERAS, value);
}

/** The `Error:` reason for a camera name nobody knows (PROTOCOL-NOTES.md §6.1). */
export function unknownCameraReason(value: unknown): string {
  return `unknown camera ${quoted(value)}; cameras: ${CAMERA_NAMES.join(', ')}`;
}

/** `fov` within `camera`'s range. */
export function clampFov(camera: CameraName, fov: number): number {
  const c = CAMERAS[camera];
  return fov < c.fovMin ? c.fovMin : fov > c.fovMax ? c.fovMax : fov;
}

/** The camera a client that names none gets. */
export const DEFAULT_CAMERA: CameraName = 'flat';
