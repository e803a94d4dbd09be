/**
 * Why a connect failed, in words a user can act on: the status line while the link is down
 * (`server not answering (connection refused): reconnecting in 4 s …`) and the one line a failed
 * first connect ends with. The socket gives an errno code (ECONNREFUSED) or an HTTP status; the
 * code alone told a new user nothing.
 */

/** What the common network errno codes mean for a viewer; the code stays in brackets for a search. */
const NETWORK_FAILURES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'server not answering (connection refused)',
  ECONNRESET: 'connection dropped by the server or the network (connection reset)',
  ETIMEDOUT: 'server not answering (timed out)',
  EHOSTUNREACH: "server's machine unreachable (no route to host)",
  ENETUNREACH: 'network unreachable (no route to the server)',
  ENOTFOUND: 'server name not found (no such host)',
  EAI_AGAIN: 'server name not found (name lookup failed for now)',
};

/** A socket's network error: the words for its errno code; an unknown code named as a failure; no code, the message (`ws`'s own, already words). */
export function networkFailure(error: { code?: string; message: string }): string {
  if (error.code === undefined) return error.message;
  return NETWORK_FAILURES[error.code] ?? `connection failed (${error.code})`;
}

/**
 * A refused upgrade, with what to do about it where the status alone leaves a user guessing. 401: no
 * token or a wrong one. 403: the server's own line where it sent one (a Host it does not answer
 * without a token, a request through a proxy without it), else the usual cause: from beyond the
 * server's machine only the token lets a client without an Origin in (PROTOCOL-NOTES.md §1.5).
 */
export function upgradeRefusal(status: number, body = ''): string {
  if (status === 401) return 'HTTP 401: a valid token is required (add ?token=<secret> to the URL)';
  // The server's words are plain text; a proxy's refusal is an HTML page, whose first line says nothing.
  const line = body.split('\n')[0]!.trim();
  const said = line.startsWith('<') ? '' : line.replace(/[\x00-\x1f\x7f-\x9f]/g, ' ').slice(0, 200);
  if (status === 403) return `HTTP 403: ${said || 'from here the server wants its token (add ?token=<secret> to the URL)'}`;
  // Other statuses come from whatever stands in front (a proxy's HTML page): the status alone.
  return `HTTP ${status}`;
}
