/**
 * The sound: the server's `/audio` stream, played by an AudioFeed (below), and its on/off button.
 *
 * Whether there is sound is asked with `HEAD /audio` (common/sound-answer.ts): 200 → available,
 * 204 → the source has no audio track, 401 or 403 → refused (the token), 503 with the server's one
 * line → failed (the source, or its sound alone: `the sound failed: …`, shown on the button, not
 * taken for a source without sound; any other 503, a full server's or a proxy's, is retried),
 * anything else (an older server answers 404) or a network error → unavailable. Asked once at the start, again when a stream fails before it is retried
 * (the server may have given the sound up: it ends the stream and answers 503 from then on), and
 * after a reconnect where it had failed (a restarted server may have sound again).
 * Browsers refuse to autoplay sound, so the page starts muted and the stream is only opened when
 * the user turns the sound on (a click is the gesture that allows it); turning it off closes the
 * stream, so a later "on" starts at the server's live edge, in step with the picture.
 *
 * The sound is played by an AudioFeed: decoded by the page itself (pcm-audio-feed.ts) where
 * WebCodecs decodes AAC, which plays it soonest after it arrives; else the `<audio>` element fed
 * through MediaSource, or the stream as its `src` (audio-feed.ts). Each request (on, `reload`, a retry after an error) is a
 * fresh one; `heard` says which picture position is being heard, for the page's lip sync
 * (av-sync.ts).
 *
 * At the end of a file the button rests (`setEnded`): there is nothing to hear until a replay,
 * which asks for the sound again if it was on.
 *
 * A stream that failed MAX_RETRIES times in a row (the server went away: killed, or failed over)
 * is not a sound the browser blocked: the button says it was lost, and the sound comes back on by
 * itself with the connection (`reconnected`). It said "sound blocked" and stayed off for good.
 */
import { askSound, type SoundAnswer } from '../common/sound-answer.js';
import { ElementAudioFeed, MseAudioFeed, type AudioFeed, type FeedHooks, type FeedWait } from './audio-feed.js';
import { PcmAudioFeed } from './pcm-audio-feed.js';

/** How the page plays the sound: decoded by itself (pcm), through MediaSource (mse), or as the element's src; auto takes the first this browser can. */
export type FeedChoice = 'auto' | 'pcm' | 'mse' | 'element';

export type AudioAvailability = 'checking' | 'available' | 'none' | 'refused' | 'failed' | 'unavailable';

export interface AudioEvents {
  /** A fresh request for the stream started. */
  started(): void;
  /** The sound is off (muted by the user, refused, or given up). */
  stopped(): void;
  /** The picture's position now (unwrapped, s), or null while frames are not arriving. */
  position(): number | null;
}

/** A stream that fails (server gone, no decoder) is requested again this many times before the button goes off. */
export const MAX_RETRIES = 3;
/** Wait before the first retry; doubled for each further one. */
export const RETRY_BASE_MS = 1000;

/** Why the sound went off by itself: the browser refused to play it, or its stream kept failing. */
type GaveUp = 'blocked' | 'lost';

export class AudioControl {
  availability: AudioAvailability = 'checking';
  /** With `failed`: the server's one line saying why (`the sound failed: …`). */
  private why: string | null = null;
  private on = false;
  private gaveUp: GaveUp | null = null;
  private ended = false;
  /** Counts requests: names each one (`n=`) and tells a stale play() rejection from a live one. */
  private requests = 0;
  private failures = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private feed: AudioFeed;
  private readonly hooks: FeedHooks;
  private readonly next: () => string;

  constructor(
    private readonly button: HTMLButtonElement,
    private readonly audio: HTMLAudioElement,
    /** `/audio`, with the page's token when it has one. */
    private readonly url: string,
    private readonly events: AudioEvents,
    /** A feed other than auto is taken where this browser has it (the tests pick each). */
    private readonly choice: FeedChoice = 'auto',
  ) {
    this.hooks = {
      position: () => events.position(),
      failed: () => this.failed(),
      playing: () => {
        this.failures = 0;
      },
    };
    // Each request gets its own `n=`, so that no cache or shared media buffer answers it.
    this.next = (): string => `${url}${url.includes('?') ? '&' : '?'}n=${this.requests}`;
    // WebCodecs' AAC support is known only asynchronously (probe): until then, the element's feeds.
    this.feed = this.elementFeed(choice === 'element' ? 'element' : 'mse');
    button.addEventListener('click', () => {
      button.blur();
      this.toggle();
    });
    // An error of a load the page replaced or stopped (no src now) has no bearing on the sound.
    audio.addEventListener('error', () => {
      if (this.audio.getAttribute('src')) this.failed();
    });
    // Sound is coming out: the stream is healthy again.
    audio.addEventListener('playing', () => {
      this.failures = 0;
    });
    this.show();
  }

  private elementFeed(kind: 'mse' | 'element'): AudioFeed {
    return kind === 'mse' && MseAudioFeed.supported() ? new MseAudioFeed(this.audio, this.next, this.hooks) : new ElementAudioFeed(this.audio, this.next, this.hooks);
  }

  async probe(): Promise<void> {
    // Its wait (FeedWait) is the MediaSource feed's, which the page was given.
    if ((this.choice === 'auto' || this.choice === 'pcm') && PcmAudioFeed.supported() && (await PcmAudioFeed.decodes()) && !this.on) {
      this.feed = new PcmAudioFeed(this.next, this.hooks);
    }
    this.take(await askSound(this.url));
  }

