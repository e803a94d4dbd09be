/** A wire-format violation: `code` is stable for tests and logs, `message` is the `Error:` text. */
export class ProtocolError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'ProtocolError';
    this.code = code;
  }
}
