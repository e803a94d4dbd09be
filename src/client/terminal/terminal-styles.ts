/**
 * Which cell style a terminal gets when the user names none: the best it is known to draw; and
 * which it gets when the window is too large for the chosen one's samples: the best of those that fit.
 * Mosaic (sextants, U+1FB00–1FB3B of Unicode 13, with the quadrants and the eighth and quarter
 * blocks) looks best of the styles most terminals can show, but a
 * terminal that neither draws them itself nor has a font with them shows boxes or blanks; quadrants
 * (Unicode 1.1 block elements) are in every monospace font. So sextants go only to terminals known
 * to draw them with their own built-in block glyphs, whatever the font, and quadrants to the rest.
 *
 * The terminal is recognised by what it puts in the environment. Inside tmux or screen, TERM is
 * tmux's own, but the variables below were inherited from the terminal tmux started in, and tmux
 * passes the characters through, so "tmux over any of them" is recognised the same way.
 */
import { CELL_STYLES, Limits, sampleCount, type StyleName } from '../../../protocol/index.js';
import { detectColorDepth, type ColorDepth } from './color-depth.js';

type Env = Readonly<Record<string, string | undefined>>;

export interface KnownTerminal {
  name: string;
  /** Why it is on the list. */
  reason: string;
  matches(env: Env): boolean;
}

function versionAtLeast(value: string | undefined, min: number): boolean {
  const n = Number.parseInt(value ?? '', 10);
  return Number.isFinite(n) && n >= min;
}

/** "3.5.2" ≥ [3, 5]. */
function dottedAtLeast(value: string | undefined, major: number, minor: number): boolean {
  const [a, b] = (value ?? '').split('.').map((p) => Number.parseInt(p, 10));
  return a !== undefined && Number.isFinite(a) && (a > major || (a === major && (b ?? 0) >= minor));
}

