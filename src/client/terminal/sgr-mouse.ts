/**
 * SGR mouse reports (DEC mode 1006): `ESC [ < b ; x ; y M` (press, motion) or `… m` (release).
 * We parse them ourselves because blessed reads one report per input chunk, and a terminal under
 * load delivers a whole drag in one chunk; it also reports a held-button motion as a new press.
 */
export type MouseAction = 'press' | 'drag' | 'release' | 'wheel-up' | 'wheel-down' | 'move';

export interface MouseEvent {
  action: MouseAction;
  /** 0-based cell. */
  x: number;
  y: number;
}

const SGR_MOUSE = /\x1b\[<(\d+);(\d+);(\d+)([mM])/g;

/** Every SGR mouse report in `text`, in order. */
export function parseSgrMouse(text: string): MouseEvent[] {
  const events: MouseEvent[] = [];
  for (const m of text.matchAll(SGR_MOUSE)) {
    const b = Number(m[1]);
    const x = Number(m[2]) - 1;
    const y = Number(m[3]) - 1;
    const released = m[4] === 'm';
    let action: MouseAction;
    if (b & 64) action = b & 1 ? 'wheel-down' : 'wheel-up';
    else if (released) action = 'release';
    else if (b & 32) action = (b & 3) === 3 ? 'move' : 'drag';
    else action = 'press';
    events.push({ action, x, y });
  }
  return events;
}
