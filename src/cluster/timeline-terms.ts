/**
 * What a shared timeline's positions mean on a server: the length of its source and whether it
 * loops. One record is read by every server (timeline-record.ts), so servers that disagree on
 * either read it differently: a server started without --loop among looping ones took the timeline
 * for ended after one pass, and its next viewer restarted the file for everyone (the looping
 * servers' viewers jumped back to 0). A server that would disagree is refused at the door.
 */
export interface TimelineTerms {
  /** The source's length, seconds. */
  duration: number;
  /** Whether it wraps round at its end (`--loop`, the demo). */
  loop: boolean;
}

/** Lengths this close are one source's: a copy in another container states its length rounded otherwise. */
const DURATION_SLACK_S = 0.05;

/**
 * Why a server with `ours` cannot share the timeline of servers that beat with `peers`, or null.
 * A beat without terms (a server of an older version) is not judged.
 */
export function termsClash(ours: TimelineTerms, peers: readonly Partial<TimelineTerms>[]): string | null {
  for (const peer of peers) {
    if (typeof peer.loop === 'boolean' && peer.loop !== ours.loop) {
      return ours.loop
        ? 'its servers play the source once (no --loop) and this one loops it (--loop)'
        : 'its servers loop the source (--loop) and this one plays it once (no --loop)';
    }
    if (typeof peer.duration === 'number' && Math.abs(peer.duration - ours.duration) > DURATION_SLACK_S) {
      return `its servers play a source ${peer.duration.toFixed(3)} s long and this one ${ours.duration.toFixed(3)} s`;
    }
  }
  return null;
}