/** Terminals that draw Unicode 13 sextants themselves (box-drawing and block glyphs made in code, not taken from the font). */
export const SEXTANT_TERMINALS: readonly KnownTerminal[] = [
  { name: 'kitty', reason: 'renders block elements and the legacy-computing sextants with its own box-drawing code', matches: (e) => e['TERM'] === 'xterm-kitty' || e['KITTY_WINDOW_ID'] !== undefined },
  { name: 'WezTerm', reason: 'custom block glyphs (on by default) include the sextants', matches: (e) => e['TERM_PROGRAM'] === 'WezTerm' || e['WEZTERM_PANE'] !== undefined },
  { name: 'foot', reason: 'draws box-drawing, block and sextant characters itself', matches: (e) => (e['TERM'] ?? '').startsWith('foot') },
  { name: 'Ghostty', reason: 'its sprite font draws the whole legacy-computing block set', matches: (e) => e['TERM_PROGRAM'] === 'ghostty' || e['TERM'] === 'xterm-ghostty' || e['GHOSTTY_RESOURCES_DIR'] !== undefined },
  { name: 'iTerm2', reason: 'draws block elements and legacy-computing blocks as graphics (3.5 and later)', matches: (e) => e['TERM_PROGRAM'] === 'iTerm.app' && dottedAtLeast(e['TERM_PROGRAM_VERSION'], 3, 5) },
  { name: 'Windows Terminal', reason: 'built-in box and block glyphs cover the sextants (1.15 and later)', matches: (e) => e['WT_SESSION'] !== undefined },
  { name: 'VTE (GNOME Terminal, Tilix, …)', reason: 'VTE draws the sextants itself since 0.64 (VTE_VERSION 6400)', matches: (e) => versionAtLeast(e['VTE_VERSION'], 6400) },
  { name: 'xterm', reason: 'recent xterm (patch 370 and later) draws the legacy-computing blocks itself', matches: (e) => versionAtLeast((e['XTERM_VERSION'] ?? '').replace(/^XTerm\(/, ''), 370) },
];

/**
 * Whether the locale (LC_ALL, else LC_CTYPE, else LANG, as C's setlocale reads them) says UTF-8.
 * None set is taken for yes: a terminal that sets none is most often a UTF-8 one (a container, an
 * ssh session that passes no locale), where the picture would lose most for nothing.
 */
export function unicodeLocale(env: Env): boolean {
  const locale = env['LC_ALL'] || env['LC_CTYPE'] || env['LANG'];
  return locale === undefined || /utf-?8/i.test(locale);
}

/**
 * How text the client writes marks a cut or an ongoing wait (the status line, `connecting to …`,
 * `opening …`): `…` is three bytes another charset shows as junk (LANG=C), as block glyphs are.
 */
export const ELLIPSIS = unicodeLocale(process.env) ? '…' : '...';

/** Environment variable that names the default style outright (any style name). */
export const STYLE_ENV = 'ASCII360_STYLE';

/**
 * The default style for this environment, and why (for the log and the status line). Mosaic's fit
 * within the 256- or 16-colour palette costs over ten times its 24-bit fit on the server (bench), for
 * a picture the palette coarsens anyway, so those terminals get sextants.
 */
export function defaultTerminalStyle(env: Env, depth: ColorDepth = detectColorDepth(env)): { style: StyleName; reason: string } {
  if (!unicodeLocale(env)) return { style: 'ascii', reason: 'the locale is not UTF-8: block glyphs would reach the terminal as bytes of another charset' };
  for (const t of SEXTANT_TERMINALS) if (t.matches(env)) return { style: depth === 'truecolor' ? 'mosaic' : 'sextant', reason: `${t.name}: ${t.reason}` };
  return { style: 'quadrant', reason: 'terminal not known to draw sextants; quadrants are in every monospace font' };
}

/**
 * Whether the terminal is known to draw `style`'s glyphs (README's cell-style table): ASCII
 * anywhere; the Unicode 1.1 blocks (half, quadrant) in a UTF-8 locale, as every monospace font has
 * them; sextants (sextant, mosaic) on SEXTANT_TERMINALS only. Octants (Unicode 16) and braille
 * (the font's) on none: tmux 3.3 drops octants, and inside tmux the outer terminal's name says
 * nothing of what tmux passes on.
 */
export function knownToDraw(style: StyleName, env: Env): boolean {
  switch (style) {
    case 'ramp':
    case 'ascii':
      return true;
    case 'half':
    case 'quadrant':
      return unicodeLocale(env);
    case 'sextant':
    case 'mosaic':
      return unicodeLocale(env) && SEXTANT_TERMINALS.some((t) => t.matches(env));
    case 'octant':
    case 'braille':
      return false;
  }
}

/** Styles a grid too large for the chosen one's samples falls back to, best picture first (README's picture bench). */
const GRID_FALLBACK: readonly StyleName[] = ['octant', 'sextant', 'quadrant', 'half', 'ramp'];

/**
 * The style a `cols`×`rows` grid shows for the chosen `style`: that one where its samples are
 * within the cap (mosaic's 32 a cell fit up to about 250×75), else the first of GRID_FALLBACK with
 * fewer samples a cell that fits and the terminal draws: one it is known to draw (knownToDraw), or
 * one whose every glyph the chosen style has too (its reducedTo: mosaic's sextants and quadrants),
 * which a user who chose it sees drawn. Before, a 320×100 tmux fell back from mosaic to octants,
 * which tmux 3.3 drops: a blank window.
 */
export function styleForGrid(style: StyleName, cols: number, rows: number, env: Env): StyleName {
  const fits = (s: StyleName): boolean => sampleCount(cols, rows, s) <= Limits.SAMPLES_MAX;
  if (fits(style)) return style;
  const drawn = (s: StyleName): boolean => knownToDraw(s, env) || CELL_STYLES[style].reducedTo.includes(s);
  return GRID_FALLBACK.find((s) => sampleCount(1, 1, s) < sampleCount(1, 1, style) && fits(s) && drawn(s)) ?? 'ramp';
}
