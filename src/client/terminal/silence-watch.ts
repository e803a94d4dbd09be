/**
 * A server gone without a close: its process stopped (SIGSTOP, a debugger) or hung, its machine off,
 * the network cut. Its socket stays open and says nothing, so `view` showed the last picture as
 * playing (`>`, 0/0 fps) for good, where a killed server is said at once and tried again. A paused
 * video or a photo sends nothing for minutes too, so silence alone proves nothing: after QUIET_MS
 * without a message the link pings (the server's `ws` answers by itself, as the server's own
 * heartbeat.ts counts on the clients' doing), and a server that answers neither the ping nor with
 * anything else within ANSWER_MS is taken for gone: the link cuts the socket and reconnects as
 * after any loss.
 */

/** Nothing heard this long: ping. */
export const QUIET_MS = 5000;
/** No pong nor message this long after the ping: gone. */
export const ANSWER_MS = 5000;
/** How often the watch looks; a look later than twice this means this process was not running. */
export const WATCH_TICK_MS = 1000;

/** What the watch needs of a `ws` WebSocket. */
export interface Pingable {
  ping(): void;
  on(event: 'message' | 'pong', listener: () => void): unknown;
  off(event: 'message' | 'pong', listener: () => void): unknown;
}

export class SilenceWatch {
  private heardAt: number;
  /** When the unanswered ping went out; null while none is waiting. */
  private pingedAt: number | null = null;
  private lastLook: number;
  private readonly timer: NodeJS.Timeout;
  private stopped = false;

  /** `silent` is called once, when the server is taken for gone; the watch has stopped by then. */
  constructor(
    private readonly ws: Pingable,
    private readonly silent: () => void,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.heardAt = this.lastLook = now();
    ws.on('message', this.heard);
    ws.on('pong', this.heard);
    this.timer = setInterval(() => this.look(), WATCH_TICK_MS);
    this.timer.unref();
  }

  private readonly heard = (): void => {
    this.heardAt = this.now();
    this.pingedAt = null;
  };

  /** One look at the socket (the timer's; tests call it with their own clock). */
  look(): void {
    if (this.stopped) return;
    const now = this.now();
    const late = now - this.lastLook > 2 * WATCH_TICK_MS;
    this.lastLook = now;
    // Stopped (Ctrl-Z) or blocked: what the server sent meanwhile is still unread in the socket,
    // and timers run before it is read. The wait starts afresh, not from before the stop.
    if (late) {
      this.heard();
      return;
    }
    if (this.pingedAt === null) {
      if (now - this.heardAt < QUIET_MS) return;
      this.pingedAt = now;
      this.ws.ping();
      return;
    }
    if (now - this.pingedAt < ANSWER_MS) return;
    this.stop();
    this.silent();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    this.ws.off('message', this.heard);
    this.ws.off('pong', this.heard);
  }
}
