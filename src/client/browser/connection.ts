/**
 * The page's link to the server: a StreamClient over the browser's WebSocket that comes back by
 * itself. A lost connection (any close but those below, or a socket that never opens) is retried
 * after BACKOFF_MIN_MS, doubling to BACKOFF_MAX_MS (the terminal's delays too); the URL is asked for anew each time, so the
 * view, grid, mode and style in effect are restored. The backoff starts over once an INIT arrives.
 *
 * Which closes are retried is the terminal's rule too (../common/reconnect-policy.ts): a full
 * server (1013, try again later) is; the end of the stream (1000, "ended"), a refusal (1008, 1009)
 * and a source that failed for good (1011) are not. The page offers a button for those.
 *
 * A browser's WebSocket hides why an upgrade failed (it reports 1006 whatever the HTTP status), so
 * a socket that closes before it ever opened is followed by one plain request that shows the
 * status (`refusal`): a server that refuses the token (401, §1.5) is final, as it is for the
 * terminal client (upgradeStatusAction), and is said once instead of retried for ever.
 *
 * A server gone without a close (stopped, hung, its network gone) leaves the socket open and
 * silent: the page asks it with a `ping` message after 5 s of silence, and 5 s more without an
 * answer count as a lost connection (../common/silence-watch.ts, the terminal's watch too).
 *
 * An `Error:` before the INIT is the server's refusal (full, shutting down, a query it cannot
 * read): the close that follows carries the same words, so they are reported once, as the close's
 * reason, not as a notice too.
 */
import { type ClientMessage, type Codec, type InitInfo, type TimelineStatus } from '../../../protocol/index.js';
import { Backoff, BACKOFF_MAX_MS, BACKOFF_MIN_MS, closeAction, upgradeStatusAction } from '../common/reconnect-policy.js';
import { SILENT_WHY, SilenceWatch } from '../common/silence-watch.js';
import { StreamClient, type ReceivedFrame, type SocketLike } from '../common/stream-client.js';
import { inflateFrame } from './inflate.js';

/** A socket still connecting after this long is given up and retried. */
export const CONNECT_TIMEOUT_MS = 10_000;
/** The request that asks why a socket never opened gets this long; a server that slow is retried. */
export const REFUSAL_PROBE_MS = 3000;

export type LinkState =
  | { kind: 'connecting'; attempt: number }
  | { kind: 'open' }
  /**
   * `why`: the server's words when it turned this connection away (server full), or the page's
   * when it gave up a server gone silent (SILENT_WHY); else empty.
   */
  | { kind: 'lost'; code: number; why: string; retryInMs: number }
  | { kind: 'ended' }
  | { kind: 'closed'; code: number; reason: string }
  /** The upgrade was answered with `status` (401: the token), not retried. */
  | { kind: 'refused'; status: number };

export interface ConnectionEvents {
  state(state: LinkState): void;
  init(info: InitInfo): void;
  frame(frame: ReceivedFrame): void;
  /** An `Error:` text from the server, or a frame that did not fit its INIT. */
  error(message: string): void;
  /** The timeline as the server has it (STATUS:, PROTOCOL-NOTES.md §2.1). */
  status(status: TimelineStatus): void;
}

const WS_CONNECTING = 0;
const WS_OPEN = 1;
/** Close code the page uses to drop its own socket (4000–4999 are free for applications). */
const DROP_CODE = 4000;

export class Connection {
  private socket: WebSocket | null = null;
  private stream: StreamClient | null = null;
  /** The open socket's watch for a server gone without a close. */
  private watch: SilenceWatch | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private connectTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly backoff = new Backoff(BACKOFF_MIN_MS, BACKOFF_MAX_MS);
  private attempt = 0;
  private disposed = false;

  /**
   * `codec`: what the URL asks for (the page's `?codec=`, `tagged` unless it says raw).
   * `refusal`: after a socket that never opened, the HTTP status of the server's refusal, or null
   * when it did not refuse (accessRefusal).
   */
  constructor(
    private readonly url: () => string,
    private readonly events: ConnectionEvents,
    private readonly codec: Codec = 'tagged',
    private readonly refusal: () => Promise<number | null> = () => Promise.resolve(null),
  ) {}

  get open(): boolean {
    return this.stream?.open ?? false;
  }

