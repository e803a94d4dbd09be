/**
 * The client's view (yaw, pitch, roll, FOV, camera), shared by the terminal and the browser.
 * Input changes the view at once; `takeViewMessage` hands out at most one absolute `view` message
 * per displayed frame, so held keys and drags coalesce (PROTOCOL-NOTES.md §5).
 */
import { CAMERA_NAMES, CAMERAS, Defaults, wrapDegrees, type CameraName, type ViewAngles, type ViewMessage } from '../../../protocol/index.js';
import type { Action } from './keymap.js';

/** Rectilinear views stay readable between these (issue: terminal client); wider cameras go up to their own limit. */
export const CLIENT_FOV_MIN = 30;
export const CLIENT_FOV_MAX = 120;

/** The FOV a camera starts at when `c` switches to it (protocol/cameras.ts: a little planet wants 200° or so, the map the whole sphere). */
export const CAMERA_START_FOV: Readonly<Record<CameraName, number>> = Object.fromEntries(CAMERA_NAMES.map((c) => [c, CAMERAS[c].startFov])) as Record<CameraName, number>;

/** The zoom range a client keeps to with `camera`. */
export function clientFovRange(camera: CameraName): [number, number] {
  return camera === 'flat' ? [CLIENT_FOV_MIN, CLIENT_FOV_MAX] : [CLIENT_FOV_MIN, CAMERAS[camera].fovMax];
}

export type { ViewAngles };

/** An angle as the readouts show it, whole degrees: -0.3 reads `0`, not toFixed's `-0`. */
export function wholeDegrees(angle: number): string {
  return String(Math.round(angle) || 0);
}

/** A key press turns the view by this fraction of the FOV: finer when zoomed in. */
const LOOK_STEP = 1 / 12;
const ROLL_STEP = 5;
const ZOOM_FACTOR = 1.1;

export class ViewController {
  yaw: number;
  pitch: number;
  roll: number;
  fov: number;
  camera: CameraName;
  private dirty = false;
  private cameraChanged = false;

  constructor(
    private initial: ViewAngles = { yaw: Defaults.YAW, pitch: Defaults.PITCH, roll: Defaults.ROLL, fov: Defaults.FOV },
    camera: CameraName = 'flat',
  ) {
    this.yaw = initial.yaw;
    this.pitch = initial.pitch;
    this.roll = initial.roll;
    this.camera = camera;
    this.initialCamera = camera;
    this.fov = clampFov(camera, initial.fov);
  }

  /** The camera the viewer started with: its starting FOV is the one asked for, not the camera's own. */
  private readonly initialCamera: CameraName;

  /**
   * Where `r` takes the FOV: the starting one in the camera the viewer started with, else the
   * current camera's own (a little planet reset to a flat view's 90° was no longer one).
   */
  private resetFov(): number {
    return this.startFovOf(this.camera);
  }

  /** The FOV `camera` starts at: the one asked for in the starting camera, else the camera's own. */
  private startFovOf(camera: CameraName): number {
    return clampFov(camera, camera === this.initialCamera ? this.initial.fov : CAMERA_START_FOV[camera]);
  }

  /** Applies a view action; returns false for actions that are not about the view. */
  apply(action: Action): boolean {
    const step = this.fov * LOOK_STEP;
    switch (action) {
      case 'look-left': return this.turn(-step, 0);
      case 'look-right': return this.turn(step, 0);
      case 'look-up': return this.turn(0, step);
      case 'look-down': return this.turn(0, -step);
      case 'roll-left': return this.set({ roll: wrapDegrees(this.roll - ROLL_STEP) });
      case 'roll-right': return this.set({ roll: wrapDegrees(this.roll + ROLL_STEP) });
      case 'zoom-in': return this.zoom(1 / ZOOM_FACTOR);
      case 'zoom-out': return this.zoom(ZOOM_FACTOR);
      case 'reset': return this.set({ ...this.initial, fov: this.resetFov() });
      case 'cycle-camera': return this.setCamera(CAMERA_NAMES[(CAMERA_NAMES.indexOf(this.camera) + 1) % CAMERA_NAMES.length]!);
      default: return false;
    }
  }

  /**
   * The view the server started this viewer at (INIT §2 fields 13–15: the file's initial view),
   * for a client that asked for none: it becomes the current view and the one reset returns to.
   * Sends nothing: the server already shows it.
   */
  startAt(view: { yaw: number; pitch: number; fov: number }): void {
    this.initial = { ...this.initial, yaw: view.yaw, pitch: view.pitch, fov: view.fov };
    this.yaw = view.yaw;
    this.pitch = view.pitch;
    this.fov = view.fov;
  }

  /** Turns by degrees (a drag or a key): yaw wraps, pitch stops at the poles. */
  turn(dYaw: number, dPitch: number): true {
    return this.set({ yaw: wrapDegrees(this.yaw + dYaw), pitch: Math.max(-90, Math.min(90, this.pitch + dPitch)) });
  }

  /** Multiplies the FOV (wheel, pinch, keys), clamped to the camera's client range. */
  zoom(factor: number): true {
    return this.set({ fov: clampFov(this.camera, this.fov * factor) });
  }

  /**
   * Switches camera, at the FOV it starts with: the camera's own (CAMERA_START_FOV), or back in the
   * starting camera the one the viewer started at (`play --fov 60`: `c` round to flat is 60 again).
   */
  setCamera(camera: CameraName): true {
    this.camera = camera;
    this.cameraChanged = true;
    return this.set({ fov: this.startFovOf(camera) });
  }

  set(v: Partial<ViewAngles>): true {
    if (v.yaw !== undefined) this.yaw = v.yaw;
    if (v.pitch !== undefined) this.pitch = v.pitch;
    if (v.roll !== undefined) this.roll = v.roll;
    if (v.fov !== undefined) this.fov = v.fov;
    this.dirty = true;
    return true;
  }

  /** Sets yaw, pitch and roll at once, for a sensor's every event (device look): `set` would take an object each time. */
  look(yaw: number, pitch: number, roll: number): true {
    this.yaw = yaw;
    this.pitch = pitch;
    this.roll = roll;
    this.dirty = true;
    return true;
  }

  get pending(): boolean {
    return this.dirty;
  }

  /** The angles as they go on the wire: two decimals. */
  rounded(): ViewAngles {
    return { yaw: round2(this.yaw), pitch: round2(this.pitch), roll: round2(this.roll), fov: round2(this.fov) };
  }

  /** The view to send, once per displayed frame; null when nothing changed. */
  takeViewMessage(): ViewMessage | null {
    if (!this.dirty) return null;
    this.dirty = false;
    const message: ViewMessage = { type: 'view', ...this.rounded() };
    if (this.cameraChanged) message.camera = this.camera;
    this.cameraChanged = false;
    return message;
  }
}

function clampFov(camera: CameraName, fov: number): number {
  const [min, max] = clientFovRange(camera);
  return Math.max(min, Math.min(max, fov));
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}
