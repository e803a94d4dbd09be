/**
 * The terminal client's link to the server: a StreamClient over a `ws` socket that comes back by
 * itself when the connection is lost, the Node counterpart of the browser's connection.ts. Which
 * closes are retried, and the backoff, are both clients' rule (../common/reconnect-policy.ts).
 *
 * Each try asks the shell for the URL anew, so the server (another one behind the same front, after
 * a failover) shows the view on screen; and each socket gets a new StreamClient, so no coded frame
 * of the new server is patched onto the old server's picture (PROTOCOL-NOTES.md §3.7).
 *
 * The first connect is not retried: it runs before the screen is taken over, and a server that is
 * unreachable, refuses or is full is the one line it has always been. Only a viewer that has had an
 * INIT (a picture) reconnects.
 */
import WebSocket from 'ws';
import type { ClientMessage, Codec, Inflate, InitInfo, TimelineStatus } from '../../../protocol/index.js';
import { Backoff, BACKOFF_MAX_MS, BACKOFF_MIN_MS, closeAction, upgradeStatusAction } from '../common/reconnect-policy.js';
import { SILENT_WHY, SilenceWatch } from '../common/silence-watch.js';
import { sourceNotes } from '../common/source-notes.js';
import { StreamClient, type ReceivedFrame, type SocketLike } from '../common/stream-client.js';
import { networkFailure, upgradeRefusal } from './connect-failure.js';

/** A socket still in its handshake after this long is given up (and, after a loss, tried again). */
const CONNECT_TIMEOUT_MS = 5000;

/** An open socket, keeping what it hears (the server speaks first: INIT) until someone takes it over. */
export interface OpenSocket {
  ws: WebSocket;
  /** Stops keeping messages and gives those kept, for the taker to feed in once it listens. */
  takeEarly(): unknown[];
}

/** A failed connect: `message` says why for the user (connect-failure.ts); `retry` whether a reconnect would try again. */
export class ConnectError extends Error {
  constructor(
    message: string,
    readonly retry: boolean,
  ) {
    super(message);
  }
}

/**
 * Starts a socket to `url`; `ready` gives the messages received before the caller takes over, or
 * rejects with a ConnectError. The socket is returned at once, so a caller that quits can stop it.
 */
function startSocket(url: string): { ws: WebSocket; ready: Promise<OpenSocket> } {
  const ws = new WebSocket(url, { handshakeTimeout: CONNECT_TIMEOUT_MS, perMessageDeflate: false });
  ws.binaryType = 'arraybuffer';
  const ready = new Promise<OpenSocket>((resolve, reject) => {
    const early: unknown[] = [];
    const fail = (error: ConnectError): void => {
      ws.removeAllListeners();
      ws.on('error', () => {});
      ws.terminate();
      reject(error);
    };
    ws.once('open', () => {
      ws.removeAllListeners();
      // Bounded: only what arrives before the next tick, when the link takes over.
      const keep = (data: unknown, isBinary: boolean): number => early.push(isBinary ? data : String(data));
      ws.on('message', keep);
      resolve({
        ws,
        takeEarly: () => {
          ws.off('message', keep);
          return early;
        },
      });
    });
    // Network errors (refused, reset, unreachable, the handshake timing out) are a server not
    // there right now: worth another try.
    ws.once('error', (error: NodeJS.ErrnoException) => fail(new ConnectError(networkFailure(error), true)));
    ws.once('unexpected-response', (_req, res) => {
      const status = res.statusCode ?? 0;
      // The server's one line says why (§1.5: a Host it does not answer, a proxy without the token): read its first bytes.
      let body = '';
      let told = false;
      const done = (): void => {
        if (told) return; // the timer's, then the close its abort brings
        told = true;
        clearTimeout(timer);
        fail(new ConnectError(upgradeRefusal(status, body), upgradeStatusAction(status) === 'reconnect'));
      };
      const timer = setTimeout(done, REFUSAL_READ_MS);
      res.setEncoding('utf8');
      res.on('data', (text: string) => {
        body += text;
        if (body.length >= REFUSAL_MAX_CHARS) res.destroy();
      });
      res.on('error', () => {});
      res.on('close', done);
    });
  });
  return { ws, ready };
}

