/**
 * Mouse, touch and pen: drag to look around, wheel and pinch to zoom.
 *
 * Dragging grabs the scene, as in Pannellum and Photo Sphere Viewer: the point under the pointer
 * follows it, so dragging right turns the view left and dragging down looks up. One CSS pixel is
 * `degreesPerPixel()` of view (the FOV over the picture's width). What a drag does after release
 * (inertia) is the player's (client/common/view-motion.ts), shared with the terminal; this file
 * only turns DOM pointer events into its calls. The page sends the view at most once per frame.
 */
import type { PlayerController } from '../common/player-controller.js';

/** Wheel zoom: FOV × ZOOM_PER_100PX for every 100 pixels of wheel delta. */
const ZOOM_PER_100PX = 1.1;

export class PointerInput {
  private readonly pointers = new Map<number, { x: number; y: number }>();
  private pinchDistance = 0;
  private readonly listeners: [string, EventListener, AddEventListenerOptions?][] = [];

  constructor(
    private readonly target: HTMLElement,
    private readonly player: PlayerController,
    private readonly degreesPerPixel: () => number,
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

  private down(e: PointerEvent): void {
    if (e.pointerType === 'mouse' && e.button !== 0) return;
    // Controls over the picture (the banner's button) keep their clicks: capturing the pointer
    // would send the click to the stage instead. What is marked data-no-drag (the help) keeps its
    // touches too, to scroll by; a mouse drags from there as from the picture.
    if (e.target instanceof Element && e.target.closest(e.pointerType === 'mouse' ? 'button, a, input, select, textarea' : 'button, a, input, select, textarea, [data-no-drag]')) return;
    try {
      this.target.setPointerCapture(e.pointerId); // the drag goes on outside the stage
    } catch {
      // A pointer the browser no longer knows (synthetic, already gone): drag without capture.
    }
    this.pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
    if (this.pointers.size === 1) this.player.dragStart();
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
      if (this.pinchDistance > 0 && distance > 0) this.player.zoom(this.pinchDistance / distance);
      this.pinchDistance = distance;
      return;
    }
    const k = this.degreesPerPixel();
    this.player.dragBy(-dx * k, dy * k);
  }

  private up(e: PointerEvent): void {
    if (!this.pointers.delete(e.pointerId)) return;
    if (this.target.hasPointerCapture(e.pointerId)) this.target.releasePointerCapture(e.pointerId);
    if (this.pointers.size > 0) {
      // The other finger of a pinch carries on as a drag, with no jump and no fling from the pinch.
      this.pinchDistance = 0;
      this.player.dragStart();
      return;
    }
    // Released while moving: the player coasts (inertia); a cancelled pointer stops.
    this.player.dragEnd(e.type === 'pointerup');
  }

  private wheel(e: WheelEvent): void {
    e.preventDefault();
    // deltaMode 1 = lines, 2 = pages: bring both to pixels.
    const px = e.deltaY * (e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? 400 : 1);
    if (px === 0) return;
    this.player.zoom(Math.pow(ZOOM_PER_100PX, px / 100));
  }

  private spread(): number {
    const [a, b] = [...this.pointers.values()];
    return a && b ? Math.hypot(a.x - b.x, a.y - b.y) : 0;
  }

  dispose(): void {
    for (const [type, fn, options] of this.listeners) this.target.removeEventListener(type, fn, options);
    this.listeners.length = 0;
    this.pointers.clear();
  }
}
