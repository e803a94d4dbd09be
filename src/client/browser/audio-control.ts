/**
 * The sound: an <audio> element on the server's `/audio` stream and a mute button.
 *
 * Whether there is sound is asked once with `HEAD /audio`: 200 → available, 204 → the source has
 * no audio track, anything else (an older server answers 404) or a network error → unavailable.
 * Browsers refuse to autoplay sound, so the page starts muted and the stream is only opened when
 * the user turns the sound on (a click is the gesture that allows it); turning it off closes the
 * stream, so a later "on" starts at the server's live edge, in step with the picture.
 */

export type AudioAvailability = 'checking' | 'available' | 'none' | 'unavailable';

export class AudioControl {
  availability: AudioAvailability = 'checking';
  private on = false;
  private blocked = false;

  constructor(
    private readonly button: HTMLButtonElement,
    private readonly audio: HTMLAudioElement,
    /** `/audio`, with the page's token when it has one. */
    private readonly url: string,
  ) {
    button.addEventListener('click', () => {
      button.blur();
      this.toggle();
    });
    // A stream that fails mid-way (server gone, no decoder for it) turns the button back off.
    audio.addEventListener('error', () => {
      if (!this.on) return;
      this.stop();
      this.blocked = true;
      this.show();
    });
    this.show();
  }

  async probe(): Promise<void> {
    try {
      const res = await fetch(this.url, { method: 'HEAD', cache: 'no-store' });
      this.availability = res.status === 200 ? 'available' : res.status === 204 ? 'none' : 'unavailable';
    } catch {
      this.availability = 'unavailable';
    }
    this.show();
  }

  get playing(): boolean {
    return this.on;
  }

  toggle(): void {
    if (this.availability !== 'available') return;
    if (this.on) {
      this.stop();
    } else {
      this.on = true;
      this.blocked = false;
      this.audio.src = this.url;
      this.audio.muted = false;
      this.audio.play().catch(() => {
        // Refused (no user gesture yet) or not decodable: say so on the button, not in the console.
        this.stop();
        this.blocked = true;
        this.show();
      });
    }
    this.show();
  }

  private stop(): void {
    this.on = false;
    this.audio.pause();
    this.audio.removeAttribute('src');
    this.audio.load(); // closes the HTTP stream
  }

  private show(): void {
    const b = this.button;
    b.disabled = this.availability !== 'available';
    b.setAttribute('aria-pressed', String(this.on));
    switch (this.availability) {
      case 'checking':
        b.textContent = 'audio…';
        b.title = 'checking for sound';
        return;
      case 'none':
        b.textContent = 'no audio track';
        b.title = 'this source has no sound';
        return;
      case 'unavailable':
        b.textContent = 'audio unavailable';
        b.title = 'this server does not stream sound';
        return;
      case 'available':
        b.textContent = this.on ? 'sound on' : this.blocked ? 'sound blocked' : 'sound off';
        b.title = this.on ? 'mute' : 'unmute';
        return;
    }
  }

  dispose(): void {
    if (this.on) this.stop();
  }
}
