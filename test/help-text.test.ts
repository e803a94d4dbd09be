/**
 * The terminal's help box text for the room it gets (src/client/terminal/help-text.ts): every key
 * where it fits; on a small terminal the first keys that fit, `q` always among them, and a hint that
 * more are hidden; narrower than the lines, the descriptions move left and wrap at their words.
 */
import { describe, expect, it } from 'vitest';
import { HELP_LINES } from '../src/client/common/keymap.js';
import { HELP_HEIGHT, HELP_WIDTH, helpText } from '../src/client/terminal/help-text.js';

describe('help text', () => {
  it('shows every key, a gap and the closing hint in the full box', () => {
    expect(helpText(HELP_HEIGHT - 2, HELP_WIDTH - 4)).toEqual([...HELP_LINES, '', '(any key closes)']);
    expect(Math.max(...HELP_LINES.map((l) => l.length))).toBeLessThanOrEqual(HELP_WIDTH - 4);
  });

  it('names the terminal\'s Ctrl keys, and the whole box fits an 80x24 terminal above its status line', () => {
    const lines = helpText(HELP_HEIGHT - 2, HELP_WIDTH - 4);
    expect(lines).toContainEqual(expect.stringMatching(/^q, Ctrl-C +quit$/));
    expect(lines).toContainEqual(expect.stringMatching(/^Ctrl-L +redraw the screen$/));
    expect(lines).toContainEqual(expect.stringMatching(/^Ctrl-Z +suspend/));
    expect(HELP_WIDTH).toBeLessThanOrEqual(80);
    expect(HELP_HEIGHT).toBeLessThanOrEqual(24 - 1);
  });

  it('on a short terminal keeps q among the keys that fit, and says more are hidden', () => {
    for (let rows = 2; rows < HELP_LINES.length + 1; rows++) {
      const lines = helpText(rows);
      expect(lines).toHaveLength(rows);
      expect(lines.filter((l) => /^q, Ctrl-C +quit$/.test(l))).toHaveLength(1);
      expect(lines.at(-1)).toBe('(more if taller; any key closes)');
      // The keys before q are the help's first ones, in order.
      expect(lines.slice(0, -2)).toEqual(HELP_LINES.filter((l) => !l.startsWith('q,')).slice(0, rows - 2));
    }
    expect(helpText(1)).toEqual([expect.stringMatching(/^q, Ctrl-C +quit$/)]);
  });

  it('narrower than the lines, moves the descriptions left', () => {
    const at = (cols: number): string[] => helpText(HELP_HEIGHT - 2, cols).map((l) => l.slice(0, cols));
    // At 36 columns (a 40-column terminal) every description starts at the same column, past the longest keys.
    const mid = at(36).filter((l) => l.includes('  '));
    const column = new Set(mid.map((l) => l.search(/ {2,}\S/) + (/ {2,}/.exec(l)?.[0].length ?? 0)));
    expect(column.size).toBe(1);
    expect(at(36)).toContain('q, Ctrl-C           quit');
    // At 26 (a 30-column terminal) two spaces past each key: `r  reset the view` whole.
    expect(at(26)).toContain('r  reset the view');
    expect(at(26)).toContain('q, Ctrl-C  quit');
  });

  it('narrower than the lines, wraps each description at its words onto indented lines: nothing is cut, and a line at the left is a key\'s', () => {
    // Before, a 40-column terminal read `next camera (pla` and `suspend (fg resu`.
    const whole = [...HELP_LINES.map((l) => l.replace(/ {2,}/, '  ')), '(any key closes)'];
    for (let cols = 20; cols < HELP_WIDTH - 4; cols++) {
      const lines = helpText(Infinity, cols);
      expect(lines.filter((l) => l.length > cols), `${cols} columns`).toEqual([]);
      const keys: string[] = [];
      for (const line of lines) {
        if (line === '') continue;
        // A key alone on its line (no room beside it) has its description on the next.
        if (line.startsWith(' ')) keys[keys.length - 1] += `${keys.at(-1)!.includes('  ') ? ' ' : '  '}${line.trim()}`;
        else keys.push(line.replace(/ {2,}/, '  '));
      }
      expect(keys, `${cols} columns`).toEqual(whole);
    }
    // `/` keeps its alternatives together, and a unit its number, where a line has room.
    expect(helpText(Infinity, 36)).toEqual(expect.arrayContaining([expect.stringMatching(/^ +on \/ off$/), expect.stringMatching(/^ +-10 s \/ \+10 s$/)]));
  });

  it('wrapped and short of rows, keeps the keys that fit whole, q, and the hint', () => {
    expect(helpText(7, 26)).toEqual(['arrows / hjkl  look around', 'mouse drag  look around', 'Q / E  roll', 'q, Ctrl-C  quit', '(more if taller; any key', 'closes)']);
  });
});
