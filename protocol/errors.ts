/** Most characters of a client's value an error line repeats. */
const QUOTE_MAX = 40;

/**
 * A client's value as an error line repeats it: JSON-quoted, so no control character it holds can
 * break the one-line `Error:` (§6.1), and cut to QUOTE_MAX characters with `…` marking the cut.
 */
export function quoted(value: unknown): string {
  const text = String(value);
  return JSON.stringify(text.length > QUOTE_MAX ? `${text.slice(0, QUOTE_MAX)}…` : text);
}

/** A wire-format violation: `code` is stable for tests and logs, `message` is the `Error:` text. */
export class ProtocolError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'ProtocolError';
    this.code = code;
  }
}