  /** Connects now, replacing any socket or pending retry. */
  connect(): void {
    if (this.disposed) return;
    this.clearTimers();
    this.detach();
    this.attempt++;
    const ws = new WebSocket(this.url());
    this.socket = ws;
    let upgraded = false;
    let opened = false;
    /** `Error:` texts before the INIT: a refusal, said by the close (or notices, once the INIT comes). */
    const early: string[] = [];
    this.stream = new StreamClient(ws as unknown as SocketLike, this.codec, {
      open: () => {
        upgraded = true;
        this.clearConnectTimer();
        this.watchSilence(ws);
      },
      init: (info) => {
        this.backoff.reset();
        this.attempt = 0;
        if (!opened) {
          opened = true;
          this.events.state({ kind: 'open' });
        }
        this.events.init(info);
        for (const message of early.splice(0)) this.events.error(message);
      },
      frame: (frame) => this.events.frame(frame),
      error: (message) => {
        if (opened) this.events.error(message);
        else early.push(message);
      },
      status: (status) => this.events.status(status),
      close: (code, reason) => {
        if (ws === this.socket) this.closed(code, reason || early.join('; '), early.join('; '), upgraded);
      },
    }, inflateFrame);
    this.connectTimer = setTimeout(() => {
      if (ws !== this.socket || ws.readyState !== WS_CONNECTING) return;
      this.detach();
      this.lost(1006, '');
    }, CONNECT_TIMEOUT_MS);
    this.events.state({ kind: 'connecting', attempt: this.attempt });
  }

  send(message: ClientMessage): void {
    this.stream?.send(message);
  }

  /** Hands back a frame no longer on screen, for the next frames to be decoded into (StreamClient.recycle). */
  recycle(frame: ReceivedFrame): void {
    this.stream?.recycle(frame);
  }

  /** Closes the socket the way a dropped network would look to the page: it reconnects. */
  drop(): void {
    if (this.socket?.readyState === WS_OPEN) this.socket.close(DROP_CODE, 'dropped by the page');
  }

  dispose(): void {
    this.disposed = true;
    this.clearTimers();
    this.detach();
  }

  /**
   * Watches the open socket `ws` for silence: after QUIET_MS with no message it sends `ping`,
   * which the server answers `PONG` (PROTOCOL-NOTES.md §5); with no answer the socket is dropped
   * and the page reconnects, as after any loss.
   */
  private watchSilence(ws: WebSocket): void {
    const watch = new SilenceWatch(() => this.stream?.send({ type: 'ping' }), () => {
      if (ws !== this.socket) return;
      this.detach();
      this.lost(1006, SILENT_WHY);
    });
    // Beside the StreamClient's onmessage: anything the server says, PONG included, is an answer.
    ws.addEventListener('message', watch.heard);
    this.watch = watch;
  }

  /** `refusal`: the `Error:` texts that came before any INIT. */
  private closed(code: number, reason: string, refusal: string, upgraded: boolean): void {
    this.clearConnectTimer();
    this.stopWatch();
    this.socket = null;
    this.stream = null;
    if (this.disposed) return;
    const action = closeAction(code);
    if (action === 'ended') this.events.state({ kind: 'ended' });
    else if (action === 'refused') this.events.state({ kind: 'closed', code, reason });
    else if (!upgraded) void this.explain(code);
    else this.lost(code, refusal);
  }

  /** A socket that never opened: refused (said once, final), or lost (retried). */
  private async explain(code: number): Promise<void> {
    const attempt = this.attempt;
    const status = await this.refusal();
    // Disposed, or connected again meanwhile (a click): this attempt is history.
    if (this.disposed || attempt !== this.attempt || this.socket) return;
    if (status !== null && upgradeStatusAction(status) === 'refused') this.events.state({ kind: 'refused', status });
    else this.lost(code, '');
  }

  private lost(code: number, why: string): void {
    const delay = this.backoff.next();
    this.events.state({ kind: 'lost', code, why, retryInMs: delay });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, delay);
  }

  /** Forgets the current socket without reporting its close. */
  private detach(): void {
    this.stopWatch();
    const ws = this.socket;
    this.socket = null;
    this.stream = null;
    if (!ws) return;
    ws.onopen = null;
    ws.onmessage = null;
    ws.onclose = null;
    ws.onerror = null;
    if (ws.readyState === WS_CONNECTING || ws.readyState === WS_OPEN) ws.close(1000, 'client reconnecting');
  }

  private stopWatch(): void {
    this.watch?.stop();
    this.watch = null;
  }

  private clearConnectTimer(): void {
    if (this.connectTimer) clearTimeout(this.connectTimer);
    this.connectTimer = null;
  }

  private clearTimers(): void {
    this.clearConnectTimer();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }
}

/**
 * The status a server refusing this page's token gives (401, PROTOCOL-NOTES.md §1.5), or null. A
 * plain GET of /ws is answered 426 whether the token is right or not, so the page asks `HEAD
 * /audio` (`audioUrl`, with the page's token), which checks the token as the upgrade does. Only
 * 401 counts: the other refusal, 403, is about the Origin, and a plain same-origin HEAD carries
 * none, so its 403 would not be the upgrade's; anything else, or no answer, is a lost connection.
 */
export async function accessRefusal(audioUrl: string): Promise<number | null> {
  try {
    const res = await fetch(audioUrl, { method: 'HEAD', cache: 'no-store', signal: AbortSignal.timeout(REFUSAL_PROBE_MS) });
    return res.status === 401 ? res.status : null;
  } catch {
    return null;
  }
}
