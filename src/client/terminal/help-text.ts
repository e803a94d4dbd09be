/**
 * The help box's text for the room the terminal gives it. Every key fits a box HELP_WIDTH wide and
 * HELP_LINES.length + 4 high. Narrower, a description wraps at its words onto lines indented under
 * it (a cut left `next camera (pla` at 40 columns), so each key still reads whole and a line that
 * starts at the left is a key's. Where too few rows are left, the keys at the end give way, except
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
/** Where a description's further lines start when it has moved beside its own keys (no shared column left). */
const NARROW_INDENT = 4;

const CLOSES = '(any key closes)';
const CUT_CLOSES = '(more if taller; any key closes)';
const QUIT = HELP_LINES.findIndex((line) => /^q\b/.test(line));

/** HELP_LINES as [keys, what they do] (two spaces or more between), and the longest keys. */
const SPLIT = HELP_LINES.map((line) => {
  const [, keys = line, what = ''] = /^(.*?\S) {2,}(.*)$/.exec(line) ?? [];
  return [keys, what] as const;
});
const LONGEST_KEY = Math.max(...SPLIT.map(([keys]) => keys.length));

/**
 * `text`'s words filled into lines of `width`, the first `first` wide (what stands before it takes
 * the rest; too narrow for the first word, it stays empty). A one-character word stays with the word
 * before it (`+10 s`), and `/` with the words either side (`on / off`) where they fit a line
 * together. A word wider than a line stands alone and is cut by the box.
 */
function wrapWords(text: string, first: number, width: number): string[] {
  const units: string[] = [];
  let joinNext = false;
  for (const word of text.split(' ').filter(Boolean)) {
    if ((word.length === 1 || joinNext) && units.length > 0) units[units.length - 1] += ` ${word}`;
    else units.push(word);
    joinNext = word === '/';
  }
  const lines: string[] = [];
  let line = '';
  // Alternatives too wide for a line together go one to a line, each `/` closing the line it ends.
  for (const unit of units.flatMap((u) => (u.length > width ? u.split(/(?<= \/) /) : [u]))) {
    const room = lines.length === 0 ? first : width;
    const wanted = line === '' ? unit.length : line.length + 1 + unit.length;
    // Past the room, the line ends and the unit starts the next; the first word of all ends an
    // empty first line only where the next has more room (a word too wide for any line stays).
    if (wanted > room && (line !== '' || room < width)) {
      lines.push(line);
      line = unit;
    } else line = line === '' ? unit : `${line} ${unit}`;
  }
  lines.push(line);
  return lines;
}

/** Each help line for `cols` columns: one key's lines, its description wrapped where it is too long. */
function keyLines(cols: number): string[][] {
  if (cols >= WIDEST) return HELP_LINES.map((line) => [line]);
  // A shared column for the descriptions where it leaves them room; else two spaces past each key.
  const column = cols >= LONGEST_KEY + 2 + DESCRIPTION_MIN ? LONGEST_KEY + 2 : 0;
  return SPLIT.map(([keys, what]) => {
    const start = column || keys.length + 2;
    const indent = column || NARROW_INDENT;
    const [head = '', ...rest] = wrapWords(what, cols - start, cols - indent);
    return [(keys.padEnd(start) + head).trimEnd(), ...rest.map((line) => ' '.repeat(indent) + line)];
  });
}

/**
 * The lines to show inside a box with room for `rows` lines of `cols` characters: every key, a gap
 * and the closing hint where they fit; else the first keys that fit whole with `q`, and a hint
 * that more are hidden (itself wrapped).
 */
export function helpText(rows: number, cols = HELP_WIDTH - 4): string[] {
  const keys = keyLines(cols);
  const all = keys.flat();
  if (rows >= all.length + 2) return [...all, '', CLOSES];
  if (rows >= all.length + 1) return [...all, CLOSES];
  const quit = keys[QUIT]!;
  const hint = wrapWords(CUT_CLOSES, cols, cols);
  if (rows < quit.length + hint.length) return quit.slice(0, Math.max(1, rows));
  const shown: string[] = [];
  for (const [i, lines] of keys.entries()) {
    if (i === QUIT) continue;
    if (shown.length + lines.length > rows - quit.length - hint.length) break;
    shown.push(...lines);
  }
  return [...shown, ...quit, ...hint];
}
