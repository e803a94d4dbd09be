/**
 * What the page tells the user besides the picture: toasts (the server's `Error:` texts, PROTOCOL-
 * NOTES.md §6.1: shown, never blocking) and one banner for the state of the connection (lost and
 * reconnecting, ended, refused), with an optional button (replay, retry).
 *
 * Each distinct notice shows once: a toast already on screen is kept (its time starts again)
 * rather than stacked, and a toast that says what the banner says (`covers`: a source restarting
 * tells its reason as an `Error:` and as its STATUS) is not shown while the banner is.
 */

/** A toast stays this long. */
export const TOAST_MS = 5000;
/** More toasts than this push the oldest out: a burst of errors must not fill the screen. */
export const TOASTS_MAX = 3;

export interface BannerAction {
  label: string;
  run(): void;
}

export class Notices {
  private action: BannerAction | null = null;
  /** What the banner tells, in the words a toast would use. */
  private covered: string | null = null;
  /** Toasts on screen by their text, each with the timer that removes it. */
  private readonly shown = new Map<string, { el: Element; timer: ReturnType<typeof setTimeout> }>();

  constructor(
    private readonly toasts: HTMLElement,
    private readonly banner: HTMLElement,
    private readonly bannerText: HTMLElement,
    private readonly bannerButton: HTMLButtonElement,
  ) {
    bannerButton.addEventListener('click', () => {
      bannerButton.blur();
      this.action?.run();
    });
  }

  toast(text: string): void {
    if (text === this.covered && !this.banner.hidden) return;
    const same = this.shown.get(text);
    if (same) clearTimeout(same.timer);
    const el = same?.el ?? document.createElement('div');
    if (!same) {
      el.className = 'toast';
      el.textContent = text;
      this.toasts.append(el);
    }
    this.shown.set(text, { el, timer: setTimeout(() => this.remove(el), TOAST_MS) });
    while (this.toasts.childElementCount > TOASTS_MAX) this.remove(this.toasts.firstElementChild);
  }

  /** `covers`: a toast's text that this banner already tells (it goes, and does not come back while the banner shows). */
  showBanner(text: string, options: { action?: BannerAction; bad?: boolean; covers?: string } = {}): void {
    this.covered = options.covers ?? null;
    if (this.covered !== null) this.remove(this.shown.get(this.covered)?.el ?? null);
    this.bannerText.textContent = text;
    this.banner.classList.toggle('bad', options.bad ?? false);
    this.action = options.action ?? null;
    this.bannerButton.hidden = !this.action;
    this.bannerButton.textContent = this.action?.label ?? '';
    this.banner.hidden = false;
  }

  hideBanner(): void {
    this.banner.hidden = true;
    this.action = null;
  }

  private remove(el: Element | null): void {
    if (!el) return;
    el.remove();
    const text = el.textContent ?? '';
    const entry = this.shown.get(text);
    if (entry?.el !== el) return;
    clearTimeout(entry.timer);
    this.shown.delete(text);
  }

  dispose(): void {
    for (const { timer } of this.shown.values()) clearTimeout(timer);
    this.shown.clear();
  }
}
