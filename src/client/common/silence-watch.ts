/**
 * A server gone without a close: its process stopped (SIGSTOP, a debugger) or hung, its machine off,
 * the network cut. Its socket stays open and says nothing, so both clients showed the last picture
 * as playing for good, where a killed server is said at once and tried again. A paused video or a
 * photo sends nothing for minutes too, so silence alone proves nothing: after QUIET_MS without a
 * message the client asks the server for an answer, and a server that answers neither that nor
 * with anything else within ANSWER_MS is taken for gone: the client cuts the socket and reconnects
 * as after any loss.
 *
 * How to ask is the shell's: the terminal sends a WebSocket ping (the server's `ws` answers by
 * itself, as the server's own heartbeat.ts counts on the clients' doing), the page, whose
 * WebSocket cannot ping from script, the `ping` message the server answers `PONG` (PROTOCOL-NOTES.md
 * §5). The shell calls `heard` for whatever comes in: any message, or a pong.
 */

/** Nothing heard this long: ask. */
export const QUIET_MS = 5000;
/** No answer nor message this long after asking: gone. */
export const ANSWER_MS = 5000;
/** How often the watch looks; a look later than twice this means this process was not running. */
export const WATCH_TICK_MS = 1000;
/** What both clients say of a server taken for gone. */
export const SILENT_WHY = `server not answering (silent for ${(QUIET_MS + ANSWER_MS) / 1000} s)`;

export class SilenceWatch {
  private heardAt: number;
  /** When the unanswered question went out; null while none is waiting. */
  private askedAt: number | null = null;
  private lastLook: number;
  private readonly timer: ReturnType<typeof setInterval>;
  private stopped = false;

  /**
   * `ask`: asks the server to say something. `silent` is called once, when the server is taken
   * for gone; the watch has stopped by then. `now`: ms, monotonic (a test's fake clock).
   */
  constructor(
    private readonly ask: () => void,
    private readonly silent: () => void,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.heardAt = this.lastLook = now();
    this.timer = setInterval(() => this.look(), WATCH_TICK_MS);
    // Node's timers hold the process open; the watch must not keep a quitting terminal client alive.
    (this.timer as { unref?: () => void }).unref?.();
  }

  /** The server said something (a message, a pong). */
  readonly heard = (): void => {
    this.heardAt = this.now();
    this.askedAt = null;
  };

  /** One look at the link (the timer's; tests call it with their own clock). */
  look(): void {
    if (this.stopped) return;
    const now = this.now();
    const late = now - this.lastLook > 2 * WATCH_TICK_MS;
    this.lastLook = now;
    // Stopped (Ctrl-Z), blocked, or a background tab whose timers the browser slowed: what the
    // server sent meanwhile may still be unread, and timers can run before it is read. The wait
    // starts afresh, not from before the gap.
    if (late) {
      this.heard();
      return;
    }
    if (this.askedAt === null) {
      if (now - this.heardAt < QUIET_MS) return;
      this.askedAt = now;
      this.ask();
      return;
    }
    if (now - this.askedAt < ANSWER_MS) return;
    this.stop();
    this.silent();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }
}
