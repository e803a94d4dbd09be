/**
 * The terminal's default style (src/client/terminal/terminal-styles.ts): mosaic where the terminal
 * is known to draw sextants and colours are 24-bit, sextant there at 256 or 16 colours (mosaic's
 * palette fit costs over ten times its 24-bit one), quadrant everywhere else. And the style a window
 * too large for the chosen one's samples shows: the best that fits among those the terminal draws.
 */
import { describe, expect, it } from 'vitest';
import { defaultTerminalStyle, knownToDraw, SEXTANT_TERMINALS, styleForGrid } from '../src/client/terminal/terminal-styles.js';

/** An environment each known terminal leaves, as found inside tmux too (TERM is tmux's own there). */
const SEEN: Record<string, Record<string, string>> = {
  kitty: { KITTY_WINDOW_ID: '1', TERM: 'tmux-256color' },
  WezTerm: { TERM_PROGRAM: 'WezTerm' },
  foot: { TERM: 'foot' },
  Ghostty: { TERM_PROGRAM: 'ghostty' },
  iTerm2: { TERM_PROGRAM: 'iTerm.app', TERM_PROGRAM_VERSION: '3.5.1' },
  'Windows Terminal': { WT_SESSION: 'x' },
  'VTE (GNOME Terminal, Tilix, …)': { VTE_VERSION: '7600' },
  xterm: { XTERM_VERSION: 'XTerm(390)' },
};

describe('defaultTerminalStyle', () => {
  it.each(SEXTANT_TERMINALS.map((t) => [t.name] as const))('%s: mosaic in truecolor, sextant at 256 colours', (name) => {
    const env = SEEN[name]!;
    expect(env, `an example environment for ${name}`).toBeDefined();
    expect(defaultTerminalStyle({ ...env, COLORTERM: 'truecolor' }).style).toBe('mosaic');
    expect(defaultTerminalStyle(env, '256').style).toBe('sextant');
    expect(defaultTerminalStyle(env, '16').style).toBe('sextant');
  });

  it('a locale that is not UTF-8 gets shape-matched ASCII, even in a terminal that draws sextants', () => {
    for (const locale of [{ LANG: 'C' }, { LC_ALL: 'POSIX', LANG: 'en_US.UTF-8' }, { LC_CTYPE: 'en_US.ISO-8859-1' }]) {
      expect(defaultTerminalStyle({ ...SEEN['kitty']!, COLORTERM: 'truecolor', ...locale }).style, JSON.stringify(locale)).toBe('ascii');
    }
    // UTF-8 by any spelling, or no locale said at all (most such terminals are UTF-8 ones).
    for (const locale of [{ LANG: 'C.UTF-8' }, { LC_ALL: 'de_DE.utf8' }, {}]) {
      expect(defaultTerminalStyle({ ...SEEN['kitty']!, COLORTERM: 'truecolor', ...locale }).style, JSON.stringify(locale)).toBe('mosaic');
    }
  });

  it('older versions and unknown terminals get quadrants, whatever the colours', () => {
    for (const env of [{ TERM: 'xterm-256color', COLORTERM: 'truecolor' }, { TERM_PROGRAM: 'iTerm.app', TERM_PROGRAM_VERSION: '3.4.9' }, { VTE_VERSION: '6003' }, { XTERM_VERSION: 'XTerm(360)' }]) {
      expect(defaultTerminalStyle(env).style, JSON.stringify(env)).toBe('quadrant');
    }
  });
});

describe('styleForGrid', () => {
  const kitty = { KITTY_WINDOW_ID: '1', TERM: 'tmux-256color', LANG: 'C.UTF-8' };
  const unknown = { TERM: 'xterm-256color', LANG: 'C.UTF-8' };

  it('keeps the chosen style where its samples fit', () => {
    expect(styleForGrid('mosaic', 160, 47, kitty)).toBe('mosaic');
    expect(styleForGrid('octant', 320, 99, unknown)).toBe('octant');
  });

  it('past the cap, never falls back to octants, which no terminal is known to draw (tmux 3.3 drops them)', () => {
    // 320×99 mosaic cells are 1 013 760 samples, over 600 000; octant's 253 440 would fit.
    expect(styleForGrid('mosaic', 320, 99, kitty)).toBe('sextant');
    expect(knownToDraw('octant', kitty)).toBe(false);
    // Mosaic chosen where its sextants are not known: the user sees them, so its own glyphs (reducedTo) are fair.
    expect(styleForGrid('mosaic', 320, 99, unknown)).toBe('sextant');
    // Braille and ascii chosen: sextants only where the terminal is known to draw them, else quadrants.
    expect(styleForGrid('braille', 400, 200, kitty)).toBe('sextant');
    expect(styleForGrid('braille', 400, 200, unknown)).toBe('quadrant');
    // Not UTF-8: no blocks at all, ramp's ASCII.
    expect(styleForGrid('ascii', 400, 200, { TERM: 'xterm', LANG: 'C' })).toBe('ramp');
  });

  it('takes a cheaper style that fits when the best drawn one does not', () => {
    // 1000×150 sextant cells are 900 000 samples; quadrant's 600 000 fit.
    expect(styleForGrid('mosaic', 1000, 150, kitty)).toBe('quadrant');
  });
});