/** A refused upgrade's body is read this long at most, and this much of it. */
const REFUSAL_READ_MS = 1000;
const REFUSAL_MAX_CHARS = 300;

/** Opens the first socket, before the screen is taken over; rejects with a ConnectError. */
export function openSocket(url: string): Promise<OpenSocket> {
  return startSocket(url).ready;
}

export interface LinkEvents {
  init(info: InitInfo): void;
  frame(frame: ReceivedFrame): void;
  /** An `Error:` text from the server, or a frame that did not fit its INIT. */
  error(message: string): void;
  status(status: TimelineStatus): void;
  /**
   * The connection is lost; try `attempt` (1, 2, …) starts at `retryAt` (Date.now() ms), after the
   * backoff, or at retryNow(). `why`: the close or the error, for the user.
   */
  lost(attempt: number, why: string, retryAt: number): void;
  /** A reconnect's INIT came (it is passed to `init` next): the server shows the view again. */
  restored(): void;
  /** Closed for good: `code` the close code (1000: the stream ended), null for a refused reconnect; `reason` the server's words or the error. */
  closed(code: number | null, reason: string): void;
}

export class ServerLink {
  private ws!: WebSocket;
  private stream!: StreamClient;
  /** A reconnect's socket still in its handshake: stopped if the user quits meanwhile. */
  private connecting: WebSocket | null = null;
  private readonly backoff = new Backoff(BACKOFF_MIN_MS, BACKOFF_MAX_MS);
  /** Tries since the connection was lost; 0 while connected. */
  private attempt = 0;
  private hadInit = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private disposed = false;
  /** The current socket's watch for a server gone without a close (../common/silence-watch.ts). */
  private watch: SilenceWatch | null = null;
  /** Pings sent by afterBacklog, so each knows its own pong. */
  private backlogMarks = 0;
  /** Why the current socket was cut by this side, for the lost line (its close says nothing). */
  private cutWhy = '';

  /** `first`: the socket openSocket gave; `url` is asked for each reconnect (the view on screen). */
  constructor(
    first: OpenSocket,
    private readonly url: () => string,
    private readonly codec: Codec,
    private readonly inflate: Inflate,
    private readonly events: LinkEvents,
  ) {
    this.attach(first);
  }

  /** Connected and past the lost state: messages sent now reach the server. */
  get open(): boolean {
    return this.attempt === 0 && this.stream.open;
  }

  /** Sent on the current socket; dropped while it is down (the reconnect URL carries the view). */
  send(message: ClientMessage): void {
    this.stream.send(message);
  }

  /** Hands back a frame no longer on screen, for the next frames to be decoded into (StreamClient.recycle). */
  recycle(frame: ReceivedFrame): void {
    this.stream.recycle(frame);
  }

  /** Closes the socket as a quit (1000) and stops any retry. */
  dispose(): void {
    this.disposed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (this.connecting) drop(this.connecting);
    this.connecting = null;
    this.watch?.stop();
    drop(this.ws);
  }

