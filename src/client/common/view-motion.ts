/**
 * The view's motion between inputs, for both clients: drag inertia and auto-rotate.
 *
 * Inertia (as Photo Sphere Viewer and Pannellum do): a drag released while moving keeps turning at
 * its release speed (the moves of the last VELOCITY_WINDOW_MS), slowing by e every INERTIA_TAU_MS
 * (friction), until it is slower than MIN_SPEED.
 *
 * Auto-rotate: when on, the view turns right at AUTO_ROTATE_DEG_PER_S once nothing was touched for
 * AUTO_ROTATE_IDLE_MS; any input stops it, and the idle spell starts again. A key toggles it.
 *
 * Time comes from the caller (`now`, ms), so a test drives it with a fake clock.
 */
import type { ViewController } from './view-controller.js';

/** Inertia speed decays by e every this many ms. */
export const INERTIA_TAU_MS = 300;
/** Below this speed (degrees per ms) inertia stops: 3°/s. */
export const MIN_SPEED = 0.003;
/** A flick coasts at most this fast (360°/s): bursts of input events must not fling the view round. */
export const MAX_SPEED = 0.36;
/** Moves in the last this many ms before release give the release speed. */
export const VELOCITY_WINDOW_MS = 80;
/** Move samples kept for the release speed: enough for VELOCITY_WINDOW_MS at 240 Hz input. */
const SAMPLES_MAX = 24;
/** A longer step (a background tab, a stall) does not jump the view. */
export const MAX_STEP_MS = 50;
/** Auto-rotate starts after this long without input (Photo Sphere Viewer waits 2 s by default). */
export const AUTO_ROTATE_IDLE_MS = 3000;
/** Auto-rotate speed: a full turn a minute. */
export const AUTO_ROTATE_DEG_PER_S = 6;

interface Sample {
  t: number;
  yaw: number;
  pitch: number;
}

export class ViewMotion {
  private readonly samples: Sample[] = [];
  private velocity: { yaw: number; pitch: number } | null = null;
  private dragging = false;
  private lastStep: number | null = null;
  private lastInput: number;

  /** When the user last moved the view or pressed a key (a view changed since then by itself alone is `auto`). */
  get lastInputAt(): number {
    return this.lastInput;
  }
  /** Auto-rotate is on (it turns only after the idle spell). */
  autoRotate: boolean;

  constructor(
    private readonly view: ViewController,
    now: number,
    autoRotate = false,
  ) {
    this.lastInput = now;
    this.autoRotate = autoRotate;
  }

  /** Any input (a key, a click, the wheel): auto-rotation stops and waits for the next idle spell. */
  input(now: number): void {
    this.lastInput = now;
  }

  toggleAutoRotate(now: number): boolean {
    this.autoRotate = !this.autoRotate;
    this.input(now);
    return this.autoRotate;
  }

  dragStart(now: number): void {
    this.input(now);
    this.dragging = true;
    this.velocity = null;
    this.samples.length = 0;
  }

  /** The view turned by (yaw, pitch) degrees by the drag at `now`. */
  dragMove(yaw: number, pitch: number, now: number): void {
    this.input(now);
    if (yaw === 0 && pitch === 0) return;
    this.view.turn(yaw, pitch);
    if (this.samples.length >= SAMPLES_MAX) this.samples.shift();
    this.samples.push({ t: now, yaw, pitch });
  }

  /** The drag ended at `now`; `coast` false (a cancelled drag) stops at once. */
  dragEnd(now: number, coast = true): void {
    this.input(now);
    this.dragging = false;
    this.velocity = coast ? this.releaseVelocity(now) : null;
    this.samples.length = 0;
  }

  /** True while inertia turns the view. */
  get coasting(): boolean {
    return this.velocity !== null;
  }

  /** True while auto-rotate turns the view. */
  rotating(now: number): boolean {
    return this.autoRotate && !this.dragging && this.velocity === null && now - this.lastInput >= AUTO_ROTATE_IDLE_MS;
  }

  /** Whether the caller should keep calling `step`: coasting, or auto-rotate on (turning or waiting to). */
  get active(): boolean {
    return this.velocity !== null || this.autoRotate;
  }

  /** Advances to `now`; true when the view moved. Call once per displayed frame (or a timer tick). */
  step(now: number): boolean {
    const dt = this.lastStep === null ? 0 : Math.min(MAX_STEP_MS, Math.max(0, now - this.lastStep));
    this.lastStep = now;
    const v = this.velocity;
    if (v && !this.dragging) {
      this.view.turn(v.yaw * dt, v.pitch * dt);
      const decay = Math.exp(-dt / INERTIA_TAU_MS);
      v.yaw *= decay;
      v.pitch *= decay;
      if (Math.hypot(v.yaw, v.pitch) < MIN_SPEED) this.velocity = null;
      return dt > 0;
    }
    if (this.rotating(now) && dt > 0) {
      this.view.turn((AUTO_ROTATE_DEG_PER_S * dt) / 1000, 0);
      return true;
    }
    return false;
  }

  /** Degrees per ms over the last moves, or null when the drag had stopped before release. */
  private releaseVelocity(now: number): { yaw: number; pitch: number } | null {
    const recent = this.samples.filter((s) => now - s.t <= VELOCITY_WINDOW_MS);
    if (recent.length < 2) return null;
    // The moves after the first sample, over the time since it: the first move happened before it.
    const span = Math.max(16, now - recent[0]!.t);
    let yaw = 0;
    let pitch = 0;
    for (let i = 1; i < recent.length; i++) {
      yaw += recent[i]!.yaw;
      pitch += recent[i]!.pitch;
    }
    const speed = Math.hypot(yaw, pitch) / span;
    if (speed < MIN_SPEED) return null;
    const k = Math.min(speed, MAX_SPEED) / speed / span;
    return { yaw: yaw * k, pitch: pitch * k };
  }
}
