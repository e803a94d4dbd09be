/**
 * The help box's text for the room the terminal gives it. Every key fits a box HELP_WIDTH wide and
 * HELP_LINES.length + 4 high; on a smaller terminal the lines are cut at the right (never wrapped,
 * so each stays one key's) and, where too few rows are left, the keys at the end give way, except
 * `q`: a new user on a small terminal must still see how to quit.
 */
import { HELP_LINES } from '../common/keymap.js';

/** The longest help line. */
const WIDEST = Math.max(...HELP_LINES.map((line) => line.length));
/** The help box: the longest help line, padding and border. */
export const HELP_WIDTH = WIDEST + 4;
/** The lines, a gap, the closing hint and the border. */
export const HELP_HEIGHT = HELP_LINES.length + 4;
/** Room a description needs beside the keys' column before it moves to two spaces past its own keys. */
const DESCRIPTION_MIN = 16;

const CLOSES = '(any key closes)';
const CUT_CLOSES = '(more if taller; any key closes)';
const QUIT = HELP_LINES.find((line) => /^q\b/.test(line))!;

/** HELP_LINES as [keys, what they do] (two spaces or more between), and the longest keys. */
const SPLIT = HELP_LINES.map((line) => {
  const [, keys = line, what = ''] = /^(.*?\S) {2,}(.*)$/.exec(line) ?? [];
  return [keys, what] as const;
});
const LONGEST_KEY = Math.max(...SPLIT.map(([keys]) => keys.length));

/**
 * The lines to show inside a box with room for `rows` lines of `cols` characters. Narrower than the
 * lines, the descriptions move left (to just past the longest key, then to two spaces past each
 * key) so that a cut keeps as much of each as it can: at 30 columns `q` still reads `quit`.
 */
export function helpText(rows: number, cols = HELP_WIDTH - 4): string[] {
  const lines = cols >= WIDEST ? [...HELP_LINES] : SPLIT.map(([keys, what]) => (cols >= LONGEST_KEY + 2 + DESCRIPTION_MIN ? keys.padEnd(LONGEST_KEY + 2) : `${keys}  `) + what);
  const quit = lines[HELP_LINES.indexOf(QUIT)]!;
  if (rows >= lines.length + 2) return [...lines, '', CLOSES];
  if (rows >= lines.length + 1) return [...lines, CLOSES];
  if (rows <= 1) return [quit];
  // The first keys that fit with `q` and the hint that more are hidden.
  const shown = lines.filter((line) => line !== quit).slice(0, rows - 2);
  return [...shown, quit, CUT_CLOSES];
}
