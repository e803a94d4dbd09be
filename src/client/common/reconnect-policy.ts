/**
 * When a client comes back by itself, for both clients (the browser's connection.ts and the
 * terminal's server-link.ts): what a close code means (PROTOCOL-NOTES.md §6.2), what a refused
 * upgrade means (§1.5), and how long to wait before the next try.
 *
 * The aim is failover: several servers behind one front (nginx), one of them killed or restarted.
 * Its viewers lose the socket (1006, no close frame) or hear 1001, and must come back through the
 * front with the view they had. Only a close that would end the same way again, or that says the
 * stream is over, is final.
 */
import { CloseCode } from '../../../protocol/index.js';

/** What a client does after its socket closed. */
export type CloseAction =
  /** The stream is complete: say "ended". */
  | 'ended'
  /** Asking again would be refused again, or the server gave up: say why and stop. */
  | 'refused'
  /** A lost connection: try again after the backoff, asking for the view on screen. */
  | 'reconnect';

/**
 * The action for close `code`. Every code the server sends is named here; any other (1006 a
 * dropped socket, 1012 restart, 1014 bad gateway, a 4xxx a proxy or a page used) is a lost
 * connection, as §6.2 says.
 */
export function closeAction(code: number): CloseAction {
  switch (code) {
    case CloseCode.END_OF_STREAM:
      return 'ended';
    // The server refused what this client sent (the query, a flood, a message too big; 1002,
    // 1003 and 1007 are what a WebSocket endpoint answers to a frame it cannot read): the same
    // client would be refused again, and a loop would hide the bug the message names.
    case CloseCode.POLICY:
    case CloseCode.TOO_BIG:
    case 1002:
    case 1003:
    case 1007:
      return 'refused';
    // The source failed for good: the server already restarted it 5 times with backoff (§2.1
    // FAILED), so a reconnect to it fails the same way, and its /healthz answers 503 for a load
    // balancer to take it out; the viewer is told why instead of waiting forever.
    case CloseCode.SOURCE_FAILED:
      return 'refused';
    // Server full (1013) is "try again later" by name, and in a failover it is the common case:
    // the killed server's viewers all arrive at the survivors at once. It is retried with the
    // backoff. (A client that was never let in, on its first connect, stops instead: its shell
    // decides that, since only it knows whether the user has seen a picture yet.)
    case CloseCode.TRY_AGAIN_LATER:
    case CloseCode.GOING_AWAY:
    default:
      return 'reconnect';
  }
}

/**
 * A WebSocket upgrade answered with an HTTP status instead (only a Node client sees it; a browser
 * gets 1006): 401 and 403 are the server's access refusals (§1.5), 404 or 426 a wrong URL, all
 * final; 5xx is a front (nginx 502/503/504) with no server behind it right now, 408 and 429 a
 * busy one: retried.
 */
export function upgradeStatusAction(status: number): 'refused' | 'reconnect' {
  return status >= 500 || status === 408 || status === 429 ? 'reconnect' : 'refused';
}

/**
 * Both clients' delays between tries: a killed server's viewers should be back within about 3 s
 * through the front. The first try is quick (a restart or another server is usually there
 * already); the cap keeps a long outage from being noticed late.
 */
export const BACKOFF_MIN_MS = 250;
export const BACKOFF_MAX_MS = 4000;

/**
 * Delays between tries: `min`, doubling to `max`, unbounded in number (the user quits when tired
 * of waiting). Reset once a connection is back (an INIT came), so a server that accepts and drops
 * at once is not hammered.
 */
export class Backoff {
  private nextMs: number;

  constructor(
    private readonly minMs: number,
    private readonly maxMs: number,
  ) {
    this.nextMs = minMs;
  }

  /** The delay before the next try; each call doubles the one after it, up to `max`. */
  next(): number {
    const delay = this.nextMs;
    this.nextMs = Math.min(this.maxMs, this.nextMs * 2);
    return delay;
  }

  reset(): void {
    this.nextMs = this.minMs;
  }
}