  private attach(open: OpenSocket): void {
    const ws = open.ws;
    this.ws = ws;
    const early = open.takeEarly();
    this.stream = new StreamClient(ws as unknown as SocketLike, this.codec, {
      init: (info) => {
        this.hadInit = true;
        if (this.attempt > 0) {
          this.attempt = 0;
          this.backoff.reset();
          this.events.restored();
        }
        this.events.init(info);
      },
      frame: (frame) => this.events.frame(frame),
      error: (message) => this.events.error(message),
      status: (status) => this.events.status(status),
      close: (code, reason) => {
        if (ws !== this.ws) return;
        this.watch?.stop();
        this.closed(code, reason);
      },
    }, this.inflate);
    this.cutWhy = '';
    this.watch?.stop();
    // Asked with a WebSocket ping, which any server's stack answers by itself (silence-watch.ts).
    const watch = new SilenceWatch(() => ws.ping(), () => {
      if (ws !== this.ws || this.disposed) return;
      this.cutWhy = SILENT_WHY;
      // No close frame to wait for: its 'close' (1006) comes at once, and the link tries again.
      ws.terminate();
    });
    ws.on('message', watch.heard);
    ws.on('pong', watch.heard);
    this.watch = watch;
    for (const data of early) this.stream.receive(data);
  }

  private closed(code: number, reason: string): void {
    if (this.disposed) return;
    // Never let in (the first socket, no INIT yet: full, a bad query): the one line it always was.
    if (!this.hadInit || closeAction(code) !== 'reconnect') {
      this.events.closed(code, reason);
      return;
    }
    this.retry(reason || this.cutWhy || (code === 1006 ? 'connection lost' : `closed ${code}`));
  }

  private retry(why: string): void {
    this.attempt++;
    const delay = this.backoff.next();
    this.events.lost(this.attempt, why, Date.now() + delay);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.reconnect();
    }, delay);
  }

  /**
   * Calls `done` once everything the server sent before now has been read: the pong of a ping sent
   * now comes behind it in the stream (the frames a shared server sent while we were stopped,
   * waiting in the socket on `fg`). False, and `done` never called, where no socket is open.
   */
  afterBacklog(done: () => void): boolean {
    const ws = this.ws;
    if (this.disposed || ws.readyState !== WebSocket.OPEN) return false;
    const mark = Buffer.from(`backlog ${++this.backlogMarks}`);
    const onPong = (data: Buffer): void => {
      if (!data.equals(mark)) return;
      ws.off('pong', onPong);
      done();
    };
    ws.on('pong', onPong);
    ws.ping(mark);
    return true;
  }

  /** While waiting out the backoff: the next try starts now (the user pressed for it); false when none is waiting. */
  retryNow(): boolean {
    if (!this.retryTimer || this.disposed) return false;
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.reconnect();
    return true;
  }

  private reconnect(): void {
    if (this.disposed) return;
    let started: ReturnType<typeof startSocket>;
    try {
      started = startSocket(this.url());
    } catch (error) {
      // A URL `ws` cannot use: the first connect took the same base, so this is not expected.
      this.events.closed(null, error instanceof Error ? error.message : String(error));
      return;
    }
    const { ws, ready } = started;
    this.connecting = ws;
    ready.then(
      (open) => {
        this.connecting = null;
        if (this.disposed) drop(ws);
        else this.attach(open);
      },
      (error: unknown) => {
        this.connecting = null;
        if (this.disposed) return;
        const failure = error instanceof ConnectError ? error : new ConnectError(String(error), false);
        if (failure.retry) this.retry(failure.message);
        else this.events.closed(null, failure.message);
      },
    );
  }
}

/** Closes a socket without hearing from it again: a clean close when open, else at once. */
function drop(ws: WebSocket): void {
  ws.removeAllListeners();
  ws.on('error', () => {});
  if (ws.readyState === WebSocket.OPEN) ws.close(1000, 'quit');
  else ws.terminate();
}

/**
 * What the server behind the WebSocket `endpoint` guessed about its source, the first of its notes
 * (common/source-notes.ts), from its /healthz beside the endpoint (`ws://host/ws?token=…` →
 * `http://host/healthz?token=…`): `view` shows it first, as `play` shows its own server's.
 */
export async function firstSourceNote(endpoint: string): Promise<string | undefined> {
  const health = new URL(endpoint.replace(/^ws/, 'http'));
  health.pathname = `${health.pathname.replace(/\/ws$/, '')}/healthz`;
  return (await sourceNotes(health))?.notes[0];
}
