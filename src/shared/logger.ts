/**
 * Structured logs: one line per event, `time level event key=value ...`, to stderr (or a file
 * descriptor chosen by the caller, so the terminal client can keep the screen clean).
 */
import { writeSync } from 'node:fs';

export const LOG_LEVELS = ['silent', 'error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
type Fields = Record<string, string | number | boolean | null | undefined>;

const rank: Record<LogLevel, number> = { silent: 0, error: 1, warn: 2, info: 3, debug: 4 };

export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

function formatValue(value: string | number | boolean | null): string {
  const s = String(value);
  return /^[^\s"=]*$/.test(s) && s !== '' ? s : JSON.stringify(s);
}

export class Logger {
  constructor(
    private level: LogLevel = 'info',
    /** Where lines go; -1 discards them. */
    private readonly fd: number = 2,
  ) {}

  setLevel(level: LogLevel): void {
    this.level = level;
  }

  enabled(level: Exclude<LogLevel, 'silent'>): boolean {
    return this.fd >= 0 && rank[level] <= rank[this.level];
  }

  private write(level: Exclude<LogLevel, 'silent'>, event: string, fields?: Fields): void {
    if (!this.enabled(level)) return;
    let line = `${new Date().toISOString()} ${level} ${event}`;
    if (fields) {
      for (const [k, v] of Object.entries(fields)) if (v !== undefined) line += ` ${k}=${formatValue(v)}`;
    }
    try {
      writeSync(this.fd, line + '\n');
    } catch {
      // A closed log destination must never take the server down.
    }
  }

  error(event: string, fields?: Fields): void { this.write('error', event, fields); }
  warn(event: string, fields?: Fields): void { this.write('warn', event, fields); }
  info(event: string, fields?: Fields): void { this.write('info', event, fields); }
  debug(event: string, fields?: Fields): void { this.write('debug', event, fields); }
}

/** A logger that prints nothing, for tests and embedding. */
export const silentLogger = new Logger('silent', -1);
