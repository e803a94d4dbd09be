/**
 * A page left at the end of a file (close 1000, "ended") is no viewer any more: the server tells
 * it nothing. When another viewer replays the file (or seeks in it, which replays it), the shared
 * timeline plays again without this page, whose banner would go on saying "ended" and whose play
 * button would offer a replay of what is already playing. So while the page shows the end, it asks
 * the server's `/healthz` for the timeline now and then, and joins once it is no longer ENDED.
 *
 * Only asked, never connected: a viewer that connects to an ended file starts it again (README,
 * "The source runs only while someone watches"), so connecting to look would replay it for everyone.
 */
import type { StatusCode } from '../../../protocol/index.js';

/** How often the page asks while it shows the end: a replay elsewhere shows here within this. */
export const REPLAY_POLL_MS = 2000;
/** A request gets this long; a server this slow is asked again at the next poll. */
const REPLAY_PROBE_MS = 1500;
/** A timeline this close to its end is not joined yet (ask). */
const END_MARGIN_S = 1;

export class ReplayWatch {
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** Counts starts and stops: an answer for a watch stopped meanwhile is dropped. */
  private generation = 0;

  constructor(
    /** `/healthz` of the page's server. */
    private readonly healthUrl: string,
    /** The timeline plays again (someone replayed it): the page joins it. */
    private readonly replayed: () => void,
  ) {}

  /** Starts asking (again); the page shows the end. */
  start(): void {
    this.stop();
    this.schedule(this.generation);
  }

  /** Stops asking: the page connects, or is gone. */
  stop(): void {
    this.generation++;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(generation: number): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.ask(generation);
    }, REPLAY_POLL_MS);
  }

  private async ask(generation: number): Promise<void> {
    const now = await timelineNow(this.healthUrl);
    if (generation !== this.generation) return;
    const code = now?.code;
    // Playing its last moments, the file may have ended again by the time the page connects, and
    // that connection would start it once more for everyone: asked again at the next poll instead.
    const ending = code === 'PLAYING' && now!.duration > 0 && now!.duration - now!.position < END_MARGIN_S;
    // FAILED or unknown (no answer, an older server): nothing to join; asked again later.
    if ((code === 'PLAYING' || code === 'PAUSED' || code === 'SEEKED') && !ending) {
      this.stop();
      this.replayed();
      return;
    }
    this.schedule(generation);
  }
}

/** The server's timeline (`/healthz` `timeline.code`, `timeline.position`, `duration`), or null where it gave none. */
async function timelineNow(url: string): Promise<{ code: StatusCode; position: number; duration: number } | null> {
  try {
    const res = await fetch(url, { cache: 'no-store', signal: AbortSignal.timeout(REPLAY_PROBE_MS) });
    const body: unknown = await res.json();
    if (typeof body !== 'object' || body === null) return null;
    const { timeline, duration } = body as { timeline?: { code?: unknown; position?: unknown }; duration?: unknown };
    if (typeof timeline?.code !== 'string') return null;
    const number = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
    return { code: timeline.code as StatusCode, position: number(timeline.position), duration: number(duration) };
  } catch {
    return null;
  }
}
