/**
 * Failures a user can act on: a stable `code`, a one-line `message` and the process exit status the
 * CLI uses. Anything else reaching the CLI is a bug and is reported as such (still on one line).
 */
export type ErrorCode =
  | 'FFMPEG_MISSING'
  | 'SOURCE_NOT_FOUND'
  | 'SOURCE_UNREADABLE'
  | 'SOURCE_NOT_MEDIA'
  | 'SOURCE_UNREACHABLE'
  | 'SOURCE_NO_VIDEO'
  | 'BAD_OPTION'
  | 'LISTEN_FAILED'
  | 'CONNECT_FAILED'
  | 'CLUSTER_UNREACHABLE'
  | 'CLUSTER_MISMATCH'
  | 'WRITE_FAILED';

export const EXIT_USAGE = 2;
export const EXIT_FAILURE = 1;

export class Ascii360Error extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;
  constructor(code: ErrorCode, message: string, exitCode: number = EXIT_FAILURE) {
    super(message);
    this.name = 'Ascii360Error';
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** Message of anything thrown, on one line. */
export function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
