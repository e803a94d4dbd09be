/**
 * Mouse, touch and pen: drag to look around, wheel and pinch to zoom.
 *
 * Dragging grabs the scene, as in Pannellum and Photo Sphere Viewer: the point under the pointer
 * follows it, so dragging right turns the view left and dragging down looks up. One CSS pixel is
 * `degreesPerPixel()` of view (the FOV over the picture's width). A drag released while moving keeps
 * turning and slows down (inertia), stepped from the page's animation frame. Drags only change the
 * ViewController; the page sends the view at most once per frame.
 */
import type { ViewController } from '../common/view-controller.js';

/** Inertia speed decays by e every this many ms. */
export const INERTIA_TAU_MS = 300;
/** Below this speed (degrees per ms) inertia stops: 3°/s. */
const MIN_SPEED = 0.003;
/** A flick coasts at most this fast (360°/s): bursts of pointer events must not fling the view round. */
const MAX_SPEED = 0.36;
/** Moves in the last this many ms before release give the release speed. */
const VELOCITY_WINDOW_MS = 80;
/** Move samples kept for the release speed: enough for VELOCITY_WINDOW_MS at 240 Hz input. */
const SAMPLES_MAX = 24;
/** Wheel zoom: FOV × ZOOM_PER_100PX for every 100 pixels of wheel delta. */
const ZOOM_PER_100PX = 1.1;
/** A longer step (a background tab, a stall) does not jump the inertia. */
const MAX_STEP_MS = 50;

interface Sample {
  t: number;
  yaw: number;
  pitch: number;
}

export class PointerInput {
  private readonly pointers = new Map<number, { x: number; y: number }>();
  private readonly samples: Sample[] = [];
  private velocity: { yaw: number; pitch: number } | null = null;
  private pinchDistance = 0;
  private lastStep = 0;
  private readonly listeners: [string, EventListener, AddEventListenerOptions?][] = [];

  constructor(
    private readonly target: HTMLElement,
    private readonly view: ViewController,
    private readonly degreesPerPixel: () => number,
    private readonly changed: () => void,
  ) {
    this.listen('pointerdown', (e) => this.down(e as PointerEvent));
    this.listen('pointermove', (e) => this.move(e as PointerEvent));
    this.listen('pointerup', (e) => this.up(e as PointerEvent));
    this.listen('pointercancel', (e) => this.up(e as PointerEvent));
    this.listen('wheel', (e) => this.wheel(e as WheelEvent), { passive: false });
  }

  private listen(type: string, fn: EventListener, options?: AddEventListenerOptions): void {
    this.target.addEventListener(type, fn, options);
    this.listeners.push([type, fn, options]);
  }

  /** True while inertia is turning the view. */
  get coasting(): boolean {
    return this.velocity !== null;
  }

  /** Advances inertia to `now` (performance.now()); call once per animation frame. */
  step(now: number): void {
    const dt = Math.min(MAX_STEP_MS, Math.max(0, now - this.lastStep));
    this.lastStep = now;
    const v = this.velocity;
    if (!v || this.pointers.size > 0) return;
    this.view.turn(v.yaw * dt, v.pitch * dt);
    this.changed();
    const decay = Math.exp(-dt / INERTIA_TAU_MS);
    v.yaw *= decay;
    v.pitch *= decay;
    if (Math.hypot(v.yaw, v.pitch) < MIN_SPEED) this.velocity = null;
  }

  private down(e: PointerEvent): void {
    if (e.pointerType === 'mouse' && e.button !== 0) return;
    // Controls over the picture (the banner's button) keep their clicks: capturing the pointer
    // would send the click to the stage instead.
    if (e.target instanceof Element && e.target.closest('button, a, input, select, textarea')) return;
    try {
      this.target.setPointerCapture(e.pointerId); // the drag goes on outside the stage
    } catch {
      // A pointer the browser no longer knows (synthetic, already gone): drag without capture.
    }
    this.pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
    this.velocity = null;
    this.samples.length = 0;
    if (this.pointers.size === 2) this.pinchDistance = this.spread();
    e.preventDefault();
  }

  private move(e: PointerEvent): void {
    const last = this.pointers.get(e.pointerId);
    if (!last) return;
    const dx = e.clientX - last.x;
    const dy = e.clientY - last.y;
    last.x = e.clientX;
    last.y = e.clientY;
    if (this.pointers.size >= 2) {
      const distance = this.spread();
      if (this.pinchDistance > 0 && distance > 0) {
        this.view.zoom(this.pinchDistance / distance);
        this.changed();
      }
      this.pinchDistance = distance;
      return;
    }
    const k = this.degreesPerPixel();
    const yaw = -dx * k;
    const pitch = dy * k;
    if (yaw === 0 && pitch === 0) return;
    this.view.turn(yaw, pitch);
    this.changed();
    if (this.samples.length >= SAMPLES_MAX) this.samples.shift();
    this.samples.push({ t: e.timeStamp, yaw, pitch });
  }

  private up(e: PointerEvent): void {
    if (!this.pointers.delete(e.pointerId)) return;
    if (this.target.hasPointerCapture(e.pointerId)) this.target.releasePointerCapture(e.pointerId);
    if (this.pointers.size > 0) {
      // The other finger of a pinch carries on as a drag, with no jump.
      this.pinchDistance = 0;
      this.samples.length = 0;
      return;
    }
    this.velocity = e.type === 'pointerup' ? this.releaseVelocity(e.timeStamp) : null;
    this.samples.length = 0;
  }

  /** Degrees per ms over the last moves, or null when the pointer had stopped before release. */
  private releaseVelocity(now: number): { yaw: number; pitch: number } | null {
    const recent = this.samples.filter((s) => now - s.t <= VELOCITY_WINDOW_MS);
    if (recent.length < 2) return null;
    const span = Math.max(16, now - recent[0]!.t);
    let yaw = 0;
    let pitch = 0;
    for (const s of recent) {
      yaw += s.yaw;
      pitch += s.pitch;
    }
    const speed = Math.hypot(yaw, pitch) / span;
    if (speed < MIN_SPEED) return null;
    const k = Math.min(speed, MAX_SPEED) / speed / span;
    return { yaw: yaw * k, pitch: pitch * k };
  }

  private wheel(e: WheelEvent): void {
    e.preventDefault();
    // deltaMode 1 = lines, 2 = pages: bring both to pixels.
    const px = e.deltaY * (e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? 400 : 1);
    if (px === 0) return;
    this.view.zoom(Math.pow(ZOOM_PER_100PX, px / 100));
    this.changed();
  }

  private spread(): number {
    const [a, b] = [...this.pointers.values()];
    return a && b ? Math.hypot(a.x - b.x, a.y - b.y) : 0;
  }

  dispose(): void {
    for (const [type, fn, options] of this.listeners) this.target.removeEventListener(type, fn, options);
    this.listeners.length = 0;
    this.pointers.clear();
    this.velocity = null;
  }
}
