/**
 * What the page tells the user besides the picture: toasts (the server's `Error:` texts, PROTOCOL-
 * NOTES.md §6.1: shown, never blocking) and one banner for the state of the connection (lost and
 * reconnecting, ended, refused), with an optional button (replay, retry).
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
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private action: BannerAction | null = null;

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
    const el = document.createElement('div');
    el.className = 'toast';
    el.textContent = text;
    this.toasts.append(el);
    while (this.toasts.childElementCount > TOASTS_MAX) this.toasts.firstElementChild?.remove();
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      el.remove();
    }, TOAST_MS);
    this.timers.add(timer);
  }

  showBanner(text: string, options: { action?: BannerAction; bad?: boolean } = {}): void {
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

  dispose(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
