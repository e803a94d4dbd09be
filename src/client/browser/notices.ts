/**
 * What the page tells the user besides the picture: toasts (the server's `Error:` texts, PROTOCOL-
 * NOTES.md §6.1: shown, never blocking) and one banner for the state of the connection (lost and
 * reconnecting, ended, refused), with an optional button (replay, retry).
 *
 * Each distinct notice shows once: a toast already on screen is kept (its time starts again)
 * rather than stacked, and a toast that says what the banner says (`covers`: a source restarting
 * tells its reason as an `Error:` and as its STATUS) is not shown while the banner is.
 *
 * Notices that arrive together and belong together (every value the page's URL gets wrong) are
 * one toast with a line each, `toastList`: as separate toasts, the cap below would push all but the
 * last few out before anyone could read them.
 */

/** A toast stays this long. */
export const TOAST_MS = 5000;
/** A toast of several lines stays this much longer for each line after the first: time to read them. */
export const TOAST_LINE_MS = 2000;
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
  /** Toasts on screen by their text (a list's: heading and lines, a line each), each with the timer that removes it. */
  private readonly shown = new Map<string, { el: HTMLElement; timer: ReturnType<typeof setTimeout> }>();

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
    this.show(text, TOAST_MS, (el) => {
      el.textContent = text;
    });
  }

  /**
   * One toast for `lines` that belong together: `heading`, then a line each (one line alone is a
   * plain toast). The caller bounds `lines`; the toast counts once against TOASTS_MAX.
   */
  toastList(heading: string, lines: readonly string[]): void {
    if (lines.length <= 1) {
      if (lines[0] !== undefined) this.toast(lines[0]);
      return;
    }
    this.show([heading, ...lines].join('\n'), TOAST_MS + TOAST_LINE_MS * (lines.length - 1), (el) => {
      const list = document.createElement('ul');
      for (const line of lines) {
        const item = document.createElement('li');
        item.textContent = line;
        list.append(item);
      }
      el.append(heading, list);
    });
  }

  /** Shows the toast keyed `key` for `ms`, built by `fill` unless the same one is on screen already. */
  private show(key: string, ms: number, fill: (el: HTMLElement) => void): void {
    const same = this.shown.get(key);
    if (same) clearTimeout(same.timer);
    const el = same?.el ?? document.createElement('div');
    if (!same) {
      el.className = 'toast';
      fill(el);
      this.toasts.append(el);
    }
    this.shown.set(key, { el, timer: setTimeout(() => this.remove(el), ms) });
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
    // A list's key is not its text content: look it up (TOASTS_MAX entries at most).
    for (const [key, entry] of this.shown) {
      if (entry.el !== el) continue;
      clearTimeout(entry.timer);
      this.shown.delete(key);
      return;
    }
  }

  dispose(): void {
    for (const { timer } of this.shown.values()) clearTimeout(timer);
    this.shown.clear();
  }
}
