/**
 * What both clients show as the time: `mm:ss / mm:ss` for a file, `LIVE`, `still` for a photo, and
 * the time played alone for a video whose length the server does not know (a stream written
 * without one): that was `still`, as if it were a photo, while it played.
 */
import type { InitInfo, StatusCode } from '../../../protocol/index.js';

/** `mm:ss`, or `h:mm:ss` from an hour on. */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** The time at `seconds` of the source INIT describes, with the server's last timeline code (STATUS:). */
export function timeLabel(init: Pick<InitInfo, 'live' | 'duration'>, timeline: StatusCode | null | undefined, seconds: number): string {
  if (init.live) return 'LIVE';
  if (init.duration > 0) return `${clock(seconds)} / ${clock(init.duration)}`;
  return timeline === 'STILL' ? 'still' : clock(seconds);
}
