/**
 * The bar over the picture on a phone turned sideways, as YouTube's, Vimeo's and most web players'
 * controls are there: the picture takes the whole height of the screen (its two lines of controls
 * were 93 of a 390 px landscape phone's pixels), the bar lies over the picture's bottom (the CSS of
 * OVERLAY_QUERY in index.html), and it steps away after BAR_IDLE_MS without a touch while the
 * picture plays. A tap on the picture brings it back, and a tap while it shows sends it away; a drag
 * does neither (looking around is not asking for the controls). Paused, at the end, with the help
 * or a banner up, it stays.
 *
 * Upright, on a tablet and with a mouse the bar keeps its own place under the picture, as before.
 */

/** Where the bar lies over the picture: a finger on a screen turned sideways and too low for the bar's two lines beside a picture. */
export const OVERLAY_QUERY = '(pointer: coarse) and (orientation: landscape) and (max-height: 500px)';
/** A playing picture untouched this long sends the bar away. */
export const BAR_IDLE_MS = 3000;
/** A press that moved less than this (CSS px) is a tap, not a drag. */
const TAP_SLOP_PX = 10;
/**
 * The bar a tap brought back ignores touches until that tap's click has passed, or this long: the
 * browser sends the click after the tap, to whatever is under the finger by then, which was the
 * bar's control there (the play button paused the picture the tap only meant to show the controls of).
 */
const WAKING_MS = 400;

export class BarAway {
  private readonly overlay: MediaQueryList;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private wakingTimer: ReturnType<typeof setTimeout> | null = null;
  /** Where the press on the picture began, and whether the bar could go then (a tap that closes the help keeps it). */
  private press: { id: number; x: number; y: number; mayGo: boolean } | null = null;
  private readonly removers: (() => void)[] = [];

  /**
   * @param body gets the class `bar-away` while the bar is away.
   * @param mayGo whether the bar may go now: the picture plays, and nothing the user reads is up.
   */
  constructor(
    private readonly body: HTMLElement,
    stage: HTMLElement,
    bar: HTMLElement,
    private readonly mayGo: () => boolean,
  ) {
    this.overlay = matchMedia(OVERLAY_QUERY);
    const on = (target: EventTarget, type: string, fn: (e: Event) => void, capture = false): void => {
      target.addEventListener(type, fn, capture);
      this.removers.push(() => target.removeEventListener(type, fn, capture));
    };
    on(this.overlay, 'change', () => this.show());
    on(bar, 'pointerdown', () => this.show());
    on(bar, 'focusin', () => this.show());
    on(window, 'keydown', () => this.show());
    // Capturing: read before the page's own press handler closes the help.
    on(stage, 'pointerdown', (e) => {
      const p = e as PointerEvent;
      this.press = { id: p.pointerId, x: p.clientX, y: p.clientY, mayGo: this.mayGo() };
    }, true);
    on(stage, 'pointerup', (e) => this.release(e as PointerEvent));
    on(stage, 'pointercancel', () => (this.press = null));
    this.show();
  }

  /** Whether the bar is away now. */
  get away(): boolean {
    return this.body.classList.contains('bar-away');
  }

  /** Brings the bar back and starts its idle time again: call it when the timeline changes (a pause keeps it). */
  show(): void {
    this.body.classList.remove('bar-away');
    this.restart();
  }

  private restart(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = this.overlay.matches ? setTimeout(() => this.idle(), BAR_IDLE_MS) : null;
  }

  private idle(): void {
    this.timer = null;
    if (!this.overlay.matches) return;
    // Not now (paused, the help up): asked again after another idle spell, so it goes once it may.
    if (this.mayGo()) this.body.classList.add('bar-away');
    else this.restart();
  }

  private release(e: PointerEvent): void {
    const press = this.press;
    this.press = null;
    if (!press || press.id !== e.pointerId || !this.overlay.matches) return;
    if (Math.hypot(e.clientX - press.x, e.clientY - press.y) >= TAP_SLOP_PX) return;
    if (this.away) {
      this.waking();
      this.show();
    } else if (press.mayGo) {
      if (this.timer !== null) clearTimeout(this.timer);
      this.timer = null;
      this.body.classList.add('bar-away');
    }
  }

  /** Keeps the bar's controls from this tap's click, which comes next (or not at all: then WAKING_MS ends it). */
  private waking(): void {
    this.body.classList.add('bar-waking');
    // One listener however many taps: adding the same function again adds nothing.
    window.addEventListener('click', this.clicked, true);
    if (this.wakingTimer !== null) clearTimeout(this.wakingTimer);
    this.wakingTimer = setTimeout(this.woken, WAKING_MS);
  }

  /** After the click has gone where it was going (the picture, the bar being untouchable). */
  private readonly clicked = (): void => void setTimeout(this.woken, 0);

  private readonly woken = (): void => {
    window.removeEventListener('click', this.clicked, true);
    if (this.wakingTimer !== null) clearTimeout(this.wakingTimer);
    this.wakingTimer = null;
    this.body.classList.remove('bar-waking');
  };

  dispose(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.woken();
    for (const remove of this.removers.splice(0)) remove();
  }
}
