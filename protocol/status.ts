/**
 * The timeline as the server has it (PROTOCOL-NOTES.md §2.1): `STATUS:<CODE>:<text>` texts, in
 * ASCILINE's form. Every viewer gets one on each change, and a joiner the current one right after
 * its INIT. Clients show this, never a guess of their own.
 *
 *   STATUS:PLAYING:12.345   STATUS:PAUSED:12.345   STATUS:SEEKED:30.000   STATUS:ENDED:60.000
 *   STATUS:RESTARTING:video decoder stopped (…); restarting at 12.3 s   STATUS:FAILED:…   STATUS:STILL:photo
 */
import { ProtocolError } from './errors.js';

export const STATUS_PREFIX = 'STATUS:';

export const STATUS_CODES = ['PLAYING', 'PAUSED', 'SEEKED', 'ENDED', 'RESTARTING', 'FAILED', 'STILL'] as const;
export type StatusCode = (typeof STATUS_CODES)[number];

/** Codes whose text is a timeline position in seconds. */
const POSITIONED: ReadonlySet<StatusCode> = new Set(['PLAYING', 'PAUSED', 'SEEKED', 'ENDED']);

export interface TimelineStatus {
  code: StatusCode;
  /** Seconds (PLAYING, PAUSED, SEEKED, ENDED). */
  position?: number;
  /** Why (RESTARTING, FAILED), or what (STILL). */
  reason?: string;
}

export function encodeStatus(s: TimelineStatus): string {
  const text = POSITIONED.has(s.code) ? (s.position ?? 0).toFixed(3) : (s.reason ?? '').replace(/[\r\n]+/g, ' ');
  return `${STATUS_PREFIX}${s.code}:${text}`;
}

/** Reads a STATUS text; an unknown code is an error (a client may ignore it: codes only get added). */
export function parseStatus(text: string): TimelineStatus {
  if (!text.startsWith(STATUS_PREFIX)) throw new ProtocolError('STATUS_PREFIX', 'not a STATUS message');
  const rest = text.slice(STATUS_PREFIX.length);
  const colon = rest.indexOf(':');
  const code = colon < 0 ? rest : rest.slice(0, colon);
  const body = colon < 0 ? '' : rest.slice(colon + 1);
  if (!(STATUS_CODES as readonly string[]).includes(code)) throw new ProtocolError('STATUS_CODE', `unknown STATUS code ${code.slice(0, 20)}`);
  const c = code as StatusCode;
  if (!POSITIONED.has(c)) return { code: c, reason: body };
  const position = body === '' ? 0 : Number(body);
  if (!Number.isFinite(position)) throw new ProtocolError('STATUS_FIELD', `STATUS ${c} position is not a number: ${body.slice(0, 20)}`);
  return { code: c, position };
}