  /** What the server answered about its sound becomes the button's. */
  private take({ state, why }: SoundAnswer): void {
    this.availability = state;
    this.why = why;
    this.show();
  }

  get playing(): boolean {
    return this.on;
  }

  /** How the sound is played: 'pcm', 'mse' or 'element'. */
  get feedKind(): AudioFeed['kind'] {
    return this.feed.kind;
  }

  /** How long the picture may wait for this feed's sound (AvSync.setWait). */
  get wait(): FeedWait {
    return this.feed;
  }

  /** The feed's clock (s) while the sound is on; null while off. */
  mediaTime(): number | null {
    return this.on ? this.feed.mediaTime() : null;
  }

  /** Where the page's own decoded sound can be listened to (the lip-sync tests); null for the element's feeds or while off. */
  tap(): { context: AudioContext; node: AudioNode } | null {
    return this.on && this.feed instanceof PcmAudioFeed ? this.feed.tap() : null;
  }

  /** The picture position being heard (unwrapped, s); null while off or not yet known. */
  heard(): number | null {
    return this.on ? this.feed.heard() : null;
  }

  /** The file ended (true), or plays again (false). */
  setEnded(ended: boolean): void {
    if (ended === this.ended) return;
    this.ended = ended;
    this.show();
  }

  toggle(): void {
    if (this.availability !== 'available' || this.ended) return;
    if (this.on) {
      this.stop();
      this.events.stopped();
    } else {
      this.on = true;
      this.gaveUp = null;
      this.failures = 0;
      this.request();
    }
    this.show();
  }

  /** The page's connection is back: a sound lost with it (its stream failed meanwhile) is asked for again. */
  reconnected(): void {
    if (this.availability === 'failed' || this.availability === 'unavailable') {
      void askSound(this.url).then((answer) => this.take(answer));
      return;
    }
    if (this.gaveUp !== 'lost' || this.availability !== 'available' || this.ended) return;
    this.toggle();
  }

  /** Drops the stream and requests it afresh (a stall). */
  reload(): void {
    if (this.on) this.request();
  }

  /** The picture jumped (seek, resume, reconnect): a feed that cannot follow by itself is requested afresh. */
  resync(): void {
    if (this.on && this.feed.needsRequest()) this.request();
  }

  private request(): void {
    this.clearRetry();
    const n = ++this.requests;
    this.audio.muted = false;
    this.feed.start();
    this.events.started();
    this.feed.play().catch(() => {
      // A newer request or a stop interrupted this one (AbortError): nothing went wrong.
      if (n !== this.requests || !this.on) return;
      // Refused (no user gesture yet) or not decodable: say so on the button, not in the console.
      this.giveUp('blocked');
    });
  }

  private failed(): void {
    if (!this.on) return;
    this.feed.stop();
    if (this.feed instanceof PcmAudioFeed && this.feed.broken) {
      // Said to decode AAC, it did not: MediaSource, at once.
      this.feed.close();
      this.feed = this.elementFeed('mse');
      this.request();
      return;
    }
    if (++this.failures > MAX_RETRIES) {
      this.giveUp('lost');
      return;
    }
    this.clearRetry();
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.on) void this.retry();
    }, RETRY_BASE_MS * 2 ** (this.failures - 1));
  }

  /**
   * A failed stream is requested again unless the server now says for sure there is no sound to
   * give (its sound given up: 503 with why; no track; the token refused): that is believed, and the
   * sound goes off with its reason, rather than retried until the button says "sound lost". Any
   * other answer (none, a proxy's error while the server restarts) retries as before.
   */
  private async retry(): Promise<void> {
    const n = this.requests;
    const answer = await askSound(this.url);
    // Stopped, or requested afresh (a stall's reload) while the answer came.
    if (!this.on || n !== this.requests) return;
    if (answer.state === 'available' || answer.state === 'unavailable') {
      this.request();
      return;
    }
    this.stop();
    this.take(answer);
    this.events.stopped();
  }

  private giveUp(why: GaveUp): void {
    this.stop();
    this.gaveUp = why;
    this.show();
    this.events.stopped();
  }

  private stop(): void {
    this.on = false;
    this.requests++; // any play() still pending is stale now
    this.clearRetry();
    this.feed.stop();
    this.audio.pause();
    this.audio.removeAttribute('src');
    this.audio.load(); // closes the HTTP stream
  }

  private clearRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private show(): void {
    const b = this.button;
    b.disabled = this.availability !== 'available' || this.ended;
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
      case 'refused':
        b.textContent = 'audio refused';
        b.title = 'the server refused the sound: the page\'s address needs its ?token=';
        return;
      case 'failed':
        b.textContent = 'sound failed';
        b.title = this.why ?? 'the server has no sound to give';
        return;
      case 'unavailable':
        b.textContent = 'audio unavailable';
        b.title = 'this server does not stream sound';
        return;
      case 'available':
        if (this.ended) {
          b.textContent = this.on ? 'sound ended' : 'sound off';
          b.title = 'the file ended: replay to hear it';
          return;
        }
        b.textContent = this.on ? 'sound on' : this.gaveUp === 'blocked' ? 'sound blocked' : this.gaveUp === 'lost' ? 'sound lost' : 'sound off';
        b.title = this.on ? 'mute' : this.gaveUp === 'lost' ? 'the sound stream failed: it comes back with the connection (click: try now)' : 'unmute';
        return;
    }
  }

  dispose(): void {
    if (this.on) this.stop();
    if (this.feed instanceof PcmAudioFeed) this.feed.close();
  }
}
